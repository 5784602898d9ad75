using System.Diagnostics;
using System.Net;
using Pricing.Catalog;
using Pricing.FakeProviders;
using Pricing.Contracts.Events;
using Pricing.Sources;

namespace Azure.Pricing.Tests;

/// <summary>
/// The HTTP source through the service's real HttpClient pipeline (retries honouring Retry-After, per-attempt
/// timeout) and the provider catalog, against a fake Retail Prices API serving the bundled snapshot.
/// </summary>
public sealed class HttpSourceTests : IAsyncLifetime
{
    private static readonly TimeSpan EventTimeout = TimeSpan.FromSeconds(10);
    private static readonly string H100EastUsOnDemand = Offer.KeyOf("azure", "eastus", null, "Standard_ND96isr_H100_v5", PricingModels.OnDemand);

    private FakeAzureRetailPricesApi _fake = null!;
    private AzureHttpHost _host = null!;
    private ValidatedOffers _snapshot = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private ProviderPriceCatalog Catalog => _host.Catalog;

    public async ValueTask InitializeAsync()
    {
        var scrape = await new AzureSnapshotSource().ScrapeAsync(Ct);
        _snapshot = new OfferValidator(AcceleratorRegistry.Default).Validate(scrape.Candidates, scrape.Quarantined);
        _fake = await FakeAzureRetailPricesApi.FromEmbeddedSnapshot().StartAsync(Ct);
        _host = await AzureHttpHost.StartAsync(_fake.BaseUrl, Ct);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.DisposeAsync();
        await _fake.DisposeAsync();
    }

    /// <summary>Page boundaries of the snapshot as the fake serves it: 0, 25, 50, 75.</summary>
    private int SkipOfPage(int pageIndex) => pageIndex * _fake.PageSize;

    private int PageCount => (_fake.ItemCount + _fake.PageSize - 1) / _fake.PageSize;

    private async Task<CatalogSnapshot> PublishFirstVersionAsync()
    {
        var outcome = await Catalog.ScrapeOnceAsync(Ct);
        Assert.Equal(ScrapeResultKind.Published, outcome.Kind);
        Assert.Equal(1, outcome.Version);
        return Catalog.Current;
    }

    private void AssertKeptAndStale(CatalogSnapshot before, ScrapeOutcome outcome)
    {
        Assert.Equal(before.Version, outcome.Version);
        Assert.Same(before, Catalog.Current);
        Assert.Equal(_snapshot.Offers.Count, Catalog.Current.Offers.Count);
        var status = Catalog.Status();
        Assert.True(status.Stale);
        Assert.False(status.LastAttemptSucceeded);
        Assert.False(string.IsNullOrEmpty(status.LastError));
    }

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

