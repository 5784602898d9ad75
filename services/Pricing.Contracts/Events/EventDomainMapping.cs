using Pricing.Catalog;

namespace Pricing.Contracts.Events;

/// <summary>The one place the domain's offer and change meet the event's: publishers map to it, consumers back.</summary>
public static class EventDomainMapping
{
    public static AcceleratorPriceChanged ToEvent(this OfferChange change, string provider, long version, DateTimeOffset observedAt)
    {
        var reference = change.New ?? change.Old!;
        return new AcceleratorPriceChanged(
            provider, version, change.OfferKey, change.Kind.ToEvent(),
            reference.Region, reference.AcceleratorId, reference.PricingModel,
            change.Old?.PricePerInstanceHour, change.New?.PricePerInstanceHour,
            reference.Currency, change.New?.ToSnapshot(), observedAt);
    }

    /// <summary>The change as the price view applies it (the event carries the new offer only).</summary>
    public static OfferChange ToOfferChange(this AcceleratorPriceChanged change) =>
        new(change.Kind.ToDomain(), change.OfferKey, null, change.Offer?.ToOffer());

    public static OfferSnapshot ToSnapshot(this Offer offer) => new(
        offer.Provider, offer.Region, offer.Zone, offer.InstanceType, offer.AcceleratorId, offer.AcceleratorsPerInstance,
        offer.Vcpus, offer.MemoryGib, offer.PricingModel, offer.PricePerInstanceHour, offer.Currency, offer.EffectiveDate,
        offer.SkuId, offer.MeterId);

    public static Offer ToOffer(this OfferSnapshot offer) => new(
        offer.Provider, offer.Region, offer.Zone, offer.InstanceType, offer.AcceleratorId, offer.AcceleratorsPerInstance,
        offer.Vcpus, offer.MemoryGib, offer.PricingModel, offer.PricePerInstanceHour, offer.Currency, offer.EffectiveDate,
        offer.SkuId, offer.MeterId);

    public static ChangeKind ToEvent(this PriceChangeKind kind) => kind switch
    {
        PriceChangeKind.Added => ChangeKind.Added,
        PriceChangeKind.Changed => ChangeKind.Changed,
        PriceChangeKind.Removed => ChangeKind.Removed,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "not a change kind"),
    };

    /// <summary>Only after <see cref="PriceEventRules"/> passed (an undefined kind is rejected there).</summary>
    public static PriceChangeKind ToDomain(this ChangeKind kind) => kind switch
    {
        ChangeKind.Added => PriceChangeKind.Added,
        ChangeKind.Changed => PriceChangeKind.Changed,
        ChangeKind.Removed => PriceChangeKind.Removed,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "not a change kind"),
    };
}
