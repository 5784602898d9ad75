using Pricing.Quoting.Levers;
using static Pricing.Quoting.Tests.TestData;

namespace Pricing.Quoting.Tests;

/// <summary>
/// The levers (issue 24, item 4): the quote's program under each, by re-running the engine on a changed spec, with its
/// deltas against option #1. Each lever's direction is checked where the model fixes it.
/// </summary>
public sealed class LeverSetTests
{
    private static readonly LeverSet Levers = new(Engine(), AcceleratorGenerations.Default, ModelDefaults.Default);

    /// <summary>p5 on demand and Capacity Block in us-east-1, p5 on demand in us-west-2 (a cleaner grid, dearer here), and p6-b200.</summary>
    private static PriceViewSnapshot Market() => Prices(
        P5(),
        P5(PricingModels.CapacityBlock, 39.33m),
        P5(price: 60m) with { Region = "us-west-2" },
        Offer(provider: "aws", region: "us-east-1", instanceType: "p6-b200.48xlarge", acceleratorId: "nvidia-b200", price: 113.93m));

    private static (QuoteOptionResult Top, IReadOnlyList<Lever> Levers) For(QuoteSpec spec)
    {
        var top = Engine().Quote(spec, Market()).Options[0];
        return (top, Levers.For(spec, top, Market()));
    }

    private static Lever Named(IReadOnlyList<Lever> levers, string name) => Assert.Single(levers, l => l.Name == name);

    [Fact]
    public void Every_lever_is_there_once_and_says_why_when_it_does_not_apply()
    {
        var (_, levers) = For(Spec(acceleratorIds: [H100]) with { DeadlineHours = 30 * 24 });

        Assert.Equal(
            [LeverNames.Fp8, LeverNames.Fp4, LeverNames.ComputeOptimalTokens, LeverNames.LongerDeadline, LeverNames.OnDemand, LeverNames.CapacityBlock,
             LeverNames.CommitmentWithReuse, LeverNames.CheapestRegion, LeverNames.CleanestRegion, LeverNames.NextGeneration],
            levers.Select(l => l.Name));
        Assert.All(levers, l => Assert.Equal(l.Applicable, l.Reason.Length == 0));
        Assert.All(levers, l => Assert.NotEmpty(l.Change));
    }

    [Fact]
    public void FP8_on_a_fixed_H100_cluster_is_faster_and_cheaper()
    {
        var (top, levers) = For(Spec(acceleratorIds: [H100], acceleratorCount: 1024, pricingModels: [PricingModels.OnDemand]));

        var fp8 = Named(levers, LeverNames.Fp8);
        Assert.True(fp8.Applicable, fp8.Reason);
        Assert.True(fp8.DeltaHours < 0, $"FP8 {fp8.DeltaHours:N1} h");
        Assert.True(fp8.DeltaCost < 0, $"FP8 {fp8.DeltaCost:N0}");
        Assert.Equal(fp8.Option!.BillTotal - top.BillTotal, fp8.DeltaCost);
        Assert.Equal(fp8.Option.WallClockHours - top.WallClockHours, fp8.DeltaHours);
        Assert.Equal(fp8.Option.Co2Kg - top.Co2Kg, fp8.DeltaCo2Kg);
        // The whole program moves with the run: its stages and experiments are cheaper too, so by more than the bill.
        Assert.Equal(fp8.Option.Program!.Total - top.Program!.Total, fp8.DeltaProgramCost);
        Assert.True(fp8.DeltaProgramCost < fp8.DeltaCost, $"program {fp8.DeltaProgramCost:N0} against bill {fp8.DeltaCost:N0}");
    }

    [Fact]
    public void FP8_does_not_apply_to_an_FP8_quote() =>
        Assert.False(Named(For(Spec(acceleratorIds: [H100], precision: Precision.Fp8)).Levers, LeverNames.Fp8).Applicable);

    [Theory]
    [InlineData(14)]
    [InlineData(30)]
    [InlineData(0)]
    public void A_longer_deadline_never_takes_more_accelerators_nor_less_time(double deadlineDays)
    {
        var (top, levers) = For(Spec(acceleratorIds: [H100], pricingModels: [PricingModels.OnDemand]) with { DeadlineHours = deadlineDays * 24 });

        var longer = Named(levers, LeverNames.LongerDeadline);
        Assert.True(longer.Applicable, longer.Reason);
        Assert.True(longer.Option!.Accelerators <= top.Accelerators, $"{longer.Option.Accelerators} against {top.Accelerators}");
        Assert.True(longer.DeltaHours >= 0, $"{longer.DeltaHours:N1} h");
    }

