using Pricing.Catalog;
using Pricing.Quoting.Levers;
using static Pricing.Quoting.Tests.TestData;

namespace Pricing.Quoting.Tests;

/// <summary>
/// The NVFP4 lever (docs/quote-model.md §7b): only for an accelerator with an FP4 peak (FP4 tensor cores), the same spec
/// quoted in FP4 on that accelerator, so its plan (cluster, blocks, commitment, bill lines, program) is an FP4 plan of its
/// own and its deltas are against the quote; elsewhere it says why it does not apply.
/// </summary>
public sealed class Fp4LeverTests
{
    private static readonly LeverSet Levers = new(Engine(), AcceleratorGenerations.Default, ModelDefaults.Default);

    private static Offer B200() => Offer(provider: "aws", region: "us-east-1", instanceType: "p6-b200.48xlarge", acceleratorId: "nvidia-b200", price: 113.93m);

    private static PriceViewSnapshot Market() => Prices(P5(), B200());

    private static (QuoteOptionResult Top, IReadOnlyList<Lever> Levers) For(QuoteSpec spec)
    {
        var top = Engine().Quote(spec, Market()).Options[0];
        return (top, Levers.For(spec, top, Market()));
    }

    private static Lever Named(IReadOnlyList<Lever> levers, string name) => Assert.Single(levers, l => l.Name == name);

    [Fact]
    public void The_levers_plan_is_the_top_option_of_a_direct_FP4_quote()
    {
        var spec = Spec(acceleratorIds: ["nvidia-b200"], pricingModels: [PricingModels.OnDemand], precision: Precision.Fp8);
        var (_, levers) = For(spec);

        var fp4 = Named(levers, LeverNames.Fp4);
        Assert.True(fp4.Applicable, fp4.Reason);
        var direct = Engine().Quote(spec with { Precision = Precision.Fp4, MaxOptions = 1 }, Market()).Options[0];
        // The deadline sizes the FP4 cluster on its own: the plan is FP4's, not FP8's sped up.
        Assert.Equal(Plan(direct), Plan(fp4.Option!));
        Assert.Equal(direct.Bill, fp4.Option!.Bill);
        Assert.Equal(direct.Program!.Stages, fp4.Option.Program!.Stages);
        Assert.Equal(direct.Program.Lines, fp4.Option.Program.Lines);
    }

    /// <summary>What an option's plan is: where, how big, how long, what it bills and emits.</summary>
    private static object Plan(QuoteOptionResult o) =>
        (o.Offer.OfferKey, o.Instances, o.AcceleratorHours, o.WallClockHours, o.Mfu!.Mfu, o.TotalCost, o.BillTotal, o.Co2Kg, o.Program!.Total);

    [Fact]
    public void On_a_B200_Capacity_Block_NVFP4_is_faster_and_books_blocks_for_its_own_run()
    {
        var block = Offer(provider: "aws", region: "us-east-1", instanceType: "p6-b200.48xlarge", acceleratorId: "nvidia-b200",
            pricingModel: PricingModels.CapacityBlock, price: 60m);
        var market = Prices(block);
        var spec = Spec(parameters: 8e9, tokens: 4e11, acceleratorIds: ["nvidia-b200"], acceleratorCount: 64, pricingModels: [PricingModels.CapacityBlock]);
        var top = Engine().Quote(spec, market).Options[0];
        Assert.NotNull(top.Block);
        var levers = Levers.For(spec, top, market);

        var (fp4, fp8) = (Named(levers, LeverNames.Fp4), Named(levers, LeverNames.Fp8));
        Assert.True(fp4.Applicable, fp4.Reason);
        Assert.True(fp4.Option!.WallClockHours < fp8.Option!.WallClockHours);
        // Its blocks are booked for the FP4 run's own length, billed whole: never more than FP8's.
        Assert.NotNull(fp4.Option.Block);
        var direct = Engine().Quote(spec with { Precision = Precision.Fp4, MaxOptions = 1 }, market).Options[0].Block!;
        Assert.Equal((direct.BlocksPurchased, direct.BilledHoursPerInstance), (fp4.Option.Block.BlocksPurchased, fp4.Option.Block.BilledHoursPerInstance));
        Assert.True(fp4.Option.BillTotal <= fp8.Option.BillTotal, $"FP4 {fp4.Option.BillTotal:N0} against FP8 {fp8.Option.BillTotal:N0}");
    }

