using System.Text.Json;
using Pricing.Catalog;

namespace Pricing.Quoting;

/// <summary>
/// What one instance family can do for distributed training (<c>Data/instance-families.json</c>, a source per row):
/// the scale-out fabric between instances, the scale-up (NVLink / NeuronLink / ICI) domain, the form factor, whether
/// it is offered for training at all, and its node power.
/// </summary>
public sealed record InstanceFamily(
    string Provider,
    IReadOnlyList<string> Match,
    string FormFactor,
    string ScaleOutFabric,
    double? ScaleOutGbps,
    string ScaleOutDetail,
    bool TrainingGradeFabric,
    int? ScaleUpDomain,
    string ScaleUpFabric,
    bool Trainable,
    string? NotTrainableReason,
    double? NodePowerWatts,
    string? NodePowerSource,
    string Source)
{
    /// <summary>TPU rows give power per chip, not per node.</summary>
    public bool PowerIsPerChip => FormFactor == "tpu";
}

/// <summary>Looks up an offer's instance family: an exact instance-type match first, then the longest "prefix*" match.</summary>
public sealed class InstanceCapabilities
{
    private readonly Dictionary<(string Provider, string InstanceType), InstanceFamily> _exact = [];
    private readonly List<(string Provider, string Prefix, InstanceFamily Family)> _prefixes = [];

    public InstanceCapabilities(IEnumerable<InstanceFamily> families)
    {
        foreach (var family in families)
        {
            if (string.IsNullOrWhiteSpace(family.Source))
            {
                throw new InvalidDataException($"Instance family {string.Join(",", family.Match)} ({family.Provider}) has no source.");
            }

            if (!family.Trainable && string.IsNullOrWhiteSpace(family.NotTrainableReason))
            {
                throw new InvalidDataException($"Instance family {string.Join(",", family.Match)} is not trainable but gives no reason.");
            }

            foreach (var match in family.Match)
            {
                if (match.EndsWith('*'))
                {
                    _prefixes.Add((family.Provider, match[..^1], family));
                }
                else if (!_exact.TryAdd((family.Provider, match), family))
                {
                    throw new InvalidDataException($"Instance type {family.Provider} {match} is listed twice.");
                }
            }
        }

        _prefixes.Sort((a, b) => b.Prefix.Length.CompareTo(a.Prefix.Length));
        All = [.. families];
    }

    public IReadOnlyList<InstanceFamily> All { get; }

    /// <summary>The family of an instance type, or null when the data file does not know it.</summary>
    public InstanceFamily? For(string provider, string instanceType)
    {
        if (_exact.TryGetValue((provider, instanceType), out var family))
        {
            return family;
        }

        foreach (var (p, prefix, f) in _prefixes)
        {
            if (p == provider && instanceType.StartsWith(prefix, StringComparison.Ordinal))
            {
                return f;
            }
        }

        return null;
    }

    private static readonly Lazy<InstanceCapabilities> DefaultInstance = new(() =>
    {
        using var stream = EmbeddedData.Open(typeof(InstanceCapabilities).Assembly, "Pricing.Quoting.Data.instance-families.json");
        var file = JsonSerializer.Deserialize<FamiliesFile>(stream, EmbeddedData.JsonOptions) ?? throw new InvalidDataException("instance-families.json is empty.");
        return new InstanceCapabilities(file.Families);
    });

    public static InstanceCapabilities Default => DefaultInstance.Value;

    private sealed record FamiliesFile(List<InstanceFamily> Families);
}
