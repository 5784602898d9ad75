using System.Text.Json;
using Pricing.Catalog;

namespace Pricing.Quoting;

/// <summary>A sourced factor: its value, where it comes from, and whether it is a fallback for a missing row.</summary>
public sealed record SourcedFactor(double Value, string Source, bool IsFallback);

public sealed record PueRow(string Provider, double Pue, string Source);

public sealed record GridIntensityRow(string Provider, string Region, double KgCo2PerKwh, string Basis, string Source);

public sealed record GridFallbackRow(string Provider, double KgCo2PerKwh, string Basis, string Source);

/// <summary>
/// Data-centre PUE per provider (<c>Data/datacenter-pue.json</c>) and grid carbon intensity per provider region
/// (<c>Data/grid-carbon-intensity.json</c>). A region without a row gets its provider's average, flagged as a fallback
/// so the quote can warn.
/// </summary>
public sealed class EnergyFactors
{
    private readonly Dictionary<string, SourcedFactor> _pue;
    private readonly SourcedFactor _pueFallback;
    private readonly Dictionary<(string Provider, string Region), SourcedFactor> _grid;
    private readonly Dictionary<string, SourcedFactor> _gridFallback;
    private readonly SourcedFactor _gridWorld;

    public EnergyFactors(IEnumerable<PueRow> pue, PueRow pueFallback, IEnumerable<GridIntensityRow> grid, IEnumerable<GridFallbackRow> gridFallbacks)
    {
        _pue = pue.ToDictionary(p => p.Provider, p => new SourcedFactor(p.Pue, p.Source, false), StringComparer.Ordinal);
        _pueFallback = new SourcedFactor(pueFallback.Pue, pueFallback.Source, true);
        _grid = [];
        foreach (var row in grid)
        {
            if (!_grid.TryAdd((row.Provider, row.Region), new SourcedFactor(row.KgCo2PerKwh, row.Source, false)))
            {
                throw new InvalidDataException($"Grid intensity for {row.Provider} {row.Region} is listed twice.");
            }
        }

        var fallbacks = gridFallbacks.ToList();
        _gridFallback = fallbacks.Where(f => f.Provider != "*").ToDictionary(f => f.Provider, f => new SourcedFactor(f.KgCo2PerKwh, f.Source, true), StringComparer.Ordinal);
        var world = fallbacks.SingleOrDefault(f => f.Provider == "*") ?? throw new InvalidDataException("No world-average grid intensity ('*').");
        _gridWorld = new SourcedFactor(world.KgCo2PerKwh, world.Source, true);
    }

    public SourcedFactor Pue(string provider) => _pue.TryGetValue(provider, out var f) ? f : _pueFallback;

    /// <summary>kg CO2e per kWh of the region's grid; the provider's average (IsFallback) when the region has no row.</summary>
    public SourcedFactor GridIntensity(string provider, string region) =>
        _grid.TryGetValue((provider, region), out var f) ? f
        : _gridFallback.TryGetValue(provider, out var p) ? p
        : _gridWorld;

    private static readonly Lazy<EnergyFactors> DefaultInstance = new(() =>
    {
        var assembly = typeof(EnergyFactors).Assembly;
        using var pueStream = EmbeddedData.Open(assembly, "Pricing.Quoting.Data.datacenter-pue.json");
        var pue = JsonSerializer.Deserialize<PueFile>(pueStream, EmbeddedData.JsonOptions) ?? throw new InvalidDataException("datacenter-pue.json is empty.");
        using var gridStream = EmbeddedData.Open(assembly, "Pricing.Quoting.Data.grid-carbon-intensity.json");
        var grid = JsonSerializer.Deserialize<GridFile>(gridStream, EmbeddedData.JsonOptions) ?? throw new InvalidDataException("grid-carbon-intensity.json is empty.");
        return new EnergyFactors(pue.Providers, pue.Fallback, grid.Regions, grid.Fallbacks);
    });

    public static EnergyFactors Default => DefaultInstance.Value;

    private sealed record PueFile(PueRow Fallback, List<PueRow> Providers);

    private sealed record GridFile(List<GridFallbackRow> Fallbacks, List<GridIntensityRow> Regions);
}
