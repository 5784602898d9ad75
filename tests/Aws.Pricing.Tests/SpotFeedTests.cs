using System.Text;
using System.Text.Json.Nodes;
using Pricing.Catalog;
using Pricing.Sources;

namespace Aws.Pricing.Tests;

public sealed class SpotFeedTests
{
    private static readonly DateTimeOffset AsOf = new(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Feed(string regions, string rate = "perhr") =>
        "{\"vers\":0.01,\"config\":{\"rate\":\"" + rate + "\",\"valueColumns\":[\"linux\",\"mswin\"],\"currencies\":[\"USD\"],\"regions\":[" + regions + "]}}";

    private static string Region(string code, params (string Size, string Linux)[] sizes) =>
        new JsonObject
        {
            ["region"] = code,
            ["footnotes"] = new JsonObject { ["*"] = "notAvailableForCCorCGPU" },
            ["instanceTypes"] = new JsonArray(new JsonObject
            {
                ["type"] = "gpuCurrentGen",
                ["sizes"] = new JsonArray([.. sizes.Select(s => (JsonNode)new JsonObject
                {
                    ["size"] = s.Size,
                    ["valueColumns"] = new JsonArray(
                        new JsonObject { ["name"] = "linux", ["prices"] = new JsonObject { ["USD"] = s.Linux } },
                        new JsonObject { ["name"] = "mswin", ["prices"] = new JsonObject { ["USD"] = "N/A*" } }),
                })]),
            }),
        }.ToJsonString();

    private static Task<AwsSpotFeed> ParseAsync(string body) => AwsSpotFeedParser.ParseAsync(new MemoryStream(Encoding.UTF8.GetBytes(body)), Ct);

    private static MappingResult Map(AwsSpotFeed feed, params string[] regions) =>
        new AwsSpotMapper(AwsInstanceTypeMap.Default).Map(feed, regions.ToHashSet(StringComparer.Ordinal), AsOf);

    [Fact]
    public async Task The_JSONP_feed_and_the_plain_JSON_feed_parse_to_the_same_prices()
    {
        var json = Feed(Region("us-east-1", ("p5.48xlarge", "10.2397"), ("m5.large", "0.0381")));

        var jsonp = await ParseAsync($"callback({json});\n");
        var plain = await ParseAsync(json);

        Assert.Equal("perhr", jsonp.Rate);
        Assert.Equal([new AwsSpotPrice("us-east-1", "p5.48xlarge", "10.2397"), new AwsSpotPrice("us-east-1", "m5.large", "0.0381")], jsonp.Prices);
        Assert.Equal(jsonp.Prices, plain.Prices);
        Assert.Empty(jsonp.Malformed);
    }

    [Fact]
    public async Task Accelerated_prices_of_scraped_regions_become_spot_offers_per_region()
    {
        var feed = await ParseAsync($"callback({Feed(Region("us-east-1", ("p5.48xlarge", "10.2397"), ("m5.large", "0.0381")))});");

        var result = Map(feed, "us-east-1");

        var offer = Assert.Single(result.Offers);
        Assert.Equal(("aws", "us-east-1", (string?)null, "p5.48xlarge", PricingModels.Spot), (offer.Provider, offer.Region, offer.Zone, offer.InstanceType, offer.PricingModel));
        Assert.Equal(10.2397m, offer.PricePerInstanceHour);
        Assert.Equal("nvidia-h100-80gb", offer.AcceleratorId);
        Assert.Equal(8m, offer.AcceleratorsPerInstance);
        Assert.Equal(AsOf, offer.EffectiveDate);
        Assert.Empty(result.Quarantined);
    }

    [Fact]
    public async Task Regions_not_scraped_and_NA_prices_are_skipped_and_counted()
    {
        var feed = await ParseAsync(Feed(string.Join(",",
            Region("us-east-1", ("p5.4xlarge", "N/A*"), ("p4d.24xlarge", "2.4655")),
            Region("ap-northeast-1", ("p5.48xlarge", "23.1449")))));

        var result = Map(feed, "us-east-1");

        Assert.Equal(["p4d.24xlarge"], result.Offers.Select(o => o.InstanceType));
        Assert.Equal(1, result.Skipped[AwsSpotMapper.NotAvailable]);
        Assert.Equal(1, result.Skipped[AwsSpotMapper.RegionNotScraped]);
    }

    [Fact]
    public async Task An_unmapped_accelerated_type_and_a_bad_price_are_quarantined()
    {
        var feed = await ParseAsync(Feed(Region("us-west-2", ("dl1.24xlarge", "4.1298"), ("p5.48xlarge", "twelve"), ("p4d.24xlarge", "7.9992"))));

        var result = Map(feed, "us-west-2");

        Assert.Equal(["p4d.24xlarge"], result.Offers.Select(o => o.InstanceType));
        Assert.Contains(result.Quarantined, r => r.Rule == QuarantineRules.UnknownAccelerator && r.Row.Contains("dl1.24xlarge", StringComparison.Ordinal));
        Assert.Contains(result.Quarantined, r => r.Rule == QuarantineRules.Malformed && r.Reason.Contains("'twelve'", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_feed_whose_rate_is_not_per_hour_quarantines_every_price_as_non_hourly()
    {
        var feed = await ParseAsync(Feed(Region("us-east-1", ("p5.48xlarge", "245.75")), rate: "perday"));

        var result = Map(feed, "us-east-1");

        Assert.Empty(result.Offers);
        Assert.Equal(QuarantineRules.NonHourlyUnit, Assert.Single(result.Quarantined).Rule);
    }

    [Fact]
    public async Task Legacy_region_names_are_mapped_to_region_codes()
    {
        var feed = await ParseAsync(Feed(Region("us-east", ("p3.8xlarge", "1.4129"))));

        Assert.Equal("us-east-1", Assert.Single(feed.Prices).Region);
    }

    [Fact]
    public async Task An_entry_without_its_size_name_is_reported_malformed()
    {
        var feed = await ParseAsync(Feed("""{"region":"us-east-1","instanceTypes":[{"type":"gpuCurrentGen","sizes":[{"valueColumns":[]}]}]}"""));

        var result = Map(feed, "us-east-1");

        Assert.Equal(QuarantineRules.Malformed, Assert.Single(result.Quarantined).Rule);
    }

    [Theory]
    [InlineData("callback({\"vers\":0.01,\"config\":{\"rate\":\"perhr\",\"currencies\":[\"USD\"],\"regions\":[{\"region\":\"us-ea")]
    [InlineData("callback({\"vers\":0.01,\"config\":{\"rate\":\"perhr\",\"currencies\":[\"USD\"],\"regions\":[]}}")]
    [InlineData("<html>Access Denied</html>")]
    [InlineData("{\"vers\":0.01}")]
    [InlineData("{\"vers\":0.01,\"config\":{\"rate\":\"perhr\",\"currencies\":[\"EUR\"],\"regions\":[]}}")]
    [InlineData("")]
    public async Task A_body_that_is_not_the_whole_feed_throws(string body)
    {
        await Assert.ThrowsAsync<InvalidDataException>(() => ParseAsync(body));
    }
}
