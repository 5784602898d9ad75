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
        $"acc={List(AcceleratorIds)}", $"count={AcceleratorCount}",
        $"mfu={(Mfu is { } m ? m.ToString("R", System.Globalization.CultureInfo.InvariantCulture) : "")}",
        $"clouds={List(Clouds)}", $"regions={List(Regions)}", $"models={List(PricingModels)}", $"max={MaxOptions}");

    /// <summary>Sorted and JSON-encoded, so an item holding ',' or ';' cannot pass for two items.</summary>
    private static string List(IEnumerable<string> items) =>
        System.Text.Json.JsonSerializer.Serialize(items.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal));
}
