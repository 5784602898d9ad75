using static Pricing.Quoting.Tests.TestData;

namespace Pricing.Quoting.Tests;

/// <summary>
/// MFU that depends on the run (docs/quote-model.md §2): the reference row of the accelerator and precision × model
/// size (active parameters) × MoE (active/total) × scale (accelerators) × fabric (scale-out Gbps per PFLOP/s of BF16
/// peak, only across instances). Each expected factor is read off efficiency-defaults.json here, on A100 rows (the
/// vendor-based NVIDIA rows are checked against the vendor tables in VendorThroughputTests).
/// Goodput is fixed at 0.9 so the hours isolate MFU.
/// </summary>
public sealed class RunEfficiencyTests
{
    private const double N = 70e9;
    private const double D = 1.4e12;
    private const double Goodput = 0.9;

    private static QuoteOptionResult Quote(QuoteSpec spec, Offer offer) =>
        Assert.Single(Engine().Quote(spec with { Goodput = Goodput }, Prices(offer)).Options);

    /// <summary>The model-size factor: active parameters, whatever the chip's peak.</summary>
    private static double SizeFactor(double activeParameters) => PlanDataFiles.CurveAt("modelSize", activeParameters);

    /// <summary>8 × A100 80GB with 8 × 200 Gbps HDR InfiniBand (641 Gbps per PFLOP/s: fabric factor 1).</summary>
    private static Offer NdA100 => Offer(instanceType: "Standard_ND96amsr_A100_v4", acceleratorId: A100, price: 32.77m);

    [Fact]
    public void MFU_is_the_reference_row_times_the_model_size_factor_for_its_active_parameters()
    {
        var row = EfficiencyFile.For(A100);
        var size = SizeFactor(N);

        // 64 A100 on 8 ND A100 v4: within the reference scale (<= 1,024) and 200 Gbps per GPU (factor 1).
        var option = Quote(Spec(acceleratorCount: 64), NdA100);

        Assert.NotNull(option.Mfu);
        Assert.Equal(row.Mfu, option.Mfu.BaseMfu);
        Close(size, option.Mfu.ModelSizeFactor);
        Assert.Equal(1, option.Mfu.MoeFactor);
        Assert.Equal(1, option.Mfu.ScaleFactor);
        Assert.Equal(1, option.Mfu.FabricFactor);
        Close(row.Mfu * size, option.Mfu.Mfu);
        Close(PlanFormulas.Hours(6 * N * D, 312e12, row.Mfu * size, Goodput), option.AcceleratorHours);
        // 70B is past the curve's 65B point: factor 1, on an A100 as on any chip.
        Assert.Equal(1, size);
        Assert.True(SizeFactor(7e9) < 1);
    }

    [Fact]
    public void Llama_3_scale_16384_H100_runs_at_the_scale_curves_16384_point()
    {
        var row = EfficiencyFile.For(H100);
        var scale = PlanDataFiles.CurveAt("scale", 16384);

        var option = Quote(Spec(parameters: 405e9, tokens: 15.6e12, acceleratorCount: 16384), P5());

        // 405B is the vendor tables' largest dense model: factor 1 (to its 405.85e9 parameters).
        Close(1, option.Mfu!.ModelSizeFactor, 1e-3);
        Close(scale, option.Mfu.ScaleFactor);
        Close(option.Mfu.BaseMfu * option.Mfu.ModelSizeFactor * scale, option.Mfu.Mfu);
        // Llama 3 405B reports 41% MFU at 16,384 GPUs (arXiv:2407.21783 Table 4).
        Assert.InRange(option.Mfu.Mfu, 0.40, 0.42);
    }

    [Fact]
    public void A_slower_fabric_lowers_MFU_by_the_fabric_curve_at_its_Gbps_per_petaflop()
    {
        // p4de.24xlarge: 400 Gbps EFA for 8 A100s = 50 Gbps per GPU = 160 per PFLOP/s of its 312 TFLOP/s.
        var family = PlanDataFiles.Family("aws", "p4de.24xlarge");
        var p4de = Offer(provider: "aws", region: "us-east-1", instanceType: "p4de.24xlarge", acceleratorId: A100, price: 40.97m);
        var fabric = PlanDataFiles.CurveAt("fabricGbpsPerPetaflop", family.ScaleOutGbps!.Value / 8 / 0.312);
        var row = EfficiencyFile.For(A100);

        var option = Quote(Spec(acceleratorCount: 64), p4de);

        Close(fabric, option.Mfu!.FabricFactor);
        Close(row.Mfu * SizeFactor(N) * fabric, option.Mfu.Mfu);
        Assert.True(fabric < 1);
    }

    [Fact]
    public void One_instance_has_no_fabric_factor()
    {
        var p4de = Offer(provider: "aws", region: "us-east-1", instanceType: "p4de.24xlarge", acceleratorId: A100, price: 40.97m);

        var option = Quote(Spec(parameters: 7e9, tokens: 1.4e11, acceleratorCount: 8), p4de);

        Assert.Equal(1, option.Instances);
        Assert.Equal(1, option.Mfu!.FabricFactor);
    }

