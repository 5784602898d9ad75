using System.Text.Json;
using Pricing.Catalog;

namespace Pricing.Quoting;

/// <summary>
/// The per-provider figures a whole bill needs beyond accelerator prices (<c>Data/provider-costs.json</c>, cited):
/// object storage for checkpoints and the dataset, internet egress, how often spot capacity is reclaimed, and the cited
/// list price of a CPU vCPU-hour: the program's data processing falls back to it when the live catalog has no on-demand
/// CPU offer of the provider (<see cref="CatalogVcpuPrices"/>).
/// </summary>
public sealed record ProviderCostRow(
    string Provider,
    double StorageUsdPerGbMonth,
    string StorageSource,
    double InternetEgressUsdPerGb,
    string EgressSource,
    double SpotInterruptionsPerInstanceMonth,
    string SpotSource,
    double CpuUsdPerVcpuHour = 0,
    string CpuSource = "");

public sealed class ProviderCosts(IEnumerable<ProviderCostRow> rows)
{
    private readonly Dictionary<string, ProviderCostRow> _byProvider = rows.ToDictionary(r => r.Provider, StringComparer.Ordinal);

    public IReadOnlyCollection<ProviderCostRow> All => _byProvider.Values;

    public ProviderCostRow For(string provider) =>
        _byProvider.TryGetValue(provider, out var row) ? row
        : _byProvider.TryGetValue("*", out var fallback) ? fallback with { Provider = provider }
        : throw new InvalidDataException($"provider-costs.json has no row for '{provider}' and no '*' fallback.");

    private static readonly Lazy<ProviderCosts> DefaultInstance = new(() =>
    {
        using var stream = EmbeddedData.Open(typeof(ProviderCosts).Assembly, "Pricing.Quoting.Data.provider-costs.json");
        var file = JsonSerializer.Deserialize<CostsFile>(stream, EmbeddedData.JsonOptions) ?? throw new InvalidDataException("provider-costs.json is empty.");
        // A row without its CPU price would price the program's data processing at nothing.
        if (file.Providers.FirstOrDefault(r => r.CpuUsdPerVcpuHour <= 0 || string.IsNullOrWhiteSpace(r.CpuSource)) is { } unpriced)
        {
            throw new InvalidDataException($"provider-costs.json: '{unpriced.Provider}' needs cpuUsdPerVcpuHour > 0 and its cpuSource.");
        }

        return new ProviderCosts(file.Providers);
    });

    public static ProviderCosts Default => DefaultInstance.Value;

    private sealed record CostsFile(List<ProviderCostRow> Providers);
}