        var published = await _host.Events.WaitForVersionAsync(1, EventTimeout);
        Assert.Equal(_snapshot.Offers.Count, published.OfferCount);
        Assert.Equal(_snapshot.Offers.Count, published.Added);
        Assert.Equal(0, published.PreviousVersion);
        Assert.All(_host.Events.Changes, c => Assert.Equal(ChangeKind.Added, c.Kind));
        Assert.Equal(_snapshot.Offers.Count, _host.Events.Changes.Count);
    }

    [Fact]
    public async Task A_429_with_Retry_After_is_retried_after_the_time_it_asks_for()
    {
        _fake.FailNext(1, HttpStatusCode.TooManyRequests, retryAfter: TimeSpan.FromSeconds(1), atSkip: SkipOfPage(1));

        var stopwatch = Stopwatch.StartNew();
        var outcome = await Catalog.ScrapeOnceAsync(Ct);
        stopwatch.Stop();

        Assert.Equal(ScrapeResultKind.Published, outcome.Kind);
        Assert.Equal(_snapshot.Offers.Count, outcome.Offers);
        Assert.Equal(0, _fake.PendingFaults);
        Assert.Equal(PageCount + 1, _fake.RequestCount);
        Assert.Equal(SkipOfPage(1), _fake.Requests[1].Skip);
        Assert.Equal(SkipOfPage(1), _fake.Requests[2].Skip);
        // The configured back-off is 50 ms; only the Retry-After header makes the retry wait a second.
        Assert.True(stopwatch.Elapsed >= TimeSpan.FromMilliseconds(950), $"The scrape took {stopwatch.Elapsed}: Retry-After: 1 was not honoured.");
    }

    [Fact]
    public async Task Two_503s_are_retried_and_the_scrape_succeeds()
    {
        _fake.FailNext(2, HttpStatusCode.ServiceUnavailable);

        var outcome = await Catalog.ScrapeOnceAsync(Ct);

        Assert.Equal(ScrapeResultKind.Published, outcome.Kind);
        Assert.Equal(_snapshot.Offers.Count, outcome.Offers);
        Assert.Equal(0, _fake.PendingFaults);
        Assert.Equal(PageCount + 2, _fake.RequestCount);
    }

    [Fact]
    public async Task A_page_that_times_out_is_retried_and_the_scrape_succeeds()
    {
        _fake.DelayNext(1, TimeSpan.FromSeconds(30), atSkip: SkipOfPage(2));

        var stopwatch = Stopwatch.StartNew();
        var outcome = await Catalog.ScrapeOnceAsync(Ct);
        stopwatch.Stop();

        Assert.Equal(ScrapeResultKind.Published, outcome.Kind);
        Assert.Equal(_snapshot.Offers.Count, outcome.Offers);
        Assert.Equal(PageCount + 1, _fake.RequestCount);
        // Cut by the 2 s attempt timeout, not by the 30 s delay.
        Assert.InRange(stopwatch.Elapsed, AzureHttpHost.AttemptTimeout * 0.9, TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task A_page_failing_more_often_than_the_retries_fails_the_scrape_and_keeps_the_catalog()
    {
        var before = await PublishFirstVersionAsync();
        var requestsBefore = _fake.RequestCount;
        _fake.FailNext(AzureHttpHost.MaxRetries + 1, HttpStatusCode.ServiceUnavailable, atSkip: SkipOfPage(2));

        var outcome = await Catalog.ScrapeOnceAsync(Ct);

        Assert.Equal(ScrapeResultKind.Failed, outcome.Kind);
        Assert.Contains("503", outcome.Error, StringComparison.Ordinal);
        AssertKeptAndStale(before, outcome);
        // Pages 0 and 1, then every attempt at page 2; nothing after it.
        Assert.Equal(2 + AzureHttpHost.MaxRetries + 1, _fake.RequestCount - requestsBefore);
        Assert.Equal(0, _fake.PendingFaults);

        // The next good scrape is the next version, with nothing changed, and the catalog is fresh again.
        var recovered = await Catalog.ScrapeOnceAsync(Ct);
        Assert.Equal(ScrapeResultKind.Published, recovered.Kind);
        Assert.Equal(2, recovered.Version);
        Assert.Equal(0, recovered.Changes);
        Assert.False(Catalog.Status().Stale);

        var v2 = await _host.Events.WaitForVersionAsync(2, EventTimeout);
        Assert.Equal(1, v2.PreviousVersion);
        Assert.Equal(0, v2.ChangeCount);
        Assert.Equal([1L, 2L], _host.Events.Catalogs.Select(c => c.CatalogVersion).Order());
    }

    [Theory]
    [InlineData(TruncationMode.EndCleanly)]
    [InlineData(TruncationMode.AbortConnection)]
    public async Task A_truncated_page_fails_the_scrape_and_removes_nothing(TruncationMode mode)
    {
        var before = await PublishFirstVersionAsync();
        var requestsBefore = _fake.Requests.Count;
        // As many truncations as attempts, so the outcome does not depend on whether a cut body is retried.
        _fake.TruncateNext(AzureHttpHost.MaxRetries + 1, mode, atSkip: SkipOfPage(1));

        var outcome = await Catalog.ScrapeOnceAsync(Ct);

        Assert.Equal(ScrapeResultKind.Failed, outcome.Kind);
        AssertKeptAndStale(before, outcome);
        Assert.Contains(_fake.Requests.Skip(requestsBefore), r => r.Skip == SkipOfPage(1));
        Assert.DoesNotContain(_fake.Requests.Skip(requestsBefore), r => r.Skip > SkipOfPage(1));
        await _host.Events.WaitForVersionAsync(1, EventTimeout);
        Assert.DoesNotContain(_host.Events.Changes, c => c.Kind == ChangeKind.Removed);
    }

    [Fact]
    public async Task A_body_that_stalls_mid_page_once_is_retried_within_the_attempt_timeout()
    {
        await PublishFirstVersionAsync();
        _fake.TruncateNext(1, TruncationMode.Stall, atSkip: SkipOfPage(1));
        using var guard = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        guard.CancelAfter(TimeSpan.FromSeconds(20));
        var started = System.Diagnostics.Stopwatch.StartNew();

        var outcome = await Catalog.ScrapeOnceAsync(guard.Token);

        Assert.Equal(ScrapeResultKind.Published, outcome.Kind);
        Assert.True(started.Elapsed >= AzureHttpHost.AttemptTimeout, $"The stalled attempt should have timed out first; took {started.Elapsed}.");
        Assert.Equal(0, _fake.PendingFaults);
    }

    [Fact]
    public async Task A_body_that_stalls_on_every_attempt_fails_the_scrape_in_bounded_time()
    {
        var before = await PublishFirstVersionAsync();
        _fake.TruncateNext(AzureHttpHost.MaxRetries + 1, TruncationMode.Stall, atSkip: SkipOfPage(1));
        using var guard = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        guard.CancelAfter(TimeSpan.FromSeconds(60));

        var outcome = await Catalog.ScrapeOnceAsync(guard.Token);

        Assert.Equal(ScrapeResultKind.Failed, outcome.Kind);
        AssertKeptAndStale(before, outcome);
    }

    [Fact]
    public async Task A_price_change_at_the_provider_is_the_next_version_with_exactly_one_change()
    {
        await PublishFirstVersionAsync();
        Assert.True(_fake.SetRetailPrice("Standard_ND96isr_H100_v5", "eastus", "Consumption", spot: false, 90.00m) >= 1);

        var outcome = await Catalog.ScrapeOnceAsync(Ct);

        Assert.Equal(ScrapeResultKind.Published, outcome.Kind);
        Assert.Equal(2, outcome.Version);
        Assert.Equal(1, outcome.Changes);
        Assert.Equal(_snapshot.Offers.Count, outcome.Offers);
        Assert.Equal(90.00m, Catalog.Current.Offers[H100EastUsOnDemand].PricePerInstanceHour);

        var v2 = await _host.Events.WaitForVersionAsync(2, EventTimeout);
        Assert.Equal((0, 1, 0), (v2.Added, v2.Changed, v2.Removed));
        var change = Assert.Single(_host.Events.Changes, c => c.CatalogVersion == 2);
        Assert.Equal(ChangeKind.Changed, change.Kind);
        Assert.Equal(H100EastUsOnDemand, change.OfferKey);
        Assert.Equal(98.32m, change.OldPricePerInstanceHour);
        Assert.Equal(90.00m, change.NewPricePerInstanceHour);
        Assert.Equal("nvidia-h100-80gb", change.AcceleratorId);
    }

    [Fact]
    public async Task A_scrape_with_far_fewer_offers_is_rejected_as_partial_and_the_catalog_stays()
    {
        var before = await PublishFirstVersionAsync();
        var removed = _fake.RemoveItems(i => FakeAzureRetailPricesApi.Field(i, "armSkuName") != "Standard_ND96isr_H100_v5");
        Assert.True(removed > 0);

        var outcome = await Catalog.ScrapeOnceAsync(Ct);

        Assert.Equal(ScrapeResultKind.RejectedAsPartial, outcome.Kind);
        Assert.Contains("Partial", outcome.Error, StringComparison.Ordinal);
        Assert.True(outcome.Offers > 0 && outcome.Offers < _snapshot.Offers.Count * 0.8, $"{outcome.Offers} offers");
        AssertKeptAndStale(before, outcome);
        Assert.True(Catalog.Current.Offers.ContainsKey(Offer.KeyOf("azure", "westus2", null, "Standard_NC24ads_A100_v4", PricingModels.OnDemand)));
        await _host.Events.WaitForVersionAsync(1, EventTimeout);
        Assert.DoesNotContain(_host.Events.Catalogs, c => c.CatalogVersion > 1);
    }

    [Fact]
    public async Task A_malformed_item_is_quarantined_and_the_rest_is_published()
    {
        var key = Offer.KeyOf("azure", "westus2", null, "Standard_NC24ads_A100_v4", PricingModels.OnDemand);
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