    [Fact]
    public void A_mixture_of_experts_lowers_MFU_by_the_moe_curve_at_active_over_total()
    {
        // DeepSeek-V3-like: 671B total, 37B active, against a dense 37B model on the same 256 A100s (no vendor MoE runs).
        var moe = Quote(Spec(parameters: 671e9, activeParameters: 37e9, tokens: 1e12, acceleratorCount: 256), NdA100);
        var dense = Quote(Spec(parameters: 37e9, tokens: 1e12, acceleratorCount: 256), NdA100);

        var factor = PlanDataFiles.CurveAt("moe", 37e9 / 671e9);
        Close(factor, moe.Mfu!.MoeFactor);
        Assert.Equal(1, dense.Mfu!.MoeFactor);
        Close(dense.Mfu.Mfu * factor, moe.Mfu.Mfu);
        // Same FLOPs (6 × active × tokens), so the hours grow by 1 / factor.
        Close(dense.AcceleratorHours / factor, moe.AcceleratorHours, 1e-12);
        Assert.InRange(factor, 0.63, 0.67);
    }

    [Fact]
    public void FP8_hours_use_the_FP8_row_against_the_FP8_peak_not_the_BF16_MFU_twice_as_fast()
    {
        var fp8 = Quote(Spec(precision: Precision.Fp8, acceleratorCount: 64), P5());
        var bf16 = Quote(Spec(acceleratorCount: 64), P5());

        // H100's dense BF16 comes from the vendor's FP8 runs over the cited FP8 speed-up: FP8 is that much faster, not 2x.
        Assert.True(fp8.Mfu!.BaseMfu < bf16.Mfu!.BaseMfu);
        Close(PlanFormulas.Hours(6 * N * D, H100DenseFp8, fp8.Mfu.Mfu, Goodput), fp8.AcceleratorHours);
        var speedUp = bf16.AcceleratorHours / fp8.AcceleratorHours;
        Close(DataFiles.Default("fp8SpeedupOverBf16"), speedUp, 1e-9);
    }

    [Fact]
    public void An_accelerator_with_an_FP8_peak_but_only_a_BF16_row_gets_the_cited_FP8_speed_up()
    {
        // MI300X has an FP8 peak and only a BF16 row.
        const string mi300x = "amd-mi300x";
        Assert.DoesNotContain(EfficiencyFile.Rows, r => r.AcceleratorId == mi300x && r.Precision == "fp8");
        var offer = Offer(instanceType: "Standard_ND96isr_MI300X_v5", acceleratorId: mi300x, price: 48.0m);
        var speedUp = DataFiles.Default("fp8SpeedupOverBf16");

        var fp8Result = Engine().Quote(Spec(precision: Precision.Fp8, acceleratorCount: 64) with { Goodput = Goodput }, Prices(offer));
        var fp8 = Assert.Single(fp8Result.Options);
        var bf16 = Quote(Spec(acceleratorCount: 64), offer);

        Close(bf16.AcceleratorHours / speedUp, fp8.AcceleratorHours, 1e-12);
        var row = EfficiencyFile.For(mi300x);
        Close(PlanFormulas.Hours(6 * N * D, 1307.4e12 * speedUp, row.Mfu * SizeFactor(N), Goodput), fp8.AcceleratorHours);
        Assert.Contains("no measured FP8 run", Assert.Single(fp8Result.Assumptions).MfuSource, StringComparison.Ordinal);
    }

    [Fact]
    public void An_accelerator_without_a_row_uses_the_fallback_row_with_the_same_factors()
    {
        // A registry part the efficiency file has no row for.
        var registry = new AcceleratorRegistry([new Accelerator("test-gpu", "Test", "Test GPU", 80, 1000, null, 700, "test")]);
        var engine = new QuoteEngine(registry);
        var offer = Offer(provider: "aws", region: "us-east-1", instanceType: "p5.48xlarge", acceleratorId: "test-gpu", price: 8m);

        var option = Assert.Single(engine.Quote(Spec(acceleratorCount: 64) with { Goodput = Goodput }, Prices(offer)).Options);

        Assert.Equal(EfficiencyFile.Fallback.Mfu, option.Mfu!.BaseMfu);
        Close(EfficiencyFile.Fallback.Mfu * SizeFactor(N), option.Mfu.Mfu);
    }

    [Fact]
    public void The_cost_range_is_the_MFU_times_the_files_low_and_high_bounds()
    {
        var option = Quote(Spec(acceleratorCount: 64), P5());

        Close(option.Mfu!.Mfu * PlanDataFiles.RangeLow, option.Mfu.Low);
        Close(option.Mfu.Mfu * PlanDataFiles.RangeHigh, option.Mfu.High);
        var rate = 55.04m / 8;
        PlanFormulas.WithinACent((decimal)(option.AcceleratorHours / PlanDataFiles.RangeHigh) * rate, option.TotalCostLow);
        PlanFormulas.WithinACent((decimal)(option.AcceleratorHours / PlanDataFiles.RangeLow) * rate, option.TotalCostHigh);
    }
}
