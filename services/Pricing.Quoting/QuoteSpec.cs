using Pricing.Catalog;

namespace Pricing.Quoting;

/// <summary>What to quote: a training run and the offers it may run on. Built only from a validated request.</summary>
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

    /// <summary>
    /// A canonical text of the spec: equal specs give equal text whatever the order of list fields,
    /// so it can key a cache.
    /// </summary>
    public string Normalized() => string.Join(';',
        $"n={Parameters:R}", $"na={ActiveParameters:R}", $"d={Tokens:R}", $"p={Precision}",
        $"acc={string.Join(',', AcceleratorIds.Order(StringComparer.Ordinal))}", $"count={AcceleratorCount}",
        $"mfu={(Mfu is { } m ? m.ToString("R", System.Globalization.CultureInfo.InvariantCulture) : "")}",
        $"clouds={string.Join(',', Clouds.Order(StringComparer.Ordinal))}", $"regions={string.Join(',', Regions.Order(StringComparer.Ordinal))}",
        $"models={string.Join(',', PricingModels.Order(StringComparer.Ordinal))}", $"max={MaxOptions}");
}
