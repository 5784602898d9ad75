using System.Text.Json;
using Pricing.Catalog;

namespace Pricing.Quoting;

/// <summary>The measured or derived MFU of one accelerator in one precision, at the reference conditions of the model.</summary>
public sealed record MfuRow(string AcceleratorId, string Precision, double Mfu, string Basis, string Source);

/// <summary>One point of a factor curve: at <see cref="At"/> the MFU is multiplied by <see cref="Factor"/>.</summary>
public sealed record CurvePoint(double At, double Factor);

/// <summary>
/// A factor interpolated linearly in log10 of its input between cited points, flat beyond the first and last.
/// </summary>
public sealed record FactorCurve(IReadOnlyList<CurvePoint> Points, string Source)
{
    public double At(double x)
    {
        if (Points.Count == 0)
        {
            return 1;
        }

        if (x <= Points[0].At)
        {
            return Points[0].Factor;
        }

        for (var i = 1; i < Points.Count; i++)
        {
            if (x <= Points[i].At)
            {
                var (a, b) = (Points[i - 1], Points[i]);
                var t = (Math.Log10(x) - Math.Log10(a.At)) / (Math.Log10(b.At) - Math.Log10(a.At));
                return a.Factor + t * (b.Factor - a.Factor);
            }
        }

        return Points[^1].Factor;
    }
}

/// <summary>What an MFU estimate was made of: the reference row and each factor that moved it.</summary>
public sealed record MfuEstimate(
    double Mfu,
    double Low,
    double High,
    double BaseMfu,
    double ModelSizeFactor,
    double MoeFactor,
    double ScaleFactor,
    double FabricFactor,
    string Source);

/// <summary>
/// MFU that depends on the run (<c>Data/efficiency-defaults.json</c>, every row and point cited):
/// a reference MFU per accelerator and precision (FP8 its own rows, against the FP8 peak), times factors for the model's
/// active size, mixture-of-experts sparsity (active / total), cluster size, and the fabric between instances.
/// </summary>
public sealed class EfficiencyModel
{
    private readonly Dictionary<(string AcceleratorId, Precision Precision), MfuRow> _rows = [];

    public EfficiencyModel(
        IEnumerable<MfuRow> rows,
        MfuRow fallback,
        FactorCurve modelSize,
        FactorCurve moe,
        FactorCurve scale,
        FactorCurve fabricGbpsPerAccelerator,
        double withoutTrainingFabric,
        double rangeLow,
        double rangeHigh)
    {
        foreach (var row in rows)
        {
            var precision = QuoteRequestRules.ParsePrecision(row.Precision) ?? throw new InvalidDataException($"MFU row {row.AcceleratorId}: unknown precision '{row.Precision}'.");
            if (string.IsNullOrWhiteSpace(row.Source) || !(row.Mfu is > 0 and <= 1))
            {
                throw new InvalidDataException($"MFU row {row.AcceleratorId} {row.Precision}: needs a source and an MFU in (0, 1].");
            }

            if (!_rows.TryAdd((row.AcceleratorId, precision), row))
            {
                throw new InvalidDataException($"MFU row {row.AcceleratorId} {row.Precision} is listed twice.");
            }
        }

        Fallback = fallback;
        ModelSize = modelSize;
        Moe = moe;
        Scale = scale;
        FabricGbpsPerAccelerator = fabricGbpsPerAccelerator;
        WithoutTrainingFabric = withoutTrainingFabric;
        RangeLow = rangeLow;
        RangeHigh = rangeHigh;
    }

    public MfuRow Fallback { get; }
    public FactorCurve ModelSize { get; }
    public FactorCurve Moe { get; }
    public FactorCurve Scale { get; }
    public FactorCurve FabricGbpsPerAccelerator { get; }

    /// <summary>The factor for a few instances joined by plain Ethernet (allowed only up to a small count).</summary>
    public double WithoutTrainingFabric { get; }

    public double RangeLow { get; }
    public double RangeHigh { get; }

    public IReadOnlyCollection<MfuRow> Rows => _rows.Values;

    /// <summary>The reference row, or null when the accelerator has none in this precision (the fallback then applies for BF16 only).</summary>
    public MfuRow? RowFor(string acceleratorId, Precision precision) =>
        _rows.TryGetValue((acceleratorId, precision), out var row) ? row : null;

    /// <summary>
    /// The MFU of a run: the reference row × model size (active parameters per PFLOP/s of the chip's BF16 peak) × MoE ×
    /// scale × fabric. <paramref name="instances"/> &gt; 1 with a family that has no training-grade fabric (or none known)
    /// gets the without-fabric factor.
    /// </summary>
    public MfuEstimate Estimate(MfuRow row, double activeParameters, double totalParameters, double bf16PeakFlops, double accelerators, int instances, InstanceFamily? fabric)
    {
        var size = ModelSize.At(activeParameters / (bf16PeakFlops / 1e15));
        var moe = activeParameters < totalParameters ? Moe.At(activeParameters / totalParameters) : 1.0;
        var scale = Scale.At(Math.Max(1, accelerators));
        // TPU slices are joined by ICI, the chips' own fabric: no separate scale-out network to pay for.
        var fabricFactor = instances <= 1 || fabric is { ScaleOutFabric: "tpu-ici" } ? 1.0
            : fabric is { TrainingGradeFabric: true, ScaleOutGbps: { } gbps } ? FabricGbpsPerAccelerator.At(Math.Max(1e-3, gbps / Math.Max(1, accelerators / instances)))
            : fabric is { TrainingGradeFabric: true } ? FabricGbpsPerAccelerator.Points[0].Factor
            : WithoutTrainingFabric;
        var mfu = Math.Min(1, row.Mfu * size * moe * scale * fabricFactor);
        return new MfuEstimate(mfu, mfu * RangeLow, Math.Min(1, mfu * RangeHigh), row.Mfu, size, moe, scale, fabricFactor, row.Source);
    }

    private static readonly Lazy<EfficiencyModel> DefaultInstance = new(() =>
    {
        using var stream = EmbeddedData.Open(typeof(EfficiencyModel).Assembly, "Pricing.Quoting.Data.efficiency-defaults.json");
        var file = JsonSerializer.Deserialize<EfficiencyFile>(stream, EmbeddedData.JsonOptions) ?? throw new InvalidDataException("efficiency-defaults.json is empty.");
        return new EfficiencyModel(file.Rows, file.Fallback with { AcceleratorId = "*" }, file.ModelSize, file.Moe, file.Scale,
            file.FabricGbpsPerAccelerator, file.WithoutTrainingFabric.Factor, file.Range.Low, file.Range.High);
    });

    public static EfficiencyModel Default => DefaultInstance.Value;

    private sealed record SourcedValue(double Factor, string Source);

    private sealed record RangeRow(double Low, double High, string Source);

    private sealed record EfficiencyFile(
        MfuRow Fallback,
        List<MfuRow> Rows,
        FactorCurve ModelSize,
        FactorCurve Moe,
        FactorCurve Scale,
        FactorCurve FabricGbpsPerAccelerator,
        SourcedValue WithoutTrainingFabric,
        RangeRow Range);
}
