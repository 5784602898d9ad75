using System.Text.Json;
using System.Text.Json.Serialization;
using Pricing.Catalog;

namespace Pricing.Quoting;

/// <summary>
/// Default MFU (with the low–high bounds behind a quote's cost range) and goodput for one accelerator,
/// with where the figures come from.
/// </summary>
public sealed record EfficiencyDefault(string AcceleratorId, double Mfu, double MfuLow, double MfuHigh, double Goodput, string Basis, string Source);

/// <summary>Per-accelerator efficiency defaults, read from <c>Data/efficiency-defaults.json</c>.</summary>
public sealed class EfficiencyDefaults(IEnumerable<EfficiencyDefault> defaults, EfficiencyDefault fallback)
{
    private readonly Dictionary<string, EfficiencyDefault> _byId = defaults.ToDictionary(d => d.AcceleratorId, StringComparer.Ordinal);

    public EfficiencyDefault For(string acceleratorId) =>
        _byId.TryGetValue(acceleratorId, out var d) ? d : fallback with { AcceleratorId = acceleratorId };

    private static readonly Lazy<EfficiencyDefaults> DefaultInstance = new(() =>
    {
        using var stream = EmbeddedData.Open(typeof(EfficiencyDefaults).Assembly, "Pricing.Quoting.Data.efficiency-defaults.json");
        var file = JsonSerializer.Deserialize<EfficiencyFile>(stream, EmbeddedData.JsonOptions) ?? throw new InvalidDataException("efficiency-defaults.json is empty.");
        return new EfficiencyDefaults(file.Defaults, file.Fallback with { AcceleratorId = "*" });
    });

    public static EfficiencyDefaults Default => DefaultInstance.Value;

    private sealed record EfficiencyFile(
        [property: JsonPropertyName("fallback")] EfficiencyDefault Fallback,
        [property: JsonPropertyName("defaults")] List<EfficiencyDefault> Defaults);
}
