using Pricing.Catalog;

namespace Pricing.Quoting;

/// <summary>
/// One live on-demand vCPU-hour from a provider's catalog (an offer of the registry's CPU row, one unit per vCPU):
/// the price the program's data processing uses, with the offer and catalog version it came from.
/// </summary>
internal sealed record CatalogVcpuHour(Offer Offer, long CatalogVersion, bool InOptionRegion)
{
    public decimal UsdPerVcpuHour => Offer.PricePerAcceleratorHour;
}

/// <summary>
/// The on-demand CPU offers a quote saw, per provider, and the cheapest vCPU-hour for an option (docs/quote-model.md
/// §6a): the cheapest in the option's region, else the provider's cheapest anywhere, else none (the program falls
/// back to the cited figure of provider-costs.json). Only on-demand rows count: the processing runs when it runs,
/// not on a commitment or a reclaimable spot instance.
/// </summary>
internal sealed class CatalogVcpuPrices
{
    private readonly Dictionary<string, (long Version, List<Offer> Offers)> _byProvider = new(StringComparer.Ordinal);

    public void Add(PriceViewCatalog catalog, Offer offer)
    {
        if (offer.PricingModel != PricingModels.OnDemand || offer.AcceleratorsPerInstance <= 0)
        {
            return;
        }

        if (!_byProvider.TryGetValue(catalog.Provider, out var entry))
        {
            entry = (catalog.Version, []);
            _byProvider[catalog.Provider] = entry;
        }

        entry.Offers.Add(offer);
    }

    public CatalogVcpuHour? CheapestFor(string provider, string region)
    {
        if (!_byProvider.TryGetValue(provider, out var entry) || entry.Offers.Count == 0)
        {
            return null;
        }

        var inRegion = Cheapest(entry.Offers.Where(o => string.Equals(o.Region, region, StringComparison.Ordinal)));
        return inRegion is not null
            ? new CatalogVcpuHour(inRegion, entry.Version, true)
            : new CatalogVcpuHour(Cheapest(entry.Offers)!, entry.Version, false);
    }

    // Ties go to the offer key, so the same catalog always names the same instance.
    private static Offer? Cheapest(IEnumerable<Offer> offers) =>
        offers.OrderBy(o => o.PricePerAcceleratorHour).ThenBy(o => o.OfferKey, StringComparer.Ordinal).FirstOrDefault();
}
