namespace Pricing.Contracts.V1;

/// <summary>An option's offer key in either view: the full view carries it, the basic one the fields it joins.</summary>
public sealed partial class QuoteOption
{
    /// <summary>"{provider}|{region}|{zone}|{instance_type}|{pricing_model}", as <c>offer_key</c> has it in the full view.</summary>
    public string KeyOfOffer() =>
        OfferKey.Length > 0 ? OfferKey : Pricing.Catalog.OfferKey.Format(Provider, Region, Zone, InstanceType, PricingModel);
}
