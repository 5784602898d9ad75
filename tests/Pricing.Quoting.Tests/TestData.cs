namespace Pricing.Quoting.Tests;

/// <summary>Builds offers, specs and price views; every field has a plausible default so a test states only what it is about.</summary>
internal static class TestData
{
    public const string H100 = "nvidia-h100-80gb";
    public const string A100 = "nvidia-a100-80gb";
    public const string A10 = "nvidia-a10";
    public const string A10G = "nvidia-a10g";

    /// <summary>NVIDIA H100 SXM5 dense BF16 and FP8 peaks (whitepaper v1.04, Tables 1 and 3), FLOP/s.</summary>
    public const double H100DenseBf16 = 989.4e12;
    public const double H100DenseFp8 = 1978.9e12;

    public static readonly DateTimeOffset AsOf = new(2026, 11, 28, 0, 0, 0, TimeSpan.Zero);

    public static Offer Offer(
        string instanceType = "Standard_ND96isr_H100_v5",
        string region = "eastus",
        string pricingModel = PricingModels.OnDemand,
        decimal price = 98.32m,
        string acceleratorId = H100,
        decimal acceleratorsPerInstance = 8m,
        string provider = "azure",
        string? zone = null) =>
        new(provider, region, zone, instanceType, acceleratorId, acceleratorsPerInstance, Vcpus: 96, MemoryGib: 1900m,
            pricingModel, price, "USD", AsOf, "SKU-" + instanceType, "METER-" + instanceType);

    public static Dictionary<string, Offer> ByKey(params Offer[] offers) =>
        offers.ToDictionary(o => o.OfferKey, StringComparer.Ordinal);

    /// <summary>A price view holding the given offers, one catalog per provider, each at <paramref name="version"/>.</summary>
    public static PriceViewSnapshot Prices(long version, params Offer[] offers) =>
        new(offers.GroupBy(o => o.Provider, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new PriceViewCatalog(g.Key, version, AsOf, ByKey([.. g])))
            .ToList());

    public static PriceViewSnapshot Prices(params Offer[] offers) => Prices(1, offers);

    public static QuoteSpec Spec(
        double parameters = 70e9,
        double activeParameters = 0,
        double tokens = 1.4e12,
        Precision precision = Precision.Bf16,
        IReadOnlyList<string>? acceleratorIds = null,
        int acceleratorCount = 0,
        double? mfu = null,
        IReadOnlyList<string>? clouds = null,
        IReadOnlyList<string>? regions = null,
        IReadOnlyList<string>? pricingModels = null,
        int maxOptions = 0) =>
        new(parameters, activeParameters, tokens, precision, acceleratorIds ?? [], acceleratorCount, mfu,
            clouds ?? [], regions ?? [], pricingModels ?? [], maxOptions);

    public static QuoteEngine Engine() => new(AcceleratorRegistry.Default);

    /// <summary>An efficiency model whose factors are all 1 (and range ×0.8 to ×1.2): the rows alone set MFU, for formula tests.</summary>
    public static EfficiencyModel FlatEfficiency(MfuRow fallback, params MfuRow[] rows)
    {
        var flat = new FactorCurve([new CurvePoint(1, 1)], "flat");
        return new EfficiencyModel(rows, fallback, flat, flat, flat, flat, 1, 0.8, 1.2);
    }

    /// <summary>Asserts two doubles agree to a relative tolerance (floating-point order of operations differs).</summary>
    public static void Close(double expected, double actual, double relative = 1e-12)
    {
        var tolerance = Math.Abs(expected) * relative;
        Assert.True(Math.Abs(expected - actual) <= tolerance, $"Expected {expected:R} ± {tolerance:G3}, got {actual:R}.");
    }

    /// <summary>An aws p5.48xlarge (8 × H100, 3,200 Gbps EFA, 10.2 kW node) in us-east-1: a training-grade family of instance-families.json.</summary>
    public static Offer P5(string pricingModel = PricingModels.OnDemand, decimal price = 55.04m) =>
        Offer(provider: "aws", region: "us-east-1", instanceType: "p5.48xlarge", pricingModel: pricingModel, price: price);
}
