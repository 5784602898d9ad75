using Pricing.Catalog;

namespace Pricing.Contracts.Events;

/// <summary>
/// One offer changed between catalog versions <c>CatalogVersion - 1</c> and <c>CatalogVersion</c>
/// of <c>Provider</c>. Published to the topic exchange <see cref="PriceChangeTopology.ExchangeName"/>
/// with routing key <c>{provider}.{region}.{accelerator}.{pricing_model}</c>.
/// Consumers apply it once, keyed by (Provider, CatalogVersion, OfferKey).
/// </summary>
public sealed record AcceleratorPriceChanged(
    string Provider,
    long CatalogVersion,
    string OfferKey,
    PriceChangeKind Kind,
    string Region,
    string AcceleratorId,
    string PricingModel,
    decimal? OldPricePerInstanceHour,
    decimal? NewPricePerInstanceHour,
    string Currency,
    Offer? Offer,
    DateTimeOffset ObservedAt)
{
    public string RoutingKey => PriceChangeTopology.RoutingKey(Provider, Region, AcceleratorId, PricingModel);

    public static AcceleratorPriceChanged From(string provider, long version, OfferChange change, DateTimeOffset observedAt)
    {
        var reference = change.New ?? change.Old!;
        return new AcceleratorPriceChanged(
            provider, version, change.OfferKey, change.Kind,
            reference.Region, reference.AcceleratorId, reference.PricingModel,
            change.Old?.PricePerInstanceHour, change.New?.PricePerInstanceHour,
            reference.Currency, change.New, observedAt);
    }
}

/// <summary>
/// A provider committed catalog version <c>CatalogVersion</c>. Published after that version's
/// <see cref="AcceleratorPriceChanged"/> events, with their counts, so a consumer can tell when it has
/// received all of them and detect gaps (a version it never saw).
/// </summary>
public sealed record CatalogPublished(
    string Provider,
    long CatalogVersion,
    long PreviousVersion,
    int OfferCount,
    int Added,
    int Changed,
    int Removed,
    int Quarantined,
    DateTimeOffset AsOf)
{
    public int ChangeCount => Added + Changed + Removed;
}
