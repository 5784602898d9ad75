using System.Net;
using System.Text.Json.Nodes;
using Pricing.FakeProviders;

namespace Aws.Pricing.Tests;

/// <summary>The fake must behave like the API, or the HTTP tests prove nothing.</summary>
public sealed class FakeAwsPriceListApiTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task It_serves_the_recorded_documents_at_the_paths_the_indexes_name()
    {
        await using var fake = await FakeAwsPriceListApi.FromEmbeddedSnapshot().StartAsync(Ct);
        using var http = new HttpClient();

        Assert.Equal("127.0.0.1", fake.BaseUrl.Host);
        var index = JsonNode.Parse(await http.GetStringAsync(new Uri(fake.BaseUrl, "offers/v1.0/aws/index.json"), Ct))!;
        var regionIndexUrl = index["offers"]!["AmazonEC2"]!["currentRegionIndexUrl"]!.GetValue<string>();
        Assert.Equal(fake.RegionIndexPath, regionIndexUrl);

        var regionIndex = JsonNode.Parse(await http.GetStringAsync(new Uri(fake.BaseUrl, regionIndexUrl), Ct))!;
        var regions = regionIndex["regions"]!.AsObject();
        Assert.Equal(fake.Regions, regions.Select(r => r.Key).Order(StringComparer.Ordinal));
        foreach (var (region, entry) in regions)
        {
            var served = JsonNode.Parse(await http.GetStringAsync(new Uri(fake.BaseUrl, entry!["currentVersionUrl"]!.GetValue<string>()), Ct))!;
            var recorded = JsonNode.Parse(FakeAwsPriceListApi.ReadEmbedded($"offer-file-{region}.json"))!;
            Assert.True(JsonNode.DeepEquals(recorded, served), $"The {region} offer file differs from the recording.");
        }

        using var spot = await http.GetAsync(fake.SpotFeedUrl, Ct);
        var body = await spot.Content.ReadAsStringAsync(Ct);
        Assert.StartsWith("callback({", body, StringComparison.Ordinal);
        Assert.EndsWith("});", body, StringComparison.Ordinal);

        using var missing = await http.GetAsync(new Uri(fake.BaseUrl, "offers/v1.0/aws/AmazonEC2/current/nowhere/index.json"), Ct);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task Faults_apply_to_their_path_only_and_in_order()
    {
        await using var fake = await FakeAwsPriceListApi.FromEmbeddedSnapshot().StartAsync(Ct);
        using var http = new HttpClient();
        var path = fake.OfferFilePath("us-east-1");
        fake.FailNext(1, HttpStatusCode.TooManyRequests, TimeSpan.FromSeconds(3), path);

        using var other = await http.GetAsync(new Uri(fake.BaseUrl, fake.RegionIndexPath), Ct);
        using var failed = await http.GetAsync(new Uri(fake.BaseUrl, path), Ct);
        using var next = await http.GetAsync(new Uri(fake.BaseUrl, path), Ct);

        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, failed.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(3), failed.Headers.RetryAfter?.Delta);
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
        Assert.Equal(0, fake.PendingFaults);
        Assert.Equal([fake.RegionIndexPath, path, path], fake.Requests.Select(r => r.Path));
    }

    [Fact]
    public async Task A_clean_truncation_sends_half_the_body_and_ends_it()
    {
        await using var fake = await FakeAwsPriceListApi.FromEmbeddedSnapshot().StartAsync(Ct);
        using var http = new HttpClient();
        var url = new Uri(fake.BaseUrl, fake.OfferFilePath("eu-west-1"));
        var whole = await http.GetByteArrayAsync(url, Ct);
        fake.TruncateNext(1, TruncationMode.EndCleanly);

        var half = await http.GetByteArrayAsync(url, Ct);

        Assert.Equal(whole.Length / 2, half.Length);
        Assert.Equal(whole[..half.Length], half);
    }

    [Fact]
    public async Task Mutations_change_only_the_plain_Linux_row_and_removals_take_the_terms_too()
    {
        await using var fake = await FakeAwsPriceListApi.FromEmbeddedSnapshot().StartAsync(Ct);
        using var http = new HttpClient();

        // us-east-1 p5.48xlarge has a plain row and an unused-capacity-reservation row: only the first changes.
        Assert.Equal(1, fake.SetOnDemandPrice("us-east-1", "p5.48xlarge", "1.0000000000"));
        Assert.Equal(2, fake.RemoveProducts("us-east-2", t => t == "p3.8xlarge"));

        var east2 = JsonNode.Parse(await http.GetStringAsync(new Uri(fake.BaseUrl, fake.OfferFilePath("us-east-2")), Ct))!;
        Assert.DoesNotContain(east2["products"]!.AsObject(), p => FakeAwsPriceListApi.Attribute(p.Value, "instanceType") == "p3.8xlarge");
        Assert.DoesNotContain("9ZEEN7WWWQKAG292", east2["terms"]!["OnDemand"]!.AsObject().Select(t => t.Key));
        var east1 = await http.GetStringAsync(new Uri(fake.BaseUrl, fake.OfferFilePath("us-east-1")), Ct);
        Assert.Contains("\"USD\": \"1.0000000000\"", east1, StringComparison.Ordinal);
        Assert.Contains("\"USD\": \"55.0400000000\"", east1, StringComparison.Ordinal);
    }
}
