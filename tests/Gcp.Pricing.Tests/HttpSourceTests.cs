using System.Net;
using System.Text.Json.Nodes;
using Pricing.Catalog;
using Pricing.FakeProviders;
using Pricing.Sources;

namespace Gcp.Pricing.Tests;

/// <summary>
/// The GCP HTTP source in the service's composition against a fake Cloud Billing Catalog API serving the bundled
/// snapshot: its paging (<c>nextPageToken</c> per service, page size, currency, key) and VM composition. What every
/// provider shares (retries, Retry-After, timeouts, truncated bodies, the partial guard, versions and events) is tested
/// once, in tests/Pricing.Sources.Tests.
/// </summary>
public sealed class HttpSourceTests : IAsyncLifetime
{
    private const string Compute = "6F81-5844-456A";
    private const string Tpu = "E000-3F24-B8AA";
    private static readonly TimeSpan EventTimeout = TimeSpan.FromSeconds(10);
    private static readonly string H100VirginiaVm = OfferKey.Format("gcp", "us-east4", null, "a3-highgpu-8g", PricingModels.OnDemand);

    private FakeGcpCloudBillingApi _fake = null!;
    private ProviderHttpHost _host = null!;
    private ValidatedOffers _snapshot = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private ProviderPriceCatalog Catalog => _host.Catalog;

    public async ValueTask InitializeAsync()
    {
        var scrape = await new GcpSnapshotSource().ScrapeAsync(Ct);
        _snapshot = new OfferValidator(AcceleratorRegistry.Default).Validate(scrape.Candidates, scrape.Quarantined);
        _fake = await FakeGcpCloudBillingApi.FromEmbeddedSnapshot().StartAsync(Ct);
        _host = await GcpHost.StartAsync(_fake.BaseUrl, FakeGcpCloudBillingApi.DefaultApiKey, Ct);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.DisposeAsync();
        await _fake.DisposeAsync();
    }

    private int PagesOf(string service) => (_fake.SkuCount(service) + GcpHost.PageSize - 1) / GcpHost.PageSize;

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
        // The CPU row the quote's data processing reads, composed from the N2 SKUs as the API serves them: $/vCPU-hour.
        var n2 = Catalog.Current.Offers[OfferKey.Format("gcp", "us-central1", null, "n2-standard-32", PricingModels.OnDemand)];
        Assert.Equal(("cpu-vcpu", 0.048559m), (n2.AcceleratorId, n2.PricePerAcceleratorHour));

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
            Assert.Equal(GcpHost.PageSize, r.PageSize);
            Assert.Equal("USD", r.CurrencyCode);
        });
        Assert.Null(requests[0].PageToken);

        Assert.False(Catalog.Status().Stale);
        Assert.StartsWith("http ", Catalog.Status().Source, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_price_change_of_one_GPU_SKU_changes_every_VM_built_on_it_and_nothing_else()
    {
        await _host.PublishFirstVersionAsync(Ct);
        var h100Virginia = _fake.Skus(Compute).Single(s => FakeGcpCloudBillingApi.Description(s) == "Nvidia H100 80GB GPU running in Virginia");
        var oldVm = Catalog.Current.Offers[H100VirginiaVm].PricePerInstanceHour;
        Assert.Equal(1, _fake.SetUnitPrice(FakeGcpCloudBillingApi.SkuId(h100Virginia)!, 9.5m));

        var outcome = await Catalog.ScrapeOnceAsync(Ct);

        // The four A3 High shapes and a3-edgegpu-8g, which bills the same H100 SKU.
        Assert.Equal((ScrapeResultKind.Published, 2L, 5), (outcome.Kind, outcome.Version, outcome.Changes));
        var v2 = await _host.Events.WaitForVersionAsync(2, EventTimeout);
        Assert.Equal((0, 5, 0), (v2.Added, v2.Changed, v2.Removed));
        var changes = _host.Events.Changes.Where(c => c.CatalogVersion == 2).ToList();
        Assert.Equal(["a3-edgegpu-8g", "a3-highgpu-1g", "a3-highgpu-2g", "a3-highgpu-4g", "a3-highgpu-8g"], changes.Select(c => c.OfferKey.Split('|')[3]).Order(StringComparer.Ordinal));
        var vm = changes.Single(c => c.OfferKey == H100VirginiaVm);
        Assert.Equal(oldVm, vm.OldPricePerInstanceHour);
        Assert.Equal(oldVm - 8 * (9.79655125m - 9.5m), vm.NewPricePerInstanceHour);
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
        // The Americas L4 SKU serves us-central1 on-demand only; G2 elsewhere and spot price on other SKUs.
        var g2 = _snapshot.Offers.Count(o => o.InstanceType.StartsWith("g2-", StringComparison.Ordinal) && o.Region == "us-central1" && o.PricingModel == PricingModels.OnDemand);
        Assert.True(g2 > 0);
        Assert.Equal(_snapshot.Offers.Count - g2, outcome.Offers);
        Assert.Contains(Catalog.Current.Quarantined, r => r.Rule == QuarantineRules.Malformed
            && r.Row.Contains("'Nvidia L4 GPU running in Americas'", StringComparison.Ordinal) && r.Reason.Contains("nanos", StringComparison.Ordinal));
    }

}
