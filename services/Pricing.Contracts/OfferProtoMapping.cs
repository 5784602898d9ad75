using Google.Protobuf.WellKnownTypes;
using Pricing.Catalog;

namespace Pricing.Contracts;

/// <summary>Maps the domain <see cref="Offer"/> to and from its proto form, exactly (prices as units + nanos).</summary>
public static class OfferProtoMapping
{
    public static V1.Offer ToProto(this Offer offer) => new()
    {
        OfferKey = offer.OfferKey,
        Provider = offer.Provider,
        Region = offer.Region,
        Zone = offer.Zone ?? "",
        InstanceType = offer.InstanceType,
        AcceleratorId = offer.AcceleratorId,
        AcceleratorsPerInstance = (double)offer.AcceleratorsPerInstance,
        Vcpus = offer.Vcpus,
        MemoryGib = (double)offer.MemoryGib,
        PricingModel = offer.PricingModel,
        PricePerInstanceHour = offer.PricePerInstanceHour.ToMoney(offer.Currency),
        PricePerAcceleratorHour = offer.PricePerAcceleratorHour.ToMoney(offer.Currency),
        EffectiveDate = Timestamp.FromDateTimeOffset(offer.EffectiveDate),
        SkuId = offer.SkuId,
        MeterId = offer.MeterId,
        Terms = PricingModels.Terms(offer.PricingModel)?.ToProto(),
    };

    public static V1.PricingTerms ToProto(this PricingTerms terms) => new()
    {
        Kind = terms.KindName,
        TermMonths = terms.TermMonths,
        PaymentOption = terms.Payment,
        PlanType = terms.PlanType ?? "",
        MovesWithDemand = terms.MovesWithDemand,
        MinBlockHours = terms.Block?.MinHours ?? 0,
        MaxBlockHours = terms.Block?.MaxHours ?? 0,
        MaxLeadDays = terms.Block?.MaxLeadDays ?? 0,
        MaxInstancesPerBlock = terms.Block?.MaxInstancesPerBlock ?? 0,
        MaxRunHours = terms.Block?.MaxRunHours ?? 0,
    };

    public static Offer FromProto(this V1.Offer offer) => new(
        offer.Provider,
        offer.Region,
        offer.Zone.Length == 0 ? null : offer.Zone,
        offer.InstanceType,
        offer.AcceleratorId,
        // The double on the wire is exact for every whole count; a fraction such as 1/6 comes back to ~15
        // significant digits, which moves a price per accelerator-hour by far less than its 9 decimal places.
        (decimal)offer.AcceleratorsPerInstance,
        offer.Vcpus,
        (decimal)offer.MemoryGib,
        offer.PricingModel,
        offer.PricePerInstanceHour.ToDecimal(),
        offer.PricePerInstanceHour.CurrencyCode,
        offer.EffectiveDate?.ToDateTimeOffset() ?? DateTimeOffset.MinValue,
        offer.SkuId,
        offer.MeterId);

    public static V1.QuarantinedRow ToProto(this QuarantinedRow row) => new()
    {
        Provider = row.Provider,
        Rule = row.Rule,
        Reason = row.Reason,
        Row = row.Row,
    };

    public static Timestamp ToProtoTimestamp(this DateTimeOffset value) =>
        Timestamp.FromDateTimeOffset(value == DateTimeOffset.MinValue ? DateTimeOffset.UnixEpoch : value);
}
