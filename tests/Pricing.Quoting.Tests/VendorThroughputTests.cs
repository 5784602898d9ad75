using System.Globalization;
using System.Text;
using Pricing.Catalog;
using static Pricing.Quoting.Tests.TestData;

namespace Pricing.Quoting.Tests;

/// <summary>
/// Efficiency re-based on vendor-measured throughput (docs/quote-model.md §2, "the engine against the vendor tables"):
/// each vendor run the engine can quote is reproduced, times the production factor, within a stated tolerance; model
/// size is measured without the chip's peak; and the smaller fixes (FP8 speed-up capped by the peaks, scale relative to
/// where a row was measured, the attention term only on rows that counted it, Chinchilla tokens on active parameters).
/// </summary>
public sealed class VendorThroughputTests(ITestOutputHelper output)
{
    /// <summary>
    /// The engine interpolates the vendor runs by active parameters, so it misses a run only where a better run of the same
    /// model and precision class wins (FP8 against MXFP8) or where MoE runs of one active size disagree: ±15%.
    /// </summary>
    private const double Tolerance = 0.15;

    private static readonly AcceleratorRegistry Registry = AcceleratorRegistry.Default;

    /// <summary>Tokens/s per accelerator the engine expects for a vendor run on the vendor's own system (one instance's fabric, ≤ 1,024 accelerators).</summary>
    private static double EngineTokensPerSecond(VendorRun run)
    {
        var efficiency = EfficiencyModel.Default;
        var precision = run.EnginePrecision!.Value;
        Assert.True(Registry.TryGet(run.AcceleratorId, out var accelerator), run.AcceleratorId);
        var peak = accelerator.PeakFlops(precision)!.Value;
        var row = efficiency.RowFor(run.AcceleratorId, precision) ?? throw new InvalidOperationException($"{run.AcceleratorId} {precision}: no row.");
        var (resolved, curve) = efficiency.Resolve(row, peak, DataFiles.Speedups);
        Assert.NotNull(curve);
        var estimate = efficiency.Estimate(resolved, curve, run.ActiveParameters, run.TotalParameters, accelerator.PeakFlops(Precision.Bf16)!.Value, run.Accelerators, 1, null);
        return estimate.Mfu * peak / (6 * run.ActiveParameters);
    }

    [Fact]
    public void Every_quotable_vendor_run_is_reproduced_times_the_production_factor()
    {
        var efficiency = EfficiencyModel.Default;
        var quotable = VendorThroughput.Default.Runs.Where(r => r.EnginePrecision is not null).ToList();
        Assert.True(quotable.Count >= 30, $"{quotable.Count} quotable vendor runs.");

        var table = new StringBuilder("| Model | System | GPUs | Precision | Vendor tok/s/GPU | Production factor | Expected | Engine tok/s/GPU | Engine / expected |\n|---|---|---|---|---|---|---|---|---|\n");
        var misses = new List<string>();
        foreach (var run in quotable)
        {
            var factor = efficiency.ProductionFactor(run.Moe, run.ActiveParameters);
            Assert.InRange(factor, 0.5, 1.25);
            var expected = run.TokensPerSecondPerAccelerator * factor;
            var engine = EngineTokensPerSecond(run);
            var ratio = engine / expected;
            table.Append(CultureInfo.InvariantCulture, $"| {run.Model} | {run.AcceleratorId} | {run.Accelerators:N0} | {run.Precision} | {run.TokensPerSecondPerAccelerator:N0} | {factor:F3} | {expected:N0} | {engine:N0} | {ratio:F3} |\n");
            if (Math.Abs(ratio - 1) > Tolerance)
            {
                misses.Add($"{run.Model} {run.AcceleratorId} {run.Precision}: {ratio:F3}");
            }
        }

        output.WriteLine(table.ToString());
        if (Environment.GetEnvironmentVariable("PRICING_VENDOR_TABLE") is { Length: > 0 } path)
        {
            File.WriteAllText(path, table.ToString());
        }

        Assert.Empty(misses);
    }

    [Fact]
    public void Every_vendor_run_names_its_source_and_a_known_system()
    {
        Assert.All(VendorThroughput.Default.Runs, run =>
        {
            Assert.Contains("Megatron-Bridge", run.Source, StringComparison.Ordinal);
            Assert.True(Registry.TryGet(run.AcceleratorId, out _), run.AcceleratorId);
            Assert.InRange(run.ModelTflopsPerAccelerator, 1, 10_000);
        });
        Assert.Contains(VendorThroughput.Default.Runs, r => r.Precision == "nvfp4" && r.EnginePrecision == Precision.Fp4);
    }

