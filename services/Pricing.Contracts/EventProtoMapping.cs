using Pricing.Contracts.Events;

namespace Pricing.Contracts;

/// <summary>Maps the broker's price-change message to the proto event gRPC clients receive (prices exactly, as units + nanos).</summary>
public static class EventProtoMapping
{
    public static V1.AcceleratorPriceChangedEvent ToProto(this AcceleratorPriceChanged change)
    {
        var proto = new V1.AcceleratorPriceChangedEvent
        {
            Provider = change.Provider,
            CatalogVersion = change.CatalogVersion,
            OfferKey = change.OfferKey,
            Kind = change.Kind switch
            {
                ChangeKind.Added => V1.PriceChangeKind.Added,
                ChangeKind.Changed => V1.PriceChangeKind.Changed,
                ChangeKind.Removed => V1.PriceChangeKind.Removed,
                _ => V1.PriceChangeKind.Unspecified,
            },
            ObservedAt = change.ObservedAt.ToProtoTimestamp(),
            Offer = change.Offer?.ToOffer().ToProto(),
        };
        if (change.OldPricePerInstanceHour is { } old)
        {
            proto.OldPricePerInstanceHour = old.ToMoney(change.Currency);
        }

        if (change.NewPricePerInstanceHour is { } @new)
        {
            proto.NewPricePerInstanceHour = @new.ToMoney(change.Currency);
        }

        return proto;
    }
}
