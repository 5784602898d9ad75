using System.Net;
using System.Text.Json.Nodes;
using Pricing.FakeProviders;

namespace Gcp.Pricing.Tests;

/// <summary>The fake must behave like the API, or the HTTP tests prove nothing.</summary>
public sealed class FakeGcpCloudBillingApiTests
{
    private const string Compute = "6F81-5844-456A";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Uri Url(FakeGcpCloudBillingApi fake, string query) => new(fake.BaseUrl, $"v1/services/{Compute}/skus?{query}");

    private static async Task<(HttpStatusCode Status, JsonObject Body)> GetAsync(HttpClient http, Uri url)
    {
        using var response = await http.GetAsync(url, Ct);
        return (response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!.AsObject());
    }

    [Fact]
    public async Task It_serves_every_recorded_SKU_once_in_pages_of_the_requested_size_linked_by_tokens()
    {
        var recorded = FakeGcpCloudBillingApi.ReadEmbeddedSnapshotPages()[Compute]
            .SelectMany(p => JsonNode.Parse(p)!["skus"]!.AsArray().Select(s => s!.ToJsonString()))
            .ToList();
        await using var fake = await FakeGcpCloudBillingApi.FromEmbeddedSnapshot().StartAsync(Ct);
        using var http = new HttpClient();

        Assert.Equal("127.0.0.1", fake.BaseUrl.Host);
        var served = new List<string>();
        var query = $"key={FakeGcpCloudBillingApi.DefaultApiKey}&pageSize=30";
        var pages = 0;
        while (true)
        {
            var (status, body) = await GetAsync(http, Url(fake, query));
            Assert.Equal(HttpStatusCode.OK, status);
            var skus = body["skus"]!.AsArray();
            Assert.InRange(skus.Count, 1, 30);
            served.AddRange(skus.Select(s => s!.ToJsonString()));
            pages++;
            var token = body["nextPageToken"]!.GetValue<string>();
            if (token == "")
            {
                break;
            }

            query = $"key={FakeGcpCloudBillingApi.DefaultApiKey}&pageSize=30&pageToken={Uri.EscapeDataString(token)}";
        }

        Assert.Equal(recorded, served);
        Assert.Equal((recorded.Count + 29) / 30, pages);
    }

    [Fact]
    public async Task A_wrong_key_gets_the_APIs_400_API_KEY_INVALID_body_and_no_key_a_403()
    {
        await using var fake = await FakeGcpCloudBillingApi.FromEmbeddedSnapshot().StartAsync(Ct);
        using var http = new HttpClient();

        var (wrongStatus, wrong) = await GetAsync(http, Url(fake, "key=nope"));
        var (missingStatus, missing) = await GetAsync(http, Url(fake, "pageSize=10"));

        Assert.Equal(HttpStatusCode.BadRequest, wrongStatus);
        Assert.Equal("API_KEY_INVALID", wrong["error"]!["details"]![0]!["reason"]!.GetValue<string>());
        Assert.Equal("INVALID_ARGUMENT", wrong["error"]!["status"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.Forbidden, missingStatus);
        Assert.Equal(403, missing["error"]!["code"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_token_it_never_issued_is_a_400()
    {
        await using var fake = await FakeGcpCloudBillingApi.FromEmbeddedSnapshot().StartAsync(Ct);
        using var http = new HttpClient();

        var (status, body) = await GetAsync(http, Url(fake, $"key={FakeGcpCloudBillingApi.DefaultApiKey}&pageToken=made-up"));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("token", body["error"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Injected_failures_hit_the_page_they_target_with_Retry_After_in_seconds()
    {
        await using var fake = await FakeGcpCloudBillingApi.FromEmbeddedSnapshot().StartAsync(Ct);
        using var http = new HttpClient();
        fake.FailNext(1, HttpStatusCode.TooManyRequests, TimeSpan.FromMilliseconds(1500), at: 1);

        using var first = await http.GetAsync(Url(fake, $"key={FakeGcpCloudBillingApi.DefaultApiKey}&pageSize=10"), Ct);
        var token = JsonNode.Parse(await first.Content.ReadAsStringAsync(Ct))!["nextPageToken"]!.GetValue<string>();
        using var second = await http.GetAsync(Url(fake, $"key={FakeGcpCloudBillingApi.DefaultApiKey}&pageSize=10&pageToken={Uri.EscapeDataString(token)}"), Ct);
        using var again = await http.GetAsync(Url(fake, $"key={FakeGcpCloudBillingApi.DefaultApiKey}&pageSize=10&pageToken={Uri.EscapeDataString(token)}"), Ct);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, second.StatusCode);
        Assert.Equal("2", second.Headers.RetryAfter?.Delta?.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal([0, 1, 1], fake.Requests.Select(r => r.Page));
        Assert.Equal(0, fake.PendingFaults);
    }

    [Fact]
    public async Task A_truncated_page_is_not_valid_JSON()
    {
        await using var fake = await FakeGcpCloudBillingApi.FromEmbeddedSnapshot().StartAsync(Ct);
        using var http = new HttpClient();
        fake.TruncateNext(1);

        var text = await http.GetStringAsync(Url(fake, $"key={FakeGcpCloudBillingApi.DefaultApiKey}"), Ct);

        Assert.ThrowsAny<System.Text.Json.JsonException>(() => JsonNode.Parse(text));
    }

    [Fact]
    public async Task A_price_set_on_a_SKU_is_served_as_units_and_nanos()
    {
        await using var fake = await FakeGcpCloudBillingApi.FromEmbeddedSnapshot().StartAsync(Ct);

        Assert.Equal(1, fake.SetUnitPrice("039F-D0DA-4055", 3.123456789m));

        var sku = fake.Skus(Compute).Single(s => FakeGcpCloudBillingApi.SkuId(s) == "039F-D0DA-4055");
        var price = sku["pricingInfo"]![0]!["pricingExpression"]!["tieredRates"]![0]!["unitPrice"]!;
        Assert.Equal("3", price["units"]!.GetValue<string>());
        Assert.Equal(123456789, price["nanos"]!.GetValue<long>());
    }
}
