using System.Globalization;
using System.Reflection;
using Pricing.Catalog;

namespace Pricing.Quoting;

/// <summary>
/// What to quote: a training run and the offers it may run on. The front end reads a request straight into a spec
/// (Quotes' <c>QuoteRequestMapping</c>); <see cref="QuoteRequestRules.Check"/> says whether it is valid and the engine
/// quotes only <see cref="QuoteRequestRules.Canonical"/> ones. The optional parts (attention shape, deadline,
/// overrides, prices) are init-only with "not given" defaults (0, "" or null), so a spec states only what the request set.
/// </summary>
public sealed record QuoteSpec(
    double Parameters,
    double ActiveParameters,
    double Tokens,
    Precision Precision,
    IReadOnlyList<string> AcceleratorIds,
    int AcceleratorCount,
    double? Mfu,
    IReadOnlyList<string> Clouds,
    IReadOnlyList<string> Regions,
    IReadOnlyList<string> PricingModels,
    int MaxOptions)
{
    public const int DefaultMaxOptions = 20;

    private static readonly IReadOnlyDictionary<string, double> NoDiscounts = new Dictionary<string, double>();

    /// <summary>Transformer layers, d_model and training sequence length: all three given add the attention term; 0 = not given.</summary>
    public int Layers { get; init; }

    public int DModel { get; init; }

    public int SequenceLength { get; init; }

    /// <summary>Tokens = 20 × parameters (Chinchilla). Only when asked and <see cref="Tokens"/> is 0.</summary>
    public bool Chinchilla { get; init; }

    /// <summary>Wall-clock target: each option gets the smallest cluster (whole instances) that meets it. 0 = none.</summary>
    public double DeadlineHours { get; init; }

    public double? Goodput { get; init; }

    /// <summary>A negotiated rate replacing every catalog price per accelerator-hour.</summary>
    public decimal? CustomPricePerAcceleratorHour { get; init; }

    /// <summary>Provider → discount percent off catalog prices.</summary>
    public IReadOnlyDictionary<string, double> DiscountPercent { get; init; } = NoDiscounts;

    /// <summary>Share of accelerator memory kept for activations; null = the data file's default.</summary>
    public double? ActivationAllowance { get; init; }

    /// <summary>Load factor: the share of node power drawn while training; null = the data file's default.</summary>
    public double? EnergyUtilisation { get; init; }

    /// <summary>Tokens per optimizer step; bounds the useful cluster. 0 = the data file's default for the model size.</summary>
    public double GlobalBatchTokens { get; init; }

    /// <summary>"megatron" (18 B/parameter, the default) or "zero" (16 B/parameter, the ZeRO minimum).</summary>
    public string OptimizerSetup { get; init; } = "";

    /// <summary>A 1- or 3-year commitment's capacity is used after the run, so only the run's hours are billed to it.</summary>
    public bool ReuseCommittedCapacity { get; init; }

    /// <summary>Checkpoints kept at once; 0 = the default.</summary>
    public int CheckpointCopies { get; init; }

    /// <summary>Tokenized dataset size in bytes; 0 = tokens × the default bytes per token.</summary>
    public double DatasetBytes { get; init; }

    /// <summary>The cloud the dataset lives in ("" = where the run is): another cloud adds its internet egress.</summary>
    public string DatasetCloud { get; init; } = "";

    /// <summary>Compute spent on experiments and ablations before the final run, as a multiple of it (≥ 1); 0 = not asked.</summary>
    public double ExperimentsMultiplier { get; init; }

    public double StaffEngineers { get; init; }

    /// <summary>Months the staff are billed; 0 = the run's wall-clock.</summary>
    public double StaffMonths { get; init; }

    /// <summary>Loaded cost per engineer-month (USD); null = the data file's default.</summary>
    public decimal? StaffMonthlyCost { get; init; }

    /// <summary>Price on the catalogs as they stood at this time (the front end rebuilds them from the history); null = current prices.</summary>
    public DateTimeOffset? AsOf { get; init; }

    /// <summary>The team's maturity level of failure-rates.json (frontier, experienced, first_large_run); "" = the data file's default.</summary>
    public string TeamMaturity { get; init; } = "";

    /// <summary>Query heads × head dimension, where it differs from d_model (MLA, wide heads); 0 = d_model. Only with the attention shape.</summary>
    public int AttentionWidth { get; init; }

    /// <summary>Tokens per program stage (long_context, annealing, sft_preference, rl, evaluation) replacing its cited share; 0 skips the stage.</summary>
    public IReadOnlyDictionary<string, double> StageTokens { get; init; } = NoDiscounts;

    /// <summary>Human preference comparisons to buy for post-training; null = the data file's default (0 = none).</summary>
    public double? AnnotationItems { get; init; }

    /// <summary>Data licences bought for the program (USD); null = none given.</summary>
    public decimal? LicensingUsd { get; init; }

    public double EffectiveActiveParameters => ActiveParameters > 0 ? ActiveParameters : Parameters;

    public bool HasAttentionShape => Layers > 0 && DModel > 0 && SequenceLength > 0;

    /// <summary>
    /// A canonical text of the spec: equal specs give equal text whatever the order of list fields, so it can key a
    /// cache. Every settable property is in it, by name, so a new field of the spec can never be left out of the key.
    /// </summary>
    public string Normalized() => string.Join(';', KeyedProperties.Select(p => $"{p.Name}={KeyText(p.GetValue(this))}"));

    private static readonly PropertyInfo[] KeyedProperties = [.. typeof(QuoteSpec)
        .GetProperties(BindingFlags.Public | BindingFlags.Instance)
        .Where(p => p.SetMethod is not null)
        .OrderBy(p => p.Name, StringComparer.Ordinal)];

    private static string KeyText(object? value) => value switch
    {
        null => "",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        decimal m => m.ToString(CultureInfo.InvariantCulture),
        DateTimeOffset t => t.UtcTicks.ToString(CultureInfo.InvariantCulture),
        int or bool or Pricing.Catalog.Precision or string => Convert.ToString(value, CultureInfo.InvariantCulture)!,
        IReadOnlyDictionary<string, double> map => List(map.Select(d => $"{d.Key}={KeyText(d.Value)}")),
        IEnumerable<string> items => List(items),
        _ => throw new NotSupportedException($"QuoteSpec.Normalized cannot key a {value.GetType().Name}; add it to {nameof(KeyText)}."),
    };

    /// <summary>Sorted and JSON-encoded, so an item holding ',' or ';' cannot pass for two items.</summary>
    private static string List(IEnumerable<string> items) =>
        System.Text.Json.JsonSerializer.Serialize(items.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal));
}
