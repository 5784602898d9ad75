namespace Pricing.Catalog;

/// <summary>
/// One priced way to rent accelerators: an instance type (or SKU) of a provider, in a region (and zone
/// where the provider prices per zone), under one pricing model. Prices are exact decimals in
/// <see cref="Currency"/>, per instance-hour as the provider states them.
/// </summary>
public sealed record Offer(
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
    /// <summary>Identity across catalog versions: the same key in two versions is the same offer.</summary>
    public string OfferKey => Catalog.OfferKey.Format(Provider, Region, Zone, InstanceType, PricingModel);

    public decimal PricePerAcceleratorHour => PricePerInstanceHour / AcceleratorsPerInstance;

    /// <summary>True when nothing a quote depends on differs (effective date and ids may move without a price change).</summary>
    public bool SamePriceAs(Offer other) =>
        PricePerInstanceHour == other.PricePerInstanceHour
        && Currency == other.Currency
        && AcceleratorId == other.AcceleratorId
        && AcceleratorsPerInstance == other.AcceleratorsPerInstance;
}
