using Pricing.Catalog;
using static Pricing.Quoting.Tests.TestData;

namespace Pricing.Quoting.Tests;

/// <summary>
/// FP4 (NVFP4) as an engine precision (docs/quote-model.md §2): quoted against each Blackwell chip's dense FP4 peak
/// with an MFU read from NVIDIA's NVFP4 runs (or the FP8 run at the cited speed-up where NVFP4 was not measured), so an
/// FP4 quote is faster than the FP8 one by the measured NVFP4-over-FP8 speed-up, not by the 2x of the peaks; a chip
/// without an FP4 peak is skipped.
/// </summary>
public sealed class Fp4PrecisionTests
{
    /// <summary>One offer per Blackwell system: 8 B200 or B300 per AWS node, 4 GB200 or GB300 per tray.</summary>
    private static readonly Dictionary<string, Offer> Blackwell = new(StringComparer.Ordinal)
    {
        ["nvidia-b200"] = Offer(provider: "aws", region: "us-east-1", instanceType: "p6-b200.48xlarge", acceleratorId: "nvidia-b200", price: 113.93m),
        ["nvidia-b300"] = Offer(provider: "aws", region: "us-east-1", instanceType: "p6-b300.48xlarge", acceleratorId: "nvidia-b300", price: 142.42m),
        ["nvidia-gb200"] = Offer(provider: "aws", region: "us-east-1", instanceType: "p6e-gb200.36xlarge", acceleratorId: "nvidia-gb200", acceleratorsPerInstance: 4m, price: 60m),
        ["nvidia-gb300"] = Offer(instanceType: "Standard_ND128isr_GB300_v6", acceleratorId: "nvidia-gb300", acceleratorsPerInstance: 4m, price: 80m),
    };

    private static QuoteOptionResult Top(string acceleratorId, Precision precision, double parameters, int accelerators) =>
        Engine().Quote(Spec(parameters: parameters, tokens: 20 * parameters, precision: precision, acceleratorCount: accelerators), Prices(Blackwell[acceleratorId])).Options[0];

    /// <summary>Training throughput of the top option, FLOP/s per accelerator: peak × MFU (the hours are FLOPs over it and goodput).</summary>
    private static double Throughput(QuoteResult result) => result.Assumptions[0].PeakFlops * result.Options[0].Mfu!.Mfu;

    private static QuoteResult Quote(string acceleratorId, Precision precision, double parameters, int accelerators) =>
        Engine().Quote(Spec(parameters: parameters, tokens: 20 * parameters, precision: precision, acceleratorCount: accelerators), Prices(Blackwell[acceleratorId]));

    [Fact]
    public void Every_chip_with_an_FP4_peak_has_it_above_its_FP8_peak_and_a_source_that_says_so()
    {
        var fp4 = AcceleratorRegistry.Default.All.Where(a => a.PeakDenseFp4Tflops is not null).ToList();

        Assert.Equal(Blackwell.Keys.Order(StringComparer.Ordinal), fp4.Select(a => a.Id).Order(StringComparer.Ordinal));
        Assert.All(fp4, a =>
        {
            Assert.True(a.PeakDenseFp4Tflops > a.PeakDenseFp8Tflops, a.Id);
            Assert.Contains("FP4", a.Source, StringComparison.Ordinal);
        });
        Assert.True(AcceleratorRegistry.Default.TryGet(H100, out var h100));
        Assert.Null(h100.PeakFlops(Precision.Fp4));
    }

    [Fact]
    public void On_GB200_and_GB300_a_405B_run_in_FP4_is_as_much_faster_as_NVIDIAs_measured_NVFP4_runs()
    {
        foreach (var system in new[] { "nvidia-gb200", "nvidia-gb300" })
        {
            // The same model, system and GPU count in NVFP4 and FP8 (vendor-throughput.json, Megatron-Bridge 26.02.01).
            var runs = VendorThroughput.Default.Runs.Where(r => r.AcceleratorId == system && r.Model == "Llama3.1 405B").ToList();
            var measured = runs.Single(r => r.Precision == "nvfp4").TokensPerSecondPerAccelerator / runs.Single(r => r.Precision == "fp8").TokensPerSecondPerAccelerator;

            var ratio = Throughput(Quote(system, Precision.Fp4, 405.85e9, 256)) / Throughput(Quote(system, Precision.Fp8, 405.85e9, 256));

            Close(measured, ratio, 1e-9);
            Assert.InRange(ratio, DataFiles.Fp4SpeedupOverFp8("low"), DataFiles.Fp4SpeedupOverFp8("high"));
        }
    }

