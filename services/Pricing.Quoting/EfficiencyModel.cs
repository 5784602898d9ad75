using System.Text.Json;
using Pricing.Catalog;

namespace Pricing.Quoting;

/// <summary>
/// The measured or derived MFU of one accelerator in one precision, at the reference conditions of the model.
/// <paramref name="Flops"/> is the FLOP convention the MFU was measured on ("6N", or "6N+attention" as PaLM counts it):
/// the attention term is added to a run's FLOPs only for rows that counted it. <paramref name="AtAccelerators"/> is the
/// cluster size it was measured at when past the scale curve's reference (the scale factor is then relative to it).
/// With <paramref name="VendorSystems"/> the MFU comes from those systems' vendor-measured runs (vendor-throughput.json)
/// times the production factor, not from <paramref name="Mfu"/>.
/// </summary>
public sealed record MfuRow(string AcceleratorId, string Precision, double Mfu, string Basis, string Source,
    string Flops = MfuRow.SixN, double AtAccelerators = 0, IReadOnlyList<string>? VendorSystems = null)
{
    public const string SixN = "6N";
    public const string WithAttention = "6N+attention";

    public bool CountsAttention => Flops == WithAttention;
}

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
/// a reference MFU per accelerator and precision (FP8 and FP4 their own rows, against their own peaks; NVIDIA's from the vendor
/// tables of <c>Data/vendor-throughput.json</c> times a production factor), times factors for the model's active size,
/// its mixture-of-experts shape, cluster size, and the fabric between instances.
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
        FactorCurve fabricGbpsPerPetaflop,
        double withoutTrainingFabric,
        double rangeLow,
        double rangeHigh,
        VendorThroughput? vendor = null,
        FactorCurve? productionDense = null,
        double productionMoe = 1,
        string productionMoeSource = "")
    {
        foreach (var row in rows)
        {
            var precision = QuoteRequestRules.ParsePrecision(row.Precision) ?? throw new InvalidDataException($"MFU row {row.AcceleratorId}: unknown precision '{row.Precision}'.");
            var fromVendor = row.VendorSystems is { Count: > 0 };
            if (string.IsNullOrWhiteSpace(row.Source) || !(fromVendor ? vendor is not null : row.Mfu is > 0 and <= 1) || row.Flops is not (MfuRow.SixN or MfuRow.WithAttention))
            {
                throw new InvalidDataException($"MFU row {row.AcceleratorId} {row.Precision}: needs a source, an MFU in (0, 1] or vendor systems, and a FLOP convention.");
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
        FabricGbpsPerPetaflop = fabricGbpsPerPetaflop;
        WithoutTrainingFabric = withoutTrainingFabric;
        RangeLow = rangeLow;
        RangeHigh = rangeHigh;
        Vendor = vendor;
        ProductionDense = productionDense ?? new FactorCurve([], "none");
        ProductionMoe = productionMoe;
        ProductionMoeSource = productionMoeSource;
    }

    /// <summary>The vendor tables vendor-based rows are read from.</summary>
    public VendorThroughput? Vendor { get; }

    /// <summary>
    /// Production runs of dense models against the vendor's tuned recipes, by active parameters (Nemotron-4 15B and
    /// Llama 3 405B against the recipes' throughput at their size).
    /// </summary>
    public FactorCurve ProductionDense { get; }

    /// <summary>A production mixture of experts against the vendor's recipe of it (DeepSeek-V3).</summary>
    public double ProductionMoe { get; }

    public string ProductionMoeSource { get; }

    /// <summary>The production-versus-recipe factor for a model of <paramref name="activeParameters"/>.</summary>
    public double ProductionFactor(bool moe, double activeParameters) => moe ? ProductionMoe : ProductionDense.At(activeParameters);

    public MfuRow Fallback { get; }
    public FactorCurve ModelSize { get; }
    public FactorCurve Moe { get; }
    public FactorCurve Scale { get; }
    public FactorCurve FabricGbpsPerPetaflop { get; }

    /// <summary>The factor for a few instances joined by plain Ethernet (allowed only up to a small count).</summary>
    public double WithoutTrainingFabric { get; }

    public double RangeLow { get; }
    public double RangeHigh { get; }

    public IReadOnlyCollection<MfuRow> Rows => _rows.Values;

    /// <summary>The reference row, or null when the accelerator has none in this precision (the fallback then applies for BF16 only).</summary>
    public MfuRow? RowFor(string acceleratorId, Precision precision) =>
        _rows.TryGetValue((acceleratorId, precision), out var row) ? row : null;

    /// <summary>
    /// A vendor-based row's curve for the accelerator (its MFU against <paramref name="peakFlops"/>, the dense peak of the
    /// row's precision) and the row with its MFU set: the largest dense model's vendor MFU × the production factor.
    /// Other rows come back as they are, with no curve.
    /// </summary>
    public (MfuRow Row, VendorCurve? Curve) Resolve(MfuRow row, double peakFlops, PrecisionSpeedups speedups)
    {
        if (row.VendorSystems is not { Count: > 0 } systems || Vendor is null)
        {
            return (row, null);
        }

        var curve = Vendor.CurveFor(systems, QuoteRequestRules.ParsePrecision(row.Precision)!.Value, peakFlops, speedups)
            ?? throw new InvalidDataException($"MFU row {row.AcceleratorId} {row.Precision}: no dense vendor run on {string.Join(", ", systems)}.");

        var factor = ProductionFactor(false, curve.ReferenceActive);
        var mfu = Math.Min(1, curve.Reference * factor);
        return (row with { Mfu = mfu, Source = $"vendor-measured throughput ({curve.Systems}; vendor-throughput.json): {curve.Reference:P1} MFU for the largest dense model × production factor {factor:G3} (productionOverRecipe: production runs against the vendor recipes, efficiency-defaults.json); {row.Source}" }, curve);
    }

    /// <summary>
    /// The MFU of a run: the reference row × model size × MoE × scale × fabric. With a vendor curve, model size and MoE
    /// come from it (the vendor MFU at the run's active parameters against the largest dense model, and a mixture of
    /// experts against a dense model of its active size); else from the cited curves (active parameters; active/total).
    /// The scale factor is relative to the size the row was measured at; the fabric factor is keyed to scale-out Gbps
    /// per PFLOP/s of BF16 peak, and <paramref name="instances"/> &gt; 1 with a family that has no training-grade fabric
    /// (or none known) gets the without-fabric factor.
    /// </summary>
    public MfuEstimate Estimate(MfuRow row, VendorCurve? curve, double activeParameters, double totalParameters, double bf16PeakFlops, double accelerators, int instances, InstanceFamily? fabric)
    {
        var isMoe = activeParameters < totalParameters;
        double size, moe;
        if (curve is not null)
        {
            // Production factors folded in: a small model's production gap to the recipe is wider than the reference's.
            var dense = curve.DenseAt(activeParameters) * ProductionFactor(false, activeParameters);
            size = dense / (curve.Reference * ProductionFactor(false, curve.ReferenceActive));
            moe = !isMoe ? 1.0
                : curve.Moe.Count > 0 ? curve.MoeAt(activeParameters) * ProductionFactor(true, activeParameters) / dense
                : Moe.At(activeParameters / totalParameters);
        }
        else
        {
            size = ModelSize.At(activeParameters);
            moe = isMoe ? Moe.At(activeParameters / totalParameters) : 1.0;
        }

        var scale = Scale.At(Math.Max(1, accelerators)) / Scale.At(Math.Max(1, row.AtAccelerators));
        var petaflops = Math.Max(1e-3, bf16PeakFlops / 1e15);
        // TPU slices are joined by ICI, the chips' own fabric: no separate scale-out network to pay for.
        var fabricFactor = instances <= 1 || fabric is { ScaleOutFabric: "tpu-ici" } ? 1.0
            : fabric is { TrainingGradeFabric: true, ScaleOutGbps: { } gbps } ? FabricGbpsPerPetaflop.At(Math.Max(1e-3, gbps / Math.Max(1, accelerators / instances) / petaflops))
            : fabric is { TrainingGradeFabric: true } ? FabricGbpsPerPetaflop.Points[0].Factor
            : WithoutTrainingFabric;
        var mfu = Math.Min(1, row.Mfu * size * moe * scale * fabricFactor);
        return new MfuEstimate(mfu, mfu * RangeLow, Math.Min(1, mfu * RangeHigh), row.Mfu, size, moe, scale, fabricFactor, row.Source);
    }

    private static readonly Lazy<EfficiencyModel> DefaultInstance = new(() =>
    {
        using var stream = EmbeddedData.Open(typeof(EfficiencyModel).Assembly, "Pricing.Quoting.Data.efficiency-defaults.json");
        var file = JsonSerializer.Deserialize<EfficiencyFile>(stream, EmbeddedData.JsonOptions) ?? throw new InvalidDataException("efficiency-defaults.json is empty.");
        return new EfficiencyModel(file.Rows, file.Fallback with { AcceleratorId = "*" }, file.ModelSize, file.Moe, file.Scale,
            file.FabricGbpsPerPetaflop, file.WithoutTrainingFabric.Factor, file.Range.Low, file.Range.High,
            VendorThroughput.Default, file.ProductionOverRecipe, file.ProductionOverRecipeMoe.Factor, file.ProductionOverRecipeMoe.Source);
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
        FactorCurve FabricGbpsPerPetaflop,
        SourcedValue WithoutTrainingFabric,
        FactorCurve ProductionOverRecipe,
        SourcedValue ProductionOverRecipeMoe,
        RangeRow Range);
}
