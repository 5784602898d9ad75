using System.Text.Json;
using Pricing.Catalog;

namespace Pricing.Quoting;

/// <summary>One model-wide default with its source (<c>Data/quote-defaults.json</c>).</summary>
public sealed record ModelDefault(string Name, double Value, string Basis, string Source, bool Overridable = false);

/// <summary>The engine's model-wide defaults: bytes per parameter, activation allowance, checkpoint overhead, energy utilisation, Chinchilla ratio.</summary>
public sealed class ModelDefaults(IEnumerable<ModelDefault> rows)
{
    private readonly Dictionary<string, ModelDefault> _byName = rows.ToDictionary(r => r.Name, StringComparer.Ordinal);

    public IReadOnlyCollection<ModelDefault> All => _byName.Values;

    public ModelDefault this[string name] =>
        _byName.TryGetValue(name, out var row) ? row : throw new InvalidDataException($"quote-defaults.json has no '{name}'.");

    /// <summary>Mixed-precision Adam state per parameter (ZeRO), bytes.</summary>
    public ModelDefault BytesPerParameter => this["bytesPerParameter"];

    /// <summary>Share of each accelerator's memory kept for activations and buffers.</summary>
    public ModelDefault ActivationAllowance => this["activationAllowance"];

    /// <summary>Share of wall time stalled on checkpoints (taken out of the goodput loss).</summary>
    public ModelDefault CheckpointOverhead => this["checkpointOverhead"];

    /// <summary>Accelerator power as a share of TDP.</summary>
    public ModelDefault EnergyUtilisation => this["energyUtilisation"];

    public ModelDefault ChinchillaTokensPerParameter => this["chinchillaTokensPerParameter"];

    private static readonly Lazy<ModelDefaults> DefaultInstance = new(() =>
    {
        using var stream = EmbeddedData.Open(typeof(ModelDefaults).Assembly, "Pricing.Quoting.Data.quote-defaults.json");
        var file = JsonSerializer.Deserialize<DefaultsFile>(stream, EmbeddedData.JsonOptions) ?? throw new InvalidDataException("quote-defaults.json is empty.");
        return new ModelDefaults(file.Defaults);
    });

    public static ModelDefaults Default => DefaultInstance.Value;

    private sealed record DefaultsFile(List<ModelDefault> Defaults);
}
