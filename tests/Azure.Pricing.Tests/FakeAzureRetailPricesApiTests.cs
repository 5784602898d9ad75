using System.Net;
using System.Text.Json.Nodes;
using Pricing.FakeProviders;

namespace Azure.Pricing.Tests;

/// <summary>The fake must behave like the API, or the HTTP tests prove nothing.</summary>
public sealed class FakeAzureRetailPricesApiTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private const string Query = "api-version=2023-01-01-preview&$filter=serviceName%20eq%20%27Virtual%20Machines%27";

    private static async Task<JsonObject> GetPageAsync(HttpClient http, Uri url)
    {
        using var response = await http.GetAsync(url, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!.AsObject();
    }

    [Fact]
    public async Task It_serves_the_recorded_pages_and_links_each_to_the_next_on_itself()
    {
        var recorded = FakeAzureRetailPricesApi.ReadEmbeddedSnapshotPages();
        await using var fake = await FakeAzureRetailPricesApi.FromEmbeddedSnapshot().StartAsync(Ct);
        using var http = new HttpClient();

        Assert.Equal("127.0.0.1", fake.BaseUrl.Host);
        Assert.EndsWith("/", fake.BaseUrl.AbsolutePath, StringComparison.Ordinal);

        var url = new Uri(fake.BaseUrl, $"api/retail/prices?{Query}");
        for (var i = 0; i < recorded.Count; i++)
        {
            var served = await GetPageAsync(http, url);
            var expected = JsonNode.Parse(recorded[i])!.AsObject();

            Assert.True(JsonNode.DeepEquals(expected["Items"], served["Items"]), $"Page {i} items differ from the recording.");
            Assert.Equal(expected["Count"]!.GetValue<int>(), served["Count"]!.GetValue<int>());
            Assert.Equal("USD", served["BillingCurrency"]!.GetValue<string>());

            var next = served["NextPageLink"]?.GetValue<string>();
            if (i == recorded.Count - 1)
            {
                Assert.Null(next);
                break;
            }

            Assert.NotNull(next);
            Assert.StartsWith($"{fake.BaseUrl}api/retail/prices?{Query}&$skip=", next, StringComparison.Ordinal);
            url = new Uri(next);
        }

        Assert.Equal(recorded.Count, fake.RequestCount);
    }

    [Fact]
    public async Task Injected_failures_apply_to_the_next_requests_with_Retry_After_in_seconds()
    {
        await using var fake = await FakeAzureRetailPricesApi.FromEmbeddedSnapshot().StartAsync(Ct);
        using var http = new HttpClient();
        var url = new Uri(fake.BaseUrl, $"api/retail/prices?{Query}");
        fake.FailNext(2, HttpStatusCode.TooManyRequests, TimeSpan.FromSeconds(1.5));

        using (var first = await http.GetAsync(url, Ct))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, first.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(2), first.Headers.RetryAfter?.Delta);
        }

        using (var second = await http.GetAsync(url, Ct))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, second.StatusCode);
        }

        await GetPageAsync(http, url);
        Assert.Equal(3, fake.RequestCount);
        Assert.Equal(0, fake.PendingFaults);
    }

    [Fact]
    public async Task A_cleanly_truncated_page_is_status_200_with_half_a_body()
    {
        await using var fake = await FakeAzureRetailPricesApi.FromEmbeddedSnapshot().StartAsync(Ct);
        using var http = new HttpClient();
        var url = new Uri(fake.BaseUrl, $"api/retail/prices?{Query}");
        var full = await http.GetStringAsync(url, Ct);
        fake.TruncateNext(1);

        using var response = await http.GetAsync(url, Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(full.Length / 2, body.Length);
        Assert.StartsWith(body, full, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Mutations_change_what_is_served_and_removals_repaginate()
    {
        await using var fake = await FakeAzureRetailPricesApi.FromEmbeddedSnapshot().StartAsync(Ct);
        using var http = new HttpClient();
        var total = fake.ItemCount;

        Assert.Equal(0, fake.SetRetailPrice("Standard_Nothing", "eastus", "Consumption", false, 1m));
        var changed = fake.SetRetailPrice("Standard_ND96isr_H100_v5", "eastus", "Consumption", spot: true, 17.5m);
        Assert.Equal(1, changed);
        var removed = fake.RemoveItems(i => FakeAzureRetailPricesApi.Field(i, "armRegionName") != "eastus");
        Assert.True(removed > 0);
        Assert.Equal(total - removed, fake.ItemCount);

        var items = new List<JsonObject>();
        Uri? url = new(fake.BaseUrl, $"api/retail/prices?{Query}");
        while (url is not null)
        {
            var page = await GetPageAsync(http, url);
            items.AddRange(page["Items"]!.AsArray().Select(i => i!.AsObject()));
            url = page["NextPageLink"]?.GetValue<string>() is { } next ? new Uri(next) : null;
        }

        Assert.Equal(total - removed, items.Count);
        Assert.All(items, i => Assert.Equal("eastus", FakeAzureRetailPricesApi.Field(i, "armRegionName")));
        var spot = Assert.Single(items, i => FakeAzureRetailPricesApi.Field(i, "armSkuName") == "Standard_ND96isr_H100_v5" && FakeAzureRetailPricesApi.IsSpot(i));
        Assert.Equal(17.5m, spot["retailPrice"]!.GetValue<decimal>());
    }
}
