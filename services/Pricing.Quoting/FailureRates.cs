using System.Text.Json;
using Pricing.Catalog;

namespace Pricing.Quoting;

/// <summary>One level of team maturity (<c>Data/failure-rates.json</c>): its interruption rate, restart time and bring-up, with the source.</summary>
public sealed record TeamMaturity(string Name, double InterruptionsPerAcceleratorDay, double RestartHours, double BringUpHours, string Basis, string Source);

/// <summary>How many chips of a per-chip-priced TPU share one host (VM): a spot preemption takes a host.</summary>
public sealed record ChipsPerHost(string InstanceType, int Chips, string Source);

/// <summary>
/// Interruption rates by team maturity, best first, with the default level; and TPU chips per host. The goodput range of
/// a level is the goodput of the levels next to it (docs/quote-model.md §4).
/// </summary>
public sealed class FailureRates
{
    private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ChipsPerHost> _hosts = new(StringComparer.Ordinal);

    public FailureRates(IReadOnlyList<TeamMaturity> levels, string defaultLevel, string defaultSource, IEnumerable<ChipsPerHost> chipsPerHost)
    {
        Levels = levels;
        for (var i = 0; i < levels.Count; i++)
        {
            var l = levels[i];
            if (string.IsNullOrWhiteSpace(l.Source) || !(l.InterruptionsPerAcceleratorDay > 0) || l.RestartHours < 0 || l.BringUpHours < 0
                || !_index.TryAdd(l.Name, i))
            {
                throw new InvalidDataException($"failure-rates.json level '{l.Name}': needs a unique name, a source, a positive rate and non-negative hours.");
            }
        }

        foreach (var h in chipsPerHost)
        {
            if (h.Chips < 1 || string.IsNullOrWhiteSpace(h.Source) || !_hosts.TryAdd(h.InstanceType, h))
            {
                throw new InvalidDataException($"failure-rates.json chipsPerHost '{h.InstanceType}': needs a unique instance type, chips >= 1 and a source.");
            }
        }

        DefaultLevel = _index.TryGetValue(defaultLevel, out var d) ? levels[d] : throw new InvalidDataException($"failure-rates.json: unknown default '{defaultLevel}'.");
        DefaultSource = defaultSource;
    }

    /// <summary>Best (fewest interruptions, fastest recovery) first.</summary>
    public IReadOnlyList<TeamMaturity> Levels { get; }

    public TeamMaturity DefaultLevel { get; }

    public string DefaultSource { get; }

    public IReadOnlyCollection<ChipsPerHost> HostSizes => _hosts.Values;

    public IEnumerable<string> Names => Levels.Select(l => l.Name);

    public bool IsKnown(string name) => _index.ContainsKey(name);

    /// <summary>The level asked for, or the default for "".</summary>
    public TeamMaturity For(string name) => name.Length == 0 ? DefaultLevel : Levels[_index[name]];

    /// <summary>The level one better (the range's fast end) and one worse (its slow end); the ends are their own neighbours.</summary>
    public (TeamMaturity Better, TeamMaturity Worse) Neighbours(TeamMaturity level)
    {
        var i = _index[level.Name];
        return (Levels[Math.Max(0, i - 1)], Levels[Math.Min(Levels.Count - 1, i + 1)]);
    }

    /// <summary>
    /// The hosts (VMs) a spot preemption can take: the offer's instances, except for TPUs priced per chip, whose
    /// chips share hosts of the cited size.
    /// </summary>
    public int Hosts(string instanceType, double accelerators, int instances) =>
        _hosts.TryGetValue(instanceType, out var h) ? (int)Math.Ceiling(Math.Round(accelerators / h.Chips, 6)) : instances;

    private static readonly Lazy<FailureRates> DefaultInstance = new(() =>
    {
        using var stream = EmbeddedData.Open(typeof(FailureRates).Assembly, "Pricing.Quoting.Data.failure-rates.json");
        var file = JsonSerializer.Deserialize<RatesFile>(stream, EmbeddedData.JsonOptions) ?? throw new InvalidDataException("failure-rates.json is empty.");
        return new FailureRates(file.Levels, file.DefaultTeamMaturity, file.DefaultSource, file.ChipsPerHost);
    });

    public static FailureRates Default => DefaultInstance.Value;

    private sealed record RatesFile(string DefaultTeamMaturity, string DefaultSource, List<TeamMaturity> Levels, List<ChipsPerHost> ChipsPerHost);
}
