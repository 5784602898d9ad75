using Pricing.Catalog;
using Pricing.Quoting.Levers;
using static Pricing.Quoting.Tests.TestData;

namespace Pricing.Quoting.Tests;

/// <summary>
/// The NVFP4 lever (docs/quote-model.md §7b): only for an accelerator with FP4 tensor cores (fp4-training.json), the FP8
/// plan on the same accelerator made faster by the cited speed-up, so it saves time, money and CO2 against the quote and
/// against FP8; elsewhere it says why it does not apply.
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
    public void On_a_B200_Capacity_Block_NVFP4_is_faster_but_the_blocks_bought_whole_cost_what_they_did()
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
        // Whole blocks are billed whatever the run takes: the speed-up is time and energy here, not money.
        Assert.Equal(fp8.Option.BillTotal, fp4.Option.BillTotal);
        Assert.Equal(fp8.Option.TotalCost, fp4.Option.TotalCost);
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

        var speedup = Fp4Training.Default.SpeedupOverFp8.Value;
        Close(fp8.Option!.WallClockHours / speedup, fp4.Option.WallClockHours, 1e-9);
        Close(fp8.Option.Co2Kg / speedup, fp4.Option.Co2Kg, 1e-9);
        Assert.Contains("arXiv:2509.25149", fp4.Change, StringComparison.Ordinal);

        // The program under NVFP4: its compute (stages, experiments) at the speed-up, what does not run on accelerators as in FP8.
        var (fp4Program, fp8Program) = (fp4.Option.Program!, fp8.Option.Program!);
        Assert.Equal(fp4Program.Total - top.Program!.Total, fp4.DeltaProgramCost);
        Assert.True(fp4Program.Total < fp8Program.Total, $"FP4 program {fp4Program.Total:N0} against FP8 {fp8Program.Total:N0}");
        Assert.Equal(fp8Program.Lines.Single(l => l.Name == "staff"), fp4Program.Lines.Single(l => l.Name == "staff"));
        Close(fp8Program.Stages.Sum(s => s.AcceleratorHours) / speedup, fp4Program.Stages.Sum(s => s.AcceleratorHours), 1e-9);
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
    public void Every_FP4_row_is_a_catalog_accelerator_with_a_source_and_a_peak_above_its_FP8()
    {
        var fp4 = Fp4Training.Default;

        Assert.NotEmpty(fp4.Accelerators);
        Assert.All(fp4.Accelerators, row =>
        {
            Assert.True(AcceleratorRegistry.Default.TryGet(row.AcceleratorId, out var accelerator), row.AcceleratorId);
            Assert.False(string.IsNullOrWhiteSpace(row.Source), row.AcceleratorId);
            Assert.True(row.PeakDenseFp4Tflops > accelerator.PeakDenseFp8Tflops, row.AcceleratorId);
        });
        Assert.False(string.IsNullOrWhiteSpace(fp4.SpeedupOverFp8.Source));
        Assert.False(string.IsNullOrWhiteSpace(fp4.Recipe.Source));
        Assert.Null(fp4.For(H100));
    }
}
