using System.Net;
using System.Text.Json.Nodes;
using Pricing.Catalog;
using Pricing.Contracts.Events;
using Pricing.FakeProviders;
using Pricing.Sources;

namespace Gcp.Pricing.Tests;

/// <summary>
/// The HTTP source through the service's real HttpClient pipeline (retries honouring Retry-After, per-attempt timeout)
/// and the provider catalog, against a fake Cloud Billing Catalog API serving the bundled snapshot.
/// </summary>
public sealed class HttpSourceTests : IAsyncLifetime
{
    private const string Compute = "6F81-5844-456A";
    private const string Tpu = "E000-3F24-B8AA";
    private static readonly TimeSpan EventTimeout = TimeSpan.FromSeconds(10);
    private static readonly string H100VirginiaVm = Offer.KeyOf("gcp", "us-east4", null, "a3-highgpu-8g", PricingModels.OnDemand);

    private FakeGcpCloudBillingApi _fake = null!;
    private GcpHttpHost _host = null!;
    private ValidatedOffers _snapshot = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private ProviderPriceCatalog Catalog => _host.Catalog;

    public async ValueTask InitializeAsync()
    {
        var scrape = await new GcpSnapshotSource().ScrapeAsync(Ct);
        _snapshot = new OfferValidator(AcceleratorRegistry.Default).Validate(scrape.Candidates, scrape.Quarantined);
        _fake = await FakeGcpCloudBillingApi.FromEmbeddedSnapshot().StartAsync(Ct);
        _host = await GcpHttpHost.StartAsync(_fake.BaseUrl, FakeGcpCloudBillingApi.DefaultApiKey, Ct);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.DisposeAsync();
        await _fake.DisposeAsync();
    }