    [Fact]
    public void A_405B_FP8_run_is_cheaper_on_B200_than_on_H100_at_list_prices()
    {
        var b200 = Offer(provider: "aws", region: "us-east-1", instanceType: "p6-b200.48xlarge", acceleratorId: "nvidia-b200", price: 113.9328m);
        var spec = Spec(parameters: 405e9, tokens: 15.6e12, precision: Precision.Fp8, acceleratorCount: 1024);

        var result = Engine().Quote(spec, Prices(P5(), b200));

        Assert.Equal(2, result.Options.Count);
        Assert.Equal("nvidia-b200", result.Options[0].Offer.AcceleratorId);
        // Model size no longer reads the chip's peak: the largest dense model is the reference on both.
        Assert.All(result.Options, o => Assert.InRange(o.Mfu!.ModelSizeFactor, 0.99, 1.01));
    }

    [Fact]
    public void FP8_is_no_faster_than_BF16_where_the_FP8_peak_equals_BF16()
    {
        var trn1 = Offer(provider: "aws", region: "us-east-1", instanceType: "trn1.32xlarge", acceleratorId: "aws-trainium1", acceleratorsPerInstance: 16m, price: 21.50m);
        double Hours(Precision p) => Assert.Single(Engine().Quote(Spec(parameters: 7e9, tokens: 1e12, precision: p, acceleratorCount: 64), Prices(trn1)).Options).AcceleratorHours;

        Close(Hours(Precision.Bf16), Hours(Precision.Fp8), 1e-9);
    }

    [Fact]
    public void A_row_measured_at_scale_gets_no_scale_penalty_at_that_scale()
    {
        var efficiency = EfficiencyModel.Default;
        var v4 = efficiency.RowFor("google-tpu-v4", Precision.Bf16)!;
        Assert.Equal(6144, v4.AtAccelerators);
        var at = efficiency.Estimate(v4, null, 540e9, 540e9, 275e12, 6144, 1, null);
        Close(1, at.ScaleFactor, 1e-9);
        Assert.True(efficiency.Estimate(v4, null, 540e9, 540e9, 275e12, 1024, 1, null).ScaleFactor > 1);
    }

    [Fact]
    public void The_attention_term_is_added_only_where_the_MFU_row_counted_it()
    {
        var shaped = Spec(parameters: 70e9, tokens: 1.4e12, acceleratorCount: 512) with { Layers = 80, DModel = 8192, SequenceLength = 4096 };
        var plain = Spec(parameters: 70e9, tokens: 1.4e12, acceleratorCount: 512);
        Assert.Equal(MfuRow.SixN, EfficiencyModel.Default.RowFor("nvidia-h100-80gb", Precision.Bf16)!.Flops);
        Close(Assert.Single(Engine().Quote(plain, Prices(P5())).Options).AcceleratorHours, Assert.Single(Engine().Quote(shaped, Prices(P5())).Options).AcceleratorHours, 1e-9);

        var v4Row = EfficiencyModel.Default.RowFor("google-tpu-v4", Precision.Bf16)!;
        Assert.True(v4Row.CountsAttention);
        var tpu = Offer(provider: "gcp", region: "us-central2", instanceType: "tpu-v4", acceleratorId: "google-tpu-v4", acceleratorsPerInstance: 4m, price: 12.88m);
        var compute = Engine().Quote(shaped, Prices(tpu)).Compute;
        var withShape = Assert.Single(Engine().Quote(shaped, Prices(tpu)).Options).AcceleratorHours;
        var without = Assert.Single(Engine().Quote(plain, Prices(tpu)).Options).AcceleratorHours;
        Close(compute.TotalFlops / compute.DenseFlops, withShape / without, 1e-6);
    }

    [Fact]
    public void An_attention_width_replaces_d_model_in_the_attention_term()
    {
        // DeepSeek-V3: 61 layers, d_model 7,168, 128 heads × 192 (Q·K) = 24,576.
        var spec = Spec(parameters: 671e9, activeParameters: 37e9, tokens: 1e12) with { Layers = 61, DModel = 7168, SequenceLength = 4096 };

        var narrow = Engine().Quote(spec, Prices(P5())).Compute;
        var wide = Engine().Quote(spec with { AttentionWidth = 24576 }, Prices(P5())).Compute;

        Close(12.0 * 61 * 7168 * 4096 * 1e12, narrow.AttentionFlops);
        Close(12.0 * 61 * 24576 * 4096 * 1e12, wide.AttentionFlops);
        Assert.Equal(narrow.DenseFlops, wide.DenseFlops);
        Assert.NotEqual(spec.Normalized(), (spec with { AttentionWidth = 24576 }).Normalized());
    }

    [Fact]
    public void Chinchilla_tokens_of_a_mixture_of_experts_follow_its_active_parameters()
    {
        var spec = Spec(parameters: 671e9, activeParameters: 37e9, tokens: 0) with { Chinchilla = true };
        var compute = Engine().Quote(spec, Prices(P5())).Compute;
        Close(DataFiles.Default("chinchillaTokensPerParameter") * 37e9, compute.Tokens);
    }
}
