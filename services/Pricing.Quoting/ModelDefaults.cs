using System.Text.Json;
using Pricing.Catalog;

namespace Pricing.Quoting;

/// <summary>One model-wide default with its source (<c>Data/quote-defaults.json</c>).</summary>
public sealed record ModelDefault(string Name, double Value, string Basis, string Source, bool Overridable = false);

/// <summary>The engine's model-wide defaults (memory, sizing, failure model, bill, energy), each with its source.</summary>
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

    /// <summary>Load factor: the share of node power drawn while training.</summary>
    public ModelDefault EnergyUtilisation => this["energyUtilisation"];

    public ModelDefault ChinchillaTokensPerParameter => this["chinchillaTokensPerParameter"];

    /// <summary>Megatron with bf16 parameters and fp32 gradient accumulation: the default optimizer setup.</summary>
    public ModelDefault BytesPerParameterMegatron => this["bytesPerParameterMegatron"];

    /// <summary>A full checkpoint (weights + optimizer state), bytes per parameter.</summary>
    public ModelDefault CheckpointBytesPerParameter => this["checkpointBytesPerParameter"];

    /// <summary>Neither cluster nor deadline given: the plan is sized to finish in this many days.</summary>
    public ModelDefault DefaultDeadlineDays => this["defaultDeadlineDays"];

    /// <summary>The default global batch B = coefficient · C^exponent tokens (DeepSeek LLM's fitted law), up to <see cref="MaxGlobalBatchTokens"/>.</summary>
    public ModelDefault BatchLawCoefficient => this["batchLawCoefficient"];

    public ModelDefault BatchLawExponent => this["batchLawExponent"];

    public ModelDefault MaxGlobalBatchTokens => this["maxGlobalBatchTokens"];

    /// <summary>Sequence tokens one context-parallel rank holds; also the sequence length assumed when none is given.</summary>
    public ModelDefault TokensPerContextRank => this["tokensPerContextRank"];

    public ModelDefault CheckpointStallSeconds => this["checkpointStallSeconds"];

    public ModelDefault SpotRestartHours => this["spotRestartHours"];

    /// <summary>Instances without a training-grade fabric that may still join one job (plain Ethernet).</summary>
    public ModelDefault MaxInstancesWithoutFabric => this["maxInstancesWithoutFabric"];

    public ModelDefault CheckpointCopies => this["checkpointCopies"];

    public ModelDefault DatasetBytesPerToken => this["datasetBytesPerToken"];

    public ModelDefault StaffMonthlyCost => this["staffMonthlyCost"];

    /// <summary>FP8 over BF16 for accelerators without a measured FP8 row.</summary>
    public ModelDefault Fp8SpeedupOverBf16 => this["fp8SpeedupOverBf16"];

    /// <summary>System power per accelerator over its TDP, where no node figure is published.</summary>
    public ModelDefault NodePowerOverTdp => this["nodePowerOverTdp"];

    /// <summary>Per-accelerator power when neither node power nor TDP is published.</summary>
    public ModelDefault FallbackWattsPerAccelerator => this["fallbackWattsPerAccelerator"];

    private static readonly Lazy<ModelDefaults> DefaultInstance = new(() =>
    {
        using var stream = EmbeddedData.Open(typeof(ModelDefaults).Assembly, "Pricing.Quoting.Data.quote-defaults.json");
        var file = JsonSerializer.Deserialize<DefaultsFile>(stream, EmbeddedData.JsonOptions) ?? throw new InvalidDataException("quote-defaults.json is empty.");
        return new ModelDefaults(file.Defaults);
    });

    public static ModelDefaults Default => DefaultInstance.Value;

    private sealed record DefaultsFile(List<ModelDefault> Defaults);
}