    private int PagesOf(string service) => (_fake.SkuCount(service) + GcpHttpHost.PageSize - 1) / GcpHttpHost.PageSize;

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
        var status = Catalog.Status();
        Assert.True(status.Stale);
        Assert.False(status.LastAttemptSucceeded);
        Assert.False(string.IsNullOrEmpty(status.LastError));
    }

    [Fact]
    public async Task All_pages_of_both_services_publish_the_same_offers_as_the_snapshot_source()
    {
        var outcome = await Catalog.ScrapeOnceAsync(Ct);

        Assert.Equal(ScrapeResultKind.Published, outcome.Kind);
        Assert.Null(outcome.Error);
        Assert.Equal(_snapshot.Offers.Count, outcome.Offers);
        Assert.Equal(_snapshot.Quarantined.Count, outcome.Quarantined);
        var expected = _snapshot.Offers.ToDictionary(o => o.OfferKey, o => o.PricePerInstanceHour, StringComparer.Ordinal);
        var actual = Catalog.Current.Offers.ToDictionary(p => p.Key, p => p.Value.PricePerInstanceHour, StringComparer.Ordinal);
        Assert.Equal(expected.OrderBy(p => p.Key, StringComparer.Ordinal), actual.OrderBy(p => p.Key, StringComparer.Ordinal));

        // Every page once, each service from its first page, following nextPageToken, with the configured page size,
        // currency and key.
        var requests = _fake.Requests;
        Assert.True(PagesOf(Compute) > 1, "The snapshot must span several pages at this page size.");
        Assert.Equal(Enumerable.Range(0, PagesOf(Compute)), requests.Where(r => r.ServiceId == Compute).Select(r => r.Page));
        Assert.Equal(Enumerable.Range(0, PagesOf(Tpu)), requests.Where(r => r.ServiceId == Tpu).Select(r => r.Page));
        Assert.Equal(PagesOf(Compute) + PagesOf(Tpu), requests.Count);
        Assert.All(requests, r =>
        {
            Assert.True(r.KeyAccepted);
            Assert.Equal(GcpHttpHost.PageSize, r.PageSize);
            Assert.Equal("USD", r.CurrencyCode);
        });
        Assert.Null(requests[0].PageToken);

        Assert.False(Catalog.Status().Stale);
        Assert.StartsWith("http ", Catalog.Status().Source, StringComparison.Ordinal);
        var published = await _host.Events.WaitForVersionAsync(1, EventTimeout);
        Assert.Equal(_snapshot.Offers.Count, published.Added);
    }

    [Fact]
    public async Task A_503_with_Retry_After_is_retried_after_the_time_it_asks_for()
    {
        _fake.FailNext(1, HttpStatusCode.ServiceUnavailable, retryAfter: TimeSpan.FromSeconds(1), atPage: 1);

        var outcome = await Catalog.ScrapeOnceAsync(Ct);

        Assert.Equal(ScrapeResultKind.Published, outcome.Kind);
        Assert.Equal(_snapshot.Offers.Count, outcome.Offers);
        Assert.Equal(0, _fake.PendingFaults);
        var pageOne = _fake.Requests.Where(r => r.ServiceId == Compute && r.Page == 1).ToList();
        Assert.Equal(2, pageOne.Count);
        // The configured back-off is 50 ms; only the Retry-After header makes the retry wait about a second.
        var gap = pageOne[1].ReceivedAt - pageOne[0].ReceivedAt;
        Assert.True(gap >= TimeSpan.FromMilliseconds(900), $"The retry came {gap} after the 503: Retry-After: 1 was not honoured.");
    }

    [Fact]
    public async Task A_page_failing_more_often_than_the_retries_fails_the_scrape_and_keeps_the_catalog()
    {
        var before = await PublishFirstVersionAsync();
        _fake.FailNext(GcpHttpHost.MaxRetries + 1, HttpStatusCode.ServiceUnavailable, atPage: 2);

        var outcome = await Catalog.ScrapeOnceAsync(Ct);

        Assert.Equal(ScrapeResultKind.Failed, outcome.Kind);
        Assert.Contains("503", outcome.Error, StringComparison.Ordinal);
        AssertKeptAndStale(before, outcome);

        var recovered = await Catalog.ScrapeOnceAsync(Ct);
        Assert.Equal((ScrapeResultKind.Published, 2L, 0), (recovered.Kind, recovered.Version, recovered.Changes));
        Assert.False(Catalog.Status().Stale);
    }

    [Theory]
    [InlineData(TruncationMode.EndCleanly)]
    [InlineData(TruncationMode.AbortConnection)]
    public async Task A_truncated_page_fails_the_scrape_keeps_the_previous_version_and_publishes_nothing(TruncationMode mode)
    {
        var before = await PublishFirstVersionAsync();
        await _host.Events.WaitForVersionAsync(1, EventTimeout);
        var requestsBefore = _fake.Requests.Count;
        // As many truncations as attempts, so the outcome does not depend on whether a cut body is retried.
        _fake.TruncateNext(GcpHttpHost.MaxRetries + 1, mode, atPage: 1);

        var outcome = await Catalog.ScrapeOnceAsync(Ct);

        Assert.Equal(ScrapeResultKind.Failed, outcome.Kind);
        AssertKeptAndStale(before, outcome);
        Assert.Equal(_snapshot.Offers.Count, Catalog.Current.Offers.Count);
        var after = _fake.Requests.Skip(requestsBefore).ToList();
        Assert.Contains(after, r => r.Page == 1);
        Assert.DoesNotContain(after, r => r.Page > 1 || r.ServiceId == Tpu);
        Assert.DoesNotContain(_host.Events.Catalogs, c => c.CatalogVersion > 1);
        Assert.DoesNotContain(_host.Events.Changes, c => c.Kind == ChangeKind.Removed);
    }

    [Fact]
    public async Task A_price_change_of_one_GPU_SKU_changes_every_VM_built_on_it_and_nothing_else()
    {
        await PublishFirstVersionAsync();
        var h100Virginia = _fake.Skus(Compute).Single(s => FakeGcpCloudBillingApi.Description(s) == "Nvidia H100 80GB GPU running in Virginia");
        var oldVm = Catalog.Current.Offers[H100VirginiaVm].PricePerInstanceHour;
        Assert.Equal(1, _fake.SetUnitPrice(FakeGcpCloudBillingApi.SkuId(h100Virginia)!, 9.5m));

        var outcome = await Catalog.ScrapeOnceAsync(Ct);

        Assert.Equal((ScrapeResultKind.Published, 2L, 4), (outcome.Kind, outcome.Version, outcome.Changes));
        var v2 = await _host.Events.WaitForVersionAsync(2, EventTimeout);
        Assert.Equal((0, 4, 0), (v2.Added, v2.Changed, v2.Removed));
        var changes = _host.Events.Changes.Where(c => c.CatalogVersion == 2).ToList();
        Assert.Equal(["a3-highgpu-1g", "a3-highgpu-2g", "a3-highgpu-4g", "a3-highgpu-8g"], changes.Select(c => c.OfferKey.Split('|')[3]).Order(StringComparer.Ordinal));
        var vm = changes.Single(c => c.OfferKey == H100VirginiaVm);
        Assert.Equal(oldVm, vm.OldPricePerInstanceHour);
        Assert.Equal(oldVm - 8 * (9.79655125m - 9.5m), vm.NewPricePerInstanceHour);
    }

    [Fact]
    public async Task A_scrape_with_far_fewer_offers_is_rejected_as_partial_and_the_catalog_stays()
    {
        var before = await PublishFirstVersionAsync();
        var removed = _fake.RemoveSkus(s => FakeGcpCloudBillingApi.Description(s)?.Contains("A2 Instance", StringComparison.Ordinal) == true
            || FakeGcpCloudBillingApi.Description(s)?.Contains("A3 Instance", StringComparison.Ordinal) == true);
        Assert.True(removed > 0);

        var outcome = await Catalog.ScrapeOnceAsync(Ct);

        Assert.Equal(ScrapeResultKind.RejectedAsPartial, outcome.Kind);
        Assert.Contains("Partial", outcome.Error, StringComparison.Ordinal);
        Assert.True(outcome.Offers > 0 && outcome.Offers < _snapshot.Offers.Count * 0.8, $"{outcome.Offers} offers");
        AssertKeptAndStale(before, outcome);
        Assert.True(Catalog.Current.Offers.ContainsKey(H100VirginiaVm));
        await _host.Events.WaitForVersionAsync(1, EventTimeout);
        Assert.DoesNotContain(_host.Events.Catalogs, c => c.CatalogVersion > 1);
    }

    [Fact]
    public async Task A_malformed_SKU_is_quarantined_and_the_rest_is_published()
    {
        var corrupted = _fake.MutateSkus(
            s => FakeGcpCloudBillingApi.Description(s) == "Nvidia L4 GPU running in Americas",
            s => s["pricingInfo"]![0]!["pricingExpression"]!["tieredRates"]![0]!["unitPrice"]!["nanos"] = "lots");
        Assert.Equal(1, corrupted);

        var outcome = await Catalog.ScrapeOnceAsync(Ct);

        Assert.Equal(ScrapeResultKind.Published, outcome.Kind);
        var g2 = _snapshot.Offers.Count(o => o.InstanceType.StartsWith("g2-", StringComparison.Ordinal));
        Assert.True(g2 > 0);
        Assert.Equal(_snapshot.Offers.Count - g2, outcome.Offers);
        Assert.Contains(Catalog.Current.Quarantined, r => r.Rule == QuarantineRules.Malformed
            && r.Row.Contains("'Nvidia L4 GPU running in Americas'", StringComparison.Ordinal) && r.Reason.Contains("nanos", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_slow_page_is_cut_by_the_attempt_timeout_and_retried()
    {
        _fake.DelayNext(1, TimeSpan.FromSeconds(30), atPage: 2);

        var outcome = await Catalog.ScrapeOnceAsync(Ct);

        Assert.Equal(ScrapeResultKind.Published, outcome.Kind);
        Assert.Equal(2, _fake.Requests.Count(r => r.ServiceId == Compute && r.Page == 2));
    }
}
