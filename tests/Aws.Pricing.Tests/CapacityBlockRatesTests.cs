using Pricing.Catalog;

namespace Aws.Pricing.Tests;

/// <summary>Capacity Blocks for ML: the cited rate file (Data/aws-capacity-block-rates.json) as capacity_block offers.</summary>
public sealed class CapacityBlockRatesTests
{
    private static readonly HashSet<string> AllRegions = new(AwsPricingOptions.DefaultRegions, StringComparer.Ordinal);

    private static AwsCapacityBlockRate Rate(string instanceType = "p5.48xlarge", string region = "us-east-2", string? instanceHour = "39.33",
        string? acceleratorHour = "4.916", string unit = AwsCapacityBlockRates.InstanceHour) =>
        new(instanceType, region, instanceHour, acceleratorHour, unit, "2024-12-01", "test row");

    private static global::Pricing.Sources.MappingResult Map(params AwsCapacityBlockRate[] rates) =>
        new AwsCapacityBlockRates(rates).Map(AwsInstanceTypeMap.Default, AllRegions);

    [Fact]
    public void The_shipped_rates_are_cited_consistent_and_all_priced()
    {
        var rates = AwsCapacityBlockRates.Default;
        var result = rates.Map(AwsInstanceTypeMap.Default, AllRegions);

        Assert.NotEmpty(rates.Rates);
        Assert.All(rates.Rates, r => Assert.Contains("capacityblocks/pricing", r.Source, StringComparison.Ordinal));
        Assert.Empty(result.Quarantined);
        Assert.Equal(rates.Rates.Count, result.Offers.Count);
        Assert.All(result.Offers, o => Assert.Equal(PricingModels.CapacityBlock, o.PricingModel));
        Assert.Empty(new OfferValidator(AcceleratorRegistry.Default).Validate(result.Offers, []).Quarantined);
    }

    [Fact]
    public void An_instance_hour_rate_is_the_offers_price_with_the_instance_facts_from_the_map()
    {
        var offer = Assert.Single(Map(Rate()).Offers);

        Assert.Equal(("us-east-2", null, "p5.48xlarge", "nvidia-h100-80gb", 8m), (offer.Region, offer.Zone, offer.InstanceType, offer.AcceleratorId, offer.AcceleratorsPerInstance));
        Assert.Equal(39.33m, offer.PricePerInstanceHour);
        Assert.Equal(new DateTimeOffset(2024, 12, 1, 0, 0, 0, TimeSpan.Zero), offer.EffectiveDate);
        Assert.Equal("capacity-block:p5.48xlarge:us-east-2", offer.MeterId);
    }

    [Fact]
    public void An_accelerator_hour_rate_is_multiplied_by_the_maps_accelerator_count()
    {
        var offer = Assert.Single(Map(Rate("trn1.32xlarge", "ap-southeast-4", instanceHour: null, acceleratorHour: "0.968", unit: AwsCapacityBlockRates.AcceleratorHour)).Offers);

        Assert.Equal(0.968m * 16, offer.PricePerInstanceHour);
    }

    [Theory]
    [InlineData("39.33", "5.5", AwsCapacityBlockRates.InstanceHour, QuarantineRules.Malformed, "does not give")]
    [InlineData("about 40", null, AwsCapacityBlockRates.InstanceHour, QuarantineRules.Malformed, "'about 40'")]
    [InlineData(null, "4.916", AwsCapacityBlockRates.InstanceHour, QuarantineRules.Malformed, "no instance-hour rate")]
    [InlineData("943.92", null, "instance-day", QuarantineRules.NonHourlyUnit, "'instance-day'")]
    public void A_row_that_cannot_be_priced_is_quarantined_with_its_reason(string? instanceHour, string? acceleratorHour, string unit, string rule, string reason)
    {
        var result = Map(Rate(instanceHour: instanceHour, acceleratorHour: acceleratorHour, unit: unit), Rate("p4d.24xlarge", "us-west-2", "14.75", "1.844"));

        var row = Assert.Single(result.Quarantined);
        Assert.Equal(rule, row.Rule);
        Assert.Contains(reason, row.Reason, StringComparison.Ordinal);
        Assert.Contains("instanceType=p5.48xlarge region=us-east-2", row.Row, StringComparison.Ordinal);
        Assert.Equal("p4d.24xlarge", Assert.Single(result.Offers).InstanceType);
    }

    [Fact]
    public void An_unmapped_type_is_unknown_and_a_region_not_scraped_is_skipped()
    {
        var result = new AwsCapacityBlockRates([Rate("dl1.24xlarge"), Rate(region: "us-east-1")])
            .Map(AwsInstanceTypeMap.Default, new HashSet<string>(["us-east-2"], StringComparer.Ordinal));

        Assert.Equal(QuarantineRules.UnknownAccelerator, Assert.Single(result.Quarantined).Rule);
        Assert.Equal(1, result.Skipped[AwsCapacityBlockRates.RegionNotScraped]);
        Assert.Empty(result.Offers);
    }

    [Fact]
    public void A_rate_file_row_without_a_source_is_rejected_at_load()
    {
        const string json = """{"rates": [{"instanceType": "p5.48xlarge", "region": "us-east-1", "pricePerInstanceHour": "39.33", "rateUnit": "instance-hour", "asOf": "2024-12-01", "source": " "}]}""";

        Assert.Throws<InvalidDataException>(() => AwsCapacityBlockRates.Load(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(json))));
    }
}
