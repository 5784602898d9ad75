using Azure.Pricing.Extensions;
using Pricing.Catalog;
using Pricing.FakeProviders;
using Pricing.Sources;

namespace Azure.Pricing.Tests;

/// <summary>
/// The Azure HTTP source in the service's composition against a fake Retail Prices API serving the bundled snapshot:
/// its paging (<c>NextPageLink</c>, api-version, filter) and its item format. What every provider shares (retries,
/// Retry-After, timeouts, truncated bodies, the partial guard, versions and events) is tested once, in
/// tests/Pricing.Sources.Tests.
/// </summary>
public sealed class HttpSourceTests : IAsyncLifetime
{
    private static readonly string H100EastUsOnDemand = OfferKey.Format("azure", "eastus", null, "Standard_ND96isr_H100_v5", PricingModels.OnDemand);

    private FakeAzureRetailPricesApi _fake = null!;
    private ProviderHttpHost _host = null!;
    private ValidatedOffers _snapshot = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private ProviderPriceCatalog Catalog => _host.Catalog;

    public async ValueTask InitializeAsync()
    {
        var scrape = await new AzureSnapshotSource().ScrapeAsync(Ct);
        _snapshot = new OfferValidator(AcceleratorRegistry.Default).Validate(scrape.Candidates, scrape.Quarantined);
        _fake = await FakeAzureRetailPricesApi.FromEmbeddedSnapshot().StartAsync(Ct);
        _host = await ProviderHttpHost.StartAsync(AzurePricingExtensions.Provider, _fake.BaseUrl, Ct);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.DisposeAsync();
        await _fake.DisposeAsync();
    }

    /// <summary>Page boundaries of the snapshot as the fake serves it: 0, 25, 50, 75.</summary>
    private int SkipOfPage(int pageIndex) => pageIndex * _fake.PageSize;

    private int PageCount => (_fake.ItemCount + _fake.PageSize - 1) / _fake.PageSize;

    [Fact]
    public async Task All_pages_publish_the_same_offers_as_the_snapshot_source()
    {
        var outcome = await Catalog.ScrapeOnceAsync(Ct);

        Assert.Equal(ScrapeResultKind.Published, outcome.Kind);
        Assert.Null(outcome.Error);
        Assert.Equal(1, outcome.Version);
        Assert.Equal(_snapshot.Offers.Count, outcome.Offers);
        Assert.Equal(_snapshot.Quarantined.Count, outcome.Quarantined);

        var expected = _snapshot.Offers.ToDictionary(o => o.OfferKey, o => o.PricePerInstanceHour, StringComparer.Ordinal);
        var actual = Catalog.Current.Offers.ToDictionary(p => p.Key, p => p.Value.PricePerInstanceHour, StringComparer.Ordinal);
        Assert.Equal(expected.OrderBy(p => p.Key, StringComparer.Ordinal), actual.OrderBy(p => p.Key, StringComparer.Ordinal));
        Assert.Equal(98.32m, Catalog.Current.Offers[H100EastUsOnDemand].PricePerInstanceHour);
        // The CPU row the quote's data processing reads, served in the API's item format: $/vCPU-hour.
        var d8 = Catalog.Current.Offers[OfferKey.Format("azure", "eastus", null, "Standard_D8s_v5", PricingModels.OnDemand)];
        Assert.Equal(("cpu-vcpu", 0.048m), (d8.AcceleratorId, d8.PricePerAcceleratorHour));

        // One request per page, following NextPageLink from $skip=0, with the api-version and filter the source is configured with.
        var requests = _fake.Requests;
        Assert.Equal(PageCount, requests.Count);
        Assert.Equal(Enumerable.Range(0, PageCount).Select(SkipOfPage), requests.Select(r => r.Skip));
        var options = new AzurePricingOptions();
        Assert.All(requests, r =>
        {
            Assert.Equal(options.ApiVersion, r.ApiVersion);
            Assert.Equal(options.Filter, r.Filter);
        });

        var status = Catalog.Status();
        Assert.False(status.Stale);
        Assert.True(status.LastAttemptSucceeded);
        Assert.StartsWith("http ", status.Source, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_malformed_item_is_quarantined_and_the_rest_is_published()
    {
        var key = OfferKey.Format("azure", "westus2", null, "Standard_NC24ads_A100_v4", PricingModels.OnDemand);
        var corrupted = _fake.CorruptItems(i =>
            FakeAzureRetailPricesApi.Field(i, "armSkuName") == "Standard_NC24ads_A100_v4"
            && FakeAzureRetailPricesApi.Field(i, "armRegionName") == "westus2"
            && FakeAzureRetailPricesApi.Field(i, "type") == "Consumption"
            && !FakeAzureRetailPricesApi.IsSpot(i));
        Assert.Equal(1, corrupted);

        var outcome = await Catalog.ScrapeOnceAsync(Ct);

        Assert.Equal(ScrapeResultKind.Published, outcome.Kind);
        Assert.Equal(_snapshot.Offers.Count - 1, outcome.Offers);
        Assert.False(Catalog.Current.Offers.ContainsKey(key));
        // The malformed row is reported with the fields that identify it and what failed to bind.
        Assert.Contains(Catalog.Current.Quarantined, r => r.Rule == QuarantineRules.Malformed
            && r.Row.Contains("armSkuName=Standard_NC24ads_A100_v4", StringComparison.Ordinal)
            && r.Row.Contains("region=westus2", StringComparison.Ordinal)
            && r.Row.Contains("retailPrice", StringComparison.Ordinal));
    }
}
