namespace Pricing.Catalog.Tests;

/// <summary>Builds offers for the tests; every field has a plausible default so a test states only what it is about.</summary>
internal static class TestOffers
{
    public static readonly DateTimeOffset Jan1 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static Offer Make(
        string instanceType = "p5.48xlarge",
        string region = "us-east-1",
        string pricingModel = PricingModels.OnDemand,
        decimal price = 55.04m,
        string acceleratorId = "nvidia-h100-80gb",
        decimal acceleratorsPerInstance = 8m,
        string provider = "aws",
        string? zone = null,
        string currency = "USD",
        DateTimeOffset? effectiveDate = null,
        string skuId = "SKU-1",
        string meterId = "METER-1") =>
        new(provider, region, zone, instanceType, acceleratorId, acceleratorsPerInstance, Vcpus: 192, MemoryGib: 2048m,
            pricingModel, price, currency, effectiveDate ?? Jan1, skuId, meterId);

    public static Dictionary<string, Offer> ByKey(params Offer[] offers) =>
        offers.ToDictionary(o => o.OfferKey, StringComparer.Ordinal);
}
