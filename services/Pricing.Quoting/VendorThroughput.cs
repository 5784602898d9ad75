using System.Text.Json;
using Pricing.Catalog;

namespace Pricing.Quoting;

/// <summary>One vendor-measured pre-training run (<c>Data/vendor-throughput.json</c>), with its source.</summary>
public sealed record VendorRun(
    string Release,
    string Model,
    double TotalParameters,
    double ActiveParameters,
    string AcceleratorId,
    int Accelerators,
    string Precision,
    int GlobalBatch,
    int SequenceLength,
    double TokensPerSecondPerAccelerator,
    double ModelTflopsPerAccelerator,
    string Source)
{
    public bool Moe => ActiveParameters < TotalParameters;

    /// <summary>The precision the engine quotes it in: bf16, fp8 for FP8 and MXFP8, fp4 for NVFP4.</summary>
    public Precision? EnginePrecision => Precision switch
    {
        "bf16" => Catalog.Precision.Bf16,
        "fp8" or "mxfp8" => Catalog.Precision.Fp8,
        "nvfp4" => Catalog.Precision.Fp4,
        _ => null,
    };

    /// <summary>MFU on the 6N convention: tokens/s × 6 × active parameters over the dense peak of the precision.</summary>
    public double Mfu(double peakFlops) => TokensPerSecondPerAccelerator * 6 * ActiveParameters / peakFlops;
}

/// <summary>
/// Vendor MFU (6N convention) of one accelerator in one precision by active parameters: dense models and mixtures of
/// experts apart, linear in log10(active parameters) between the measured models, flat beyond them.
/// </summary>
public sealed record VendorCurve(IReadOnlyList<(double Active, double Mfu)> Dense, IReadOnlyList<(double Active, double Mfu)> Moe, string Systems)
{
    /// <summary>The largest dense model measured: the reference the production factor is read against.</summary>
    public double Reference => Dense[^1].Mfu;

    public double ReferenceActive => Dense[^1].Active;

    public double DenseAt(double active) => At(Dense, active);

    public double MoeAt(double active) => At(Moe, active);

    private static double At(IReadOnlyList<(double Active, double Mfu)> points, double x)
    {
        if (x <= points[0].Active)
        {
            return points[0].Mfu;
        }

        for (var i = 1; i < points.Count; i++)
        {
            if (x <= points[i].Active)
            {
                var (a, b) = (points[i - 1], points[i]);
                var t = (Math.Log10(x) - Math.Log10(a.Active)) / (Math.Log10(b.Active) - Math.Log10(a.Active));
                return a.Mfu + t * (b.Mfu - a.Mfu);
            }
        }

        return points[^1].Mfu;
    }
}

/// <summary>
/// How much faster one chip trains in FP8 than in BF16 and in FP4 than in FP8: each the cited end-to-end speed-up
/// (quote-defaults.json fp8SpeedupOverBf16, fp4-training.json speedupOverFp8), never more than the chip's peak ratio.
/// </summary>
public sealed record PrecisionSpeedups(double Fp8OverBf16, double Fp4OverFp8)
{
    /// <summary>A run's speed in <paramref name="precision"/> over its speed in BF16.</summary>
    public double OverBf16(Precision precision) => precision switch
    {
        Precision.Bf16 => 1,
        Precision.Fp8 => Fp8OverBf16,
        Precision.Fp4 => Fp8OverBf16 * Fp4OverFp8,
        _ => throw new ArgumentOutOfRangeException(nameof(precision), precision, "Not a training precision."),
    };

    /// <summary>The factor that turns a run's MFU in <paramref name="from"/> into one in <paramref name="to"/>, both against the same peak.</summary>
    public double Converting(Precision from, Precision to) => OverBf16(to) / OverBf16(from);
}

/// <summary>The vendor throughput tables the efficiency model is re-based on (docs/quote-model.md §2).</summary>
public sealed class VendorThroughput(IReadOnlyList<VendorRun> runs)
{
    public IReadOnlyList<VendorRun> Runs { get; } = Validated(runs);

    /// <summary>
    /// The curve of an accelerator in <paramref name="precision"/> from the runs of <paramref name="systems"/> (per model,
    /// the first system listed that measured it; its best run in this precision, else its best run in another precision
    /// converted by <paramref name="speedups"/>). An NVFP4 run counts for FP4 only: it measures what FP4 gains, and every
    /// model measured in NVFP4 was measured in FP8 too. Null when no dense model was measured.
    /// </summary>
    public VendorCurve? CurveFor(IReadOnlyList<string> systems, Precision precision, double peakFlops, PrecisionSpeedups speedups)
    {
        var taken = new HashSet<string>(StringComparer.Ordinal);
        var dense = new List<(double, double)>();
        var moe = new List<(double, double)>();
        foreach (var system in systems)
        {
            foreach (var model in Runs.Where(r => r.AcceleratorId == system && r.EnginePrecision is not null).GroupBy(r => r.Model))
            {
                var same = model.Where(r => r.EnginePrecision == precision).ToList();
                var runs = same.Count > 0 ? same : [.. model.Where(r => r.EnginePrecision != Precision.Fp4)];
                if (runs.Count == 0 || !taken.Add(model.Key))
                {
                    continue;
                }

                var (run, mfu) = runs.Select(r => (r, r.Mfu(peakFlops) * speedups.Converting(r.EnginePrecision!.Value, precision))).MaxBy(p => p.Item2);
                (run.Moe ? moe : dense).Add((run.ActiveParameters, mfu));
            }
        }

        return dense.Count == 0 ? null : new VendorCurve(Sorted(dense), Sorted(moe), string.Join(", ", systems));
    }

    /// <summary>Models measured at the same active size (none today) count as their mean.</summary>
    private static List<(double, double)> Sorted(List<(double Active, double Mfu)> points) =>
        [.. points.GroupBy(p => p.Active).Select(g => (g.Key, g.Average(p => p.Mfu))).OrderBy(p => p.Key)];

    private static IReadOnlyList<VendorRun> Validated(IReadOnlyList<VendorRun> runs)
    {
        foreach (var r in runs)
        {
            if (string.IsNullOrWhiteSpace(r.Source) || !(r.ActiveParameters > 0 && r.ActiveParameters <= r.TotalParameters && r.TokensPerSecondPerAccelerator > 0)
                || r.Precision is not ("bf16" or "fp8" or "mxfp8" or "nvfp4"))
            {
                throw new InvalidDataException($"Vendor run {r.Model} on {r.AcceleratorId} ({r.Precision}): needs a source, parameters, throughput and a known precision.");
            }
        }

        return runs;
    }

    private static readonly Lazy<VendorThroughput> DefaultInstance = new(() =>
    {
        using var stream = EmbeddedData.Open(typeof(VendorThroughput).Assembly, "Pricing.Quoting.Data.vendor-throughput.json");
        var file = JsonSerializer.Deserialize<VendorFile>(stream, EmbeddedData.JsonOptions) ?? throw new InvalidDataException("vendor-throughput.json is empty.");
        return new VendorThroughput(file.Runs);
    });

    public static VendorThroughput Default => DefaultInstance.Value;

    private sealed record VendorFile(List<VendorRun> Runs);
}