    [Fact]
    public void A_given_cluster_size_has_no_deadline_to_lengthen() =>
        Assert.False(Named(For(Spec(acceleratorIds: [H100], acceleratorCount: 512)).Levers, LeverNames.LongerDeadline).Applicable);

    [Fact]
    public void Each_pricing_lever_quotes_its_own_model_and_not_the_one_already_on_top()
    {
        var (top, levers) = For(Spec(acceleratorIds: [H100], pricingModels: [PricingModels.OnDemand]) with { DeadlineHours = 30 * 24 });

        Assert.Equal(PricingModels.OnDemand, top.Offer.PricingModel);
        Assert.False(Named(levers, LeverNames.OnDemand).Applicable);
        var block = Named(levers, LeverNames.CapacityBlock);
        Assert.True(block.Applicable, block.Reason);
        Assert.Equal(PricingModels.CapacityBlock, block.Option!.Offer.PricingModel);
        // No 1-year commitment is offered in this market.
        Assert.False(Named(levers, LeverNames.CommitmentWithReuse).Applicable);
    }

    [Fact]
    public void The_cleanest_region_has_less_CO2_and_the_cheapest_is_already_on_top()
    {
        var (top, levers) = For(Spec(acceleratorIds: [H100], pricingModels: [PricingModels.OnDemand], regions: ["us-east-1"]) with { DeadlineHours = 30 * 24 });

        var cleanest = Named(levers, LeverNames.CleanestRegion);
        Assert.True(cleanest.Applicable, cleanest.Reason);
        Assert.Equal("us-west-2", cleanest.Option!.Offer.Region);
        Assert.True(cleanest.DeltaCo2Kg < 0, $"{cleanest.DeltaCo2Kg:N0} kg");
        Assert.True(cleanest.DeltaCost > 0, "us-west-2 is dearer in this market");
        Assert.Equal("us-east-1", top.Offer.Region);
        Assert.False(Named(levers, LeverNames.CheapestRegion).Applicable);
    }

    [Fact]
    public void The_next_generation_of_H100_is_B200_on_its_own_offer()
    {
        var (_, levers) = For(Spec(acceleratorIds: [H100], pricingModels: [PricingModels.OnDemand]) with { DeadlineHours = 30 * 24 });

        var next = Named(levers, LeverNames.NextGeneration);
        Assert.True(next.Applicable, next.Reason);
        Assert.Equal("nvidia-b200", next.Option!.Offer.AcceleratorId);
        Assert.Contains("Blackwell", next.Change, StringComparison.Ordinal);
    }

    [Fact]
    public void Compute_optimal_tokens_keep_the_compute_and_do_not_apply_at_20_tokens_per_parameter()
    {
        var (_, levers) = For(Spec(parameters: 70e9, tokens: 15e12, acceleratorIds: [H100]) with { DeadlineHours = 60 * 24 });

        var optimal = Named(levers, LeverNames.ComputeOptimalTokens);
        var n = Math.Sqrt(70e9 * 15e12 / 20);
        Assert.Contains($"{n:G3} parameters on {20 * n:G3} tokens", optimal.Change, StringComparison.Ordinal);
        Assert.False(Named(For(Spec(parameters: 70e9, tokens: 1.4e12, acceleratorIds: [H100])).Levers, LeverNames.ComputeOptimalTokens).Applicable);
    }

    [Fact]
    public void Every_generation_row_names_known_accelerators_and_a_source()
    {
        Assert.NotEmpty(AcceleratorGenerations.Default.Rows);
        Assert.All(AcceleratorGenerations.Default.Rows, row =>
        {
            Assert.True(AcceleratorRegistry.Default.TryGet(row.From, out _), row.From);
            Assert.True(AcceleratorRegistry.Default.TryGet(row.To, out _), row.To);
            Assert.NotEqual(row.From, row.To);
            Assert.False(string.IsNullOrWhiteSpace(row.Source));
        });
    }
}