    [Fact]
    public void On_B200_NVFP4_is_faster_cheaper_and_cleaner_than_the_quote_and_than_FP8()
    {
        var (top, levers) = For(Spec(acceleratorIds: ["nvidia-b200"], acceleratorCount: 1024, pricingModels: [PricingModels.OnDemand]));

        var fp4 = Named(levers, LeverNames.Fp4);
        var fp8 = Named(levers, LeverNames.Fp8);
        Assert.True(fp4.Applicable, fp4.Reason);
        Assert.Equal("nvidia-b200", fp4.Option!.Offer.AcceleratorId);
        Assert.True(fp4.DeltaCost < 0 && fp4.DeltaHours < 0 && fp4.DeltaCo2Kg < 0, $"{fp4.DeltaCost:N0} {fp4.DeltaHours:N1} h {fp4.DeltaCo2Kg:N0} kg");
        Assert.True(fp4.DeltaCost < fp8.DeltaCost, $"FP4 {fp4.DeltaCost:N0} against FP8 {fp8.DeltaCost:N0}");
        Assert.Equal(fp4.Option.BillTotal - top.BillTotal, fp4.DeltaCost);
        Assert.Equal(fp4.Option.WallClockHours - top.WallClockHours, fp4.DeltaHours);
        Assert.Equal(fp4.Option.Co2Kg - top.Co2Kg, fp4.DeltaCo2Kg);

        // Same 1,024 B200, no NVFP4 run measured on B200: FP4 is the FP8 run at the cited speed-up.
        var speedup = fp8.Option!.AcceleratorHours / fp4.Option.AcceleratorHours;
        Close(DataFiles.Fp4SpeedupOverFp8(), speedup, 1e-9);
        Assert.Contains("arXiv:2509.25149", fp4.Change, StringComparison.Ordinal);

        // The program in FP4: its stages and experiments priced on the FP4 run; it costs less than FP8's.
        var (fp4Program, fp8Program) = (fp4.Option.Program!, fp8.Option.Program!);
        Assert.Equal(fp4Program.Total - top.Program!.Total, fp4.DeltaProgramCost);
        Assert.True(fp4Program.Total < fp8Program.Total, $"FP4 program {fp4Program.Total:N0} against FP8 {fp8Program.Total:N0}");
        Assert.Equal(fp4Program.Stages.Sum(s => s.Cost) + fp4Program.Lines.Where(l => !l.Optional).Sum(l => l.Amount), fp4Program.Total);
    }

    [Fact]
    public void On_H100_NVFP4_does_not_apply_and_says_it_needs_Blackwell()
    {
        var (_, levers) = For(Spec(acceleratorIds: [H100], acceleratorCount: 1024, pricingModels: [PricingModels.OnDemand]));

        var fp4 = Named(levers, LeverNames.Fp4);
        Assert.False(fp4.Applicable);
        Assert.Contains("Blackwell", fp4.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_quote_already_in_FP4_has_neither_the_FP4_nor_the_FP8_lever()
    {
        var (_, levers) = For(Spec(acceleratorIds: ["nvidia-b200"], acceleratorCount: 64, precision: Precision.Fp4, pricingModels: [PricingModels.OnDemand]));

        Assert.Contains("already in FP4", Named(levers, LeverNames.Fp4).Reason, StringComparison.Ordinal);
        Assert.Contains("already in FP4", Named(levers, LeverNames.Fp8).Reason, StringComparison.Ordinal);
    }
}
