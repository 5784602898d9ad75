using Pricing.Quoting;
using Pricing.Sources;
using Quotes.Sync;

namespace Pricing.Standalone.Extensions;

/// <summary>Loads the price view from the provider catalogs hosted in this same process.</summary>
public sealed class InProcessCatalogSnapshotClient(IEnumerable<ProviderPriceCatalog> catalogs) : ICatalogSnapshotClient
{
    private readonly Dictionary<string, ProviderPriceCatalog> _byProvider = catalogs.ToDictionary(c => c.Provider, StringComparer.Ordinal);

    public IReadOnlyCollection<string> Providers => _byProvider.Keys;

    public Task LoadAsync(string provider, PriceView view, CancellationToken cancellationToken)
    {
        var snapshot = _byProvider[provider].Current;
        view.LoadSnapshot(provider, snapshot.Version, snapshot.AsOf, snapshot.Offers.Values);
        return Task.CompletedTask;
    }
}
