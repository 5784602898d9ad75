using Pricing.Catalog;

namespace Pricing.Contracts.Events;

/// <summary>
/// One offer changed between catalog versions <c>CatalogVersion - 1</c> and <c>CatalogVersion</c>
/// of <c>Provider</c>. Published to the topic exchange <see cref="PriceChangeTopology.ExchangeName"/>
/// with routing key <c>{provider}.{region}.{accelerator}.{pricing_model}</c>.
/// Consumers apply it once, keyed by (Provider, CatalogVersion, OfferKey).
/// Its JSON is the contract for subscribers outside this code base (docs/events.md), so it holds only the
/// contract's own types: <see cref="OfferSnapshot"/> and <see cref="ChangeKind"/>, never the domain's.
/// </summary>
public sealed record AcceleratorPriceChanged(
    string Provider,
    long CatalogVersion,
    string OfferKey,
    ChangeKind Kind,
    string Region,
    string AcceleratorId,
    string PricingModel,
    decimal? OldPricePerInstanceHour,
    decimal? NewPricePerInstanceHour,
    string Currency,
    OfferSnapshot? Offer,
    DateTimeOffset ObservedAt)
{
    public string RoutingKey => PriceChangeTopology.RoutingKey(Provider, Region, AcceleratorId, PricingModel);

    /// <summary>The event for one change of a provider's catalog diff (see <see cref="EventDomainMapping"/>).</summary>
    public static AcceleratorPriceChanged From(string provider, long version, OfferChange change, DateTimeOffset observedAt) =>
        change.ToEvent(provider, version, observedAt);
}

/// <summary>
/// What changed about an offer. On the broker it travels by name ("Added", "Changed", "Removed"); the stored history
/// keeps the numbers, so they stay those of the domain's kind.
/// </summary>
public enum ChangeKind
{
    Added = 1,
    Changed = 2,
    Removed = 3,
}

/// <summary>
/// The offer an <see cref="AcceleratorPriceChanged"/> carries, as of its catalog version: every field a subscriber
/// needs to price it. Its JSON (property names, order and types) is the published contract, and the same as the
/// domain offer's, so stored histories and running subscribers read it unchanged.
/// </summary>
public sealed record OfferSnapshot(
    string Provider,
    string Region,
    string? Zone,
    string InstanceType,
    string AcceleratorId,
    decimal AcceleratorsPerInstance,
    int Vcpus,
    decimal MemoryGib,
    string PricingModel,
    decimal PricePerInstanceHour,
    string Currency,
    DateTimeOffset EffectiveDate,
    string SkuId,
    string MeterId)
{
    /// <summary><c>provider|region|zone|instance|model</c>: the key the event's <c>OfferKey</c> must equal.</summary>
    public string OfferKey => Pricing.Catalog.OfferKey.Format(Provider, Region, Zone, InstanceType, PricingModel);

    public decimal PricePerAcceleratorHour => PricePerInstanceHour / AcceleratorsPerInstance;
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
