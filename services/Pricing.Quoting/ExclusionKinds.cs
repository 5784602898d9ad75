namespace Pricing.Quoting;

/// <summary>
/// Why an offer cannot run the training, as a kind the contract names (<c>ExcludedGroup.kind</c>) and one summary
/// per kind, so excluded offers group by cause rather than by a text that names each instance type. The engine's
/// reason keys start with the internal name before any ':'; a key this table does not know is its own kind, grouped
/// by its exact text (a new exclusion is never lost, only grouped less).
/// </summary>
public static class ExclusionKinds
{
    private static readonly Dictionary<string, (string Kind, string Summary)> ByKey = new(StringComparer.Ordinal)
    {
        ["inference"] = ("not_trainable", "Not offered for training (an inference accelerator or instance family)."),
        ["family"] = ("not_trainable", "Not offered for training (an inference accelerator or instance family)."),
        ["activations"] = ("memory", "Does not fit in memory as asked."),
        ["memory"] = ("memory", "Does not fit in memory as asked."),
        ["batch-memory"] = ("batch", "Needs more accelerators than the global batch keeps busy."),
        ["useful"] = ("batch", "Needs more accelerators than the global batch keeps busy."),
        ["deadline"] = ("deadline", "Cannot finish by the deadline."),
        ["fabric"] = ("fabric", "The cluster needs a training-grade fabric between instances, which this instance type lacks."),
        ["goodput"] = ("interruptions", "Interrupted too often at that size for a synchronous job."),
        ["size"] = ("size_limit", "Needs more accelerators than a quote may plan."),
        ["cost"] = ("cost_limit", "Costs more than a quote may plan."),
        ["capacity"] = ("capacity", "Capacity of that kind is not had at that size or for that long (spot fleet, Capacity Block or calendar caps; capacity-rules.json); name spot in pricing_models to quote spot anyway."),
    };

    /// <summary>The contract's kind for an engine reason key, and its summary (null for a key not in the table).</summary>
    public static (string Kind, string? Summary) Of(string reasonKey)
    {
        var colon = reasonKey.IndexOf(':', StringComparison.Ordinal);
        var key = colon < 0 ? reasonKey : reasonKey[..colon];
        return ByKey.TryGetValue(key, out var known) ? known : (key, null);
    }

    /// <summary>Every kind the table names, for tests and docs.</summary>
    public static IEnumerable<string> Known => ByKey.Values.Select(v => v.Kind).Distinct();
}