    [Theory]
    [InlineData("nvidia-b200", 8e9, 64)]
    [InlineData("nvidia-b200", 405e9, 1024)]
    [InlineData("nvidia-b300", 70e9, 256)]
    [InlineData("nvidia-gb200", 70.55e9, 64)]
    [InlineData("nvidia-gb200", 20e9, 128)]
    [InlineData("nvidia-gb300", 8e9, 64)]
    [InlineData("nvidia-gb300", 200e9, 512)]
    public void An_FP4_quote_is_faster_than_FP8_by_the_cited_speedup_within_its_range(string acceleratorId, double parameters, int accelerators)
    {
        var (fp4, fp8) = (Top(acceleratorId, Precision.Fp4, parameters, accelerators), Top(acceleratorId, Precision.Fp8, parameters, accelerators));

        // Same cluster, so the same goodput: the accelerator-hours differ by the throughput alone.
        Assert.Equal(fp8.Instances, fp4.Instances);
        var speedup = fp8.AcceleratorHours / fp4.AcceleratorHours;
        // The low end is 70B on GB200 (4,557 against 4,357 tokens/s/GPU = 1.046, rounded to 1.05 in the file).
        Assert.InRange(speedup, DataFiles.Fp4SpeedupOverFp8("low") - 0.005, DataFiles.Fp4SpeedupOverFp8("high"));
        Assert.True(fp4.WallClockHours < fp8.WallClockHours);
        // Far below the 2x of the peaks: FP4 MFU (against the FP4 peak) is lower than FP8's against its own.
        Assert.True(fp4.Mfu!.Mfu < fp8.Mfu!.Mfu, $"{acceleratorId}: FP4 MFU {fp4.Mfu.Mfu:F3}, FP8 {fp8.Mfu.Mfu:F3}");
    }

    [Fact]
    public void Where_NVIDIA_measured_no_NVFP4_run_FP4_is_the_FP8_run_at_the_cited_speedup()
    {
        // No NVFP4 run is listed for B200 at all.
        Assert.DoesNotContain(VendorThroughput.Default.Runs, r => r.AcceleratorId == "nvidia-b200" && r.Precision == "nvfp4");

        var ratio = Throughput(Quote("nvidia-b200", Precision.Fp4, 405e9, 1024)) / Throughput(Quote("nvidia-b200", Precision.Fp8, 405e9, 1024));

        Close(DataFiles.Fp4SpeedupOverFp8(), ratio, 1e-9);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_chip_with_an_FP4_peak_but_no_FP4_row_gets_the_cited_speedup_over_its_nearest_measured_precision(bool fp8Row)
    {
        var chip = new Accelerator("test-blackwell", "Test", "Test GPU", 192, 1000, 2000, 1000, "test") { PeakDenseFp4Tflops = 4000 };
        MfuRow[] rows = fp8Row
            ? [new("test-blackwell", "bf16", 0.4, "judgement", "bf16 row"), new("test-blackwell", "fp8", 0.3, "judgement", "fp8 row")]
            : [new("test-blackwell", "bf16", 0.4, "judgement", "bf16 row")];
        var engine = new QuoteEngine(new AcceleratorRegistry([chip]), FlatEfficiency(new MfuRow("*", "bf16", 0.35, "judgement", "fallback"), rows));
        var offer = Offer(provider: "aws", region: "us-east-1", instanceType: "p5.48xlarge", acceleratorId: "test-blackwell", price: 80m);
        QuoteResult In(Precision p) => engine.Quote(Spec(parameters: 8e9, tokens: 1.6e11, precision: p, acceleratorCount: 64), Prices(offer));

        var (fp4, fp8) = (In(Precision.Fp4), In(Precision.Fp8));

        // FP8's own row, or BF16's at the FP8 speed-up; FP4 that at the NVFP4 speed-up, never the 2x of the peaks.
        Close(DataFiles.Fp4SpeedupOverFp8(), fp8.Options[0].AcceleratorHours / fp4.Options[0].AcceleratorHours, 1e-9);
        Assert.Contains(fp8Row ? "no measured FP4 run: FP8 MFU" : "no measured FP4 or FP8 run: BF16 MFU", fp4.Assumptions[0].MfuSource, StringComparison.Ordinal);
    }

    [Fact]
    public void FP4_skips_accelerators_without_FP4_tensor_cores_with_a_warning()
    {
        var result = Engine().Quote(Spec(parameters: 8e9, tokens: 1.6e11, precision: Precision.Fp4), Prices(P5(), Blackwell["nvidia-b200"]));

        Assert.NotEmpty(result.Options);
        Assert.All(result.Options, o => Assert.Equal("nvidia-b200", o.Offer.AcceleratorId));
        Assert.Contains(result.Warnings, w => w.Contains(H100, StringComparison.Ordinal) && w.Contains("FP4", StringComparison.Ordinal));
    }

    [Fact]
    public void FP4_on_a_named_accelerator_without_an_FP4_peak_is_a_violation_naming_precision()
    {
        var violations = QuoteRequestRules.Check(Spec(precision: Precision.Fp4, acceleratorIds: [H100, "nvidia-b200"]), AcceleratorRegistry.Default);

        var violation = Assert.Single(violations);
        Assert.Equal("precision", violation.Field);
        Assert.Contains(H100, violation.Description, StringComparison.Ordinal);
        Assert.DoesNotContain("nvidia-b200", violation.Description, StringComparison.Ordinal);
        Assert.Empty(QuoteRequestRules.Check(Spec(precision: Precision.Fp4, acceleratorIds: ["nvidia-gb200"]), AcceleratorRegistry.Default));
        Assert.Empty(QuoteRequestRules.Check(Spec(precision: Precision.Fp4), AcceleratorRegistry.Default));
    }

    [Fact]
    public void The_cache_key_tells_FP4_from_FP8()
    {
        var spec = Spec(acceleratorIds: ["nvidia-b200"]);

        Assert.NotEqual((spec with { Precision = Precision.Fp8 }).Normalized(), (spec with { Precision = Precision.Fp4 }).Normalized());
    }
}
