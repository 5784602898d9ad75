using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Pricing.Catalog;
using Pricing.Contracts.Events;
using Pricing.FakeProviders;
using Pricing.Sources;

namespace Aws.Pricing.Tests;

/// <summary>
/// The HTTP source through the service's real HttpClient pipeline (retries honouring Retry-After, per-attempt
/// timeout, bodies spooled inside it) and the provider catalog, against a fake Price List API and spot feed
/// serving the bundled snapshot.
/// </summary>
public sealed class HttpSourceTests : IAsyncLifetime
{
    private static readonly TimeSpan EventTimeout = TimeSpan.FromSeconds(10);
    private static readonly string P5UsEast1OnDemand = Offer.KeyOf("aws", "us-east-1", null, "p5.48xlarge", PricingModels.OnDemand);
    private static readonly string P5UsEast1Spot = Offer.KeyOf("aws", "us-east-1", null, "p5.48xlarge", PricingModels.Spot);

    private FakeAwsPriceListApi _fake = null!;
    private AwsHttpHost _host = null!;
    private ValidatedOffers _snapshot = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private ProviderPriceCatalog Catalog => _host.Catalog;

    public async ValueTask InitializeAsync()
    {
        var scrape = await new AwsSnapshotSource().ScrapeAsync(Ct);
        _snapshot = new OfferValidator(AcceleratorRegistry.Default).Validate(scrape.Candidates, scrape.Quarantined);
        _fake = await FakeAwsPriceListApi.FromEmbeddedSnapshot().StartAsync(Ct);
        _host = await AwsHttpHost.StartAsync(_fake.BaseUrl, _fake.SpotFeedUrl, _fake.Regions, Ct);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.DisposeAsync();
        await _fake.DisposeAsync();
    }

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

    private async Task AssertNothingPublishedAfterVersion1Async()
    {
        await _host.Events.WaitForVersionAsync(1, EventTimeout);
        Assert.DoesNotContain(_host.Events.Catalogs, c => c.CatalogVersion > 1);
        Assert.DoesNotContain(_host.Events.Changes, c => c.Kind == ChangeKind.Removed);
    }

    [Fact]
    public async Task The_index_chain_and_the_spot_feed_publish_the_same_offers_as_the_snapshot_source()
    {
        var outcome = await Catalog.ScrapeOnceAsync(Ct);

        Assert.Equal(ScrapeResultKind.Published, outcome.Kind);
        Assert.Null(outcome.Error);
        Assert.Equal(_snapshot.Offers.Count, outcome.Offers);
        Assert.Equal(_snapshot.Quarantined.Count, outcome.Quarantined);
        var expected = _snapshot.Offers.ToDictionary(o => o.OfferKey, o => o.PricePerInstanceHour, StringComparer.Ordinal);
        var actual = Catalog.Current.Offers.ToDictionary(p => p.Key, p => p.Value.PricePerInstanceHour, StringComparer.Ordinal);
        Assert.Equal(expected.OrderBy(p => p.Key, StringComparer.Ordinal), actual.OrderBy(p => p.Key, StringComparer.Ordinal));
        Assert.Equal(55.04m, Catalog.Current.Offers[P5UsEast1OnDemand].PricePerInstanceHour);
        Assert.Equal(10.2397m, Catalog.Current.Offers[P5UsEast1Spot].PricePerInstanceHour);

        // Spot feed, offer index, region index, then each region's offer file at the path the region index gives.
        var paths = _fake.Requests.Select(r => r.Path).ToList();
        Assert.Equal(
            [FakeAwsPriceListApi.SpotFeedPath, FakeAwsPriceListApi.OfferIndexPath, _fake.RegionIndexPath, .. _fake.Regions.Select(_fake.OfferFilePath)],
            paths);
        Assert.StartsWith("/offers/v1.0/aws/AmazonEC2/", _fake.OfferFilePath("us-east-1"), StringComparison.Ordinal);

        var status = Catalog.Status();
        Assert.False(status.Stale);
        Assert.Equal($"http {_fake.BaseUrl}", status.Source);
        var published = await _host.Events.WaitForVersionAsync(1, EventTimeout);
        Assert.Equal(_snapshot.Offers.Count, published.Added);
    }

    [Fact]
    public async Task The_service_client_spools_bodies_instead_of_buffering_them_in_memory()
    {
        var factory = _host.Services.GetRequiredService<IHttpMessageHandlerFactory>();
        var chain = new List<HttpMessageHandler>();
        for (HttpMessageHandler? handler = factory.CreateHandler(AwsPriceListSource.HttpClientName); handler is not null;
             handler = (handler as DelegatingHandler)?.InnerHandler)
        {
            chain.Add(handler);
        }

        Assert.Contains(chain, h => h is SpooledBodyHandler);
        Assert.DoesNotContain(chain, h => h is BufferedBodyHandler);
        // Below the resilience handler, so a body that breaks off fails the attempt and is retried.
        var resilience = chain.FindIndex(h => h.GetType().Name.Contains("Resilience", StringComparison.Ordinal));
        Assert.True(resilience >= 0 && resilience < chain.FindIndex(h => h is SpooledBodyHandler));
    }

    [Fact]
    public async Task A_503_with_Retry_After_on_an_offer_file_is_retried_after_the_time_it_asks_for()
    {
        var path = _fake.OfferFilePath("us-west-2");
        _fake.FailNext(1, HttpStatusCode.ServiceUnavailable, retryAfter: TimeSpan.FromSeconds(1), path: path);

        var stopwatch = Stopwatch.StartNew();
        var outcome = await Catalog.ScrapeOnceAsync(Ct);
        stopwatch.Stop();

        Assert.Equal(ScrapeResultKind.Published, outcome.Kind);
        Assert.Equal(_snapshot.Offers.Count, outcome.Offers);
        Assert.Equal(0, _fake.PendingFaults);
        Assert.Equal(2, _fake.Requests.Count(r => r.Path == path));
        // The configured back-off is 50 ms; only the Retry-After header makes the retry wait a second.
        Assert.True(stopwatch.Elapsed >= TimeSpan.FromMilliseconds(950), $"The scrape took {stopwatch.Elapsed}: Retry-After: 1 was not honoured.");
    }

    [Fact]
    public async Task An_offer_file_that_times_out_is_retried_and_the_scrape_succeeds()
    {
        var path = _fake.OfferFilePath("us-east-1");
        _fake.DelayNext(1, TimeSpan.FromSeconds(30), path: path);

        var outcome = await Catalog.ScrapeOnceAsync(Ct);

        Assert.Equal(ScrapeResultKind.Published, outcome.Kind);
        Assert.Equal(2, _fake.Requests.Count(r => r.Path == path));
    }

    [Theory]
    [InlineData(TruncationMode.EndCleanly)]
    [InlineData(TruncationMode.AbortConnection)]
    public async Task A_truncated_offer_file_fails_the_scrape_keeps_the_catalog_and_publishes_nothing(TruncationMode mode)
    {
        var before = await PublishFirstVersionAsync();
        var path = _fake.OfferFilePath("us-east-2");
        // As many truncations as attempts, so the outcome does not depend on whether a cut body is retried.
        _fake.TruncateNext(AwsHttpHost.MaxRetries + 1, mode, path: path);

        var outcome = await Catalog.ScrapeOnceAsync(Ct);

        Assert.Equal(ScrapeResultKind.Failed, outcome.Kind);
        AssertKeptAndStale(before, outcome);
        await AssertNothingPublishedAfterVersion1Async();
    }

    [Fact]
    public async Task An_offer_file_failing_more_often_than_the_retries_fails_the_scrape_and_the_next_good_one_recovers()
    {
        var before = await PublishFirstVersionAsync();
        _fake.FailNext(AwsHttpHost.MaxRetries + 1, HttpStatusCode.InternalServerError, path: _fake.OfferFilePath("eu-west-1"));

        var outcome = await Catalog.ScrapeOnceAsync(Ct);

        Assert.Equal(ScrapeResultKind.Failed, outcome.Kind);
        Assert.Contains("500", outcome.Error, StringComparison.Ordinal);
        AssertKeptAndStale(before, outcome);

        var recovered = await Catalog.ScrapeOnceAsync(Ct);
        Assert.Equal(ScrapeResultKind.Published, recovered.Kind);
        Assert.Equal(2, recovered.Version);
        Assert.Equal(0, recovered.Changes);
        Assert.False(Catalog.Status().Stale);
    }

    [Fact]
    public async Task A_failing_spot_feed_fails_the_scrape_so_no_spot_offer_is_published_as_removed()
    {
        var before = await PublishFirstVersionAsync();
        _fake.FailNext(AwsHttpHost.MaxRetries + 1, HttpStatusCode.ServiceUnavailable, path: FakeAwsPriceListApi.SpotFeedPath);

        var outcome = await Catalog.ScrapeOnceAsync(Ct);

        Assert.Equal(ScrapeResultKind.Failed, outcome.Kind);
        Assert.Contains("503", outcome.Error, StringComparison.Ordinal);
        AssertKeptAndStale(before, outcome);
        Assert.True(Catalog.Current.Offers.ContainsKey(P5UsEast1Spot));
        // Nothing large was downloaded for a scrape that could not complete: the spot feed is read first.
        Assert.DoesNotContain(_fake.Requests.Skip(_fake.Regions.Count + 3), r => r.Path.EndsWith("/index.json", StringComparison.Ordinal));
        await AssertNothingPublishedAfterVersion1Async();
    }

    [Fact]
    public async Task A_truncated_spot_feed_fails_the_scrape()
    {
        var before = await PublishFirstVersionAsync();
        _fake.TruncateNext(AwsHttpHost.MaxRetries + 1, TruncationMode.EndCleanly, path: FakeAwsPriceListApi.SpotFeedPath);

        var outcome = await Catalog.ScrapeOnceAsync(Ct);

        Assert.Equal(ScrapeResultKind.Failed, outcome.Kind);
        Assert.Contains("spot feed", outcome.Error, StringComparison.Ordinal);
        AssertKeptAndStale(before, outcome);
    }

    [Fact]
    public async Task Far_fewer_offers_are_rejected_as_partial_and_the_catalog_stays()
    {
        var before = await PublishFirstVersionAsync();
        var removed = _fake.Regions.Where(r => r != "us-east-1").Sum(r => _fake.RemoveProducts(r, _ => true));
        Assert.True(removed > 0);

        var outcome = await Catalog.ScrapeOnceAsync(Ct);

        Assert.Equal(ScrapeResultKind.RejectedAsPartial, outcome.Kind);
        Assert.Contains("Partial", outcome.Error, StringComparison.Ordinal);
        Assert.True(outcome.Offers > 0 && outcome.Offers < _snapshot.Offers.Count * 0.8, $"{outcome.Offers} offers");
        AssertKeptAndStale(before, outcome);
        Assert.True(Catalog.Current.Offers.ContainsKey(Offer.KeyOf("aws", "us-west-2", null, "p5.48xlarge", PricingModels.OnDemand)));
        await AssertNothingPublishedAfterVersion1Async();
    }

    [Fact]
    public async Task A_price_change_at_the_provider_is_the_next_version_with_exactly_one_change()
    {
        await PublishFirstVersionAsync();
        Assert.Equal(1, _fake.SetOnDemandPrice("us-east-1", "p5.48xlarge", "49.5000000000"));

        var outcome = await Catalog.ScrapeOnceAsync(Ct);

        Assert.Equal(ScrapeResultKind.Published, outcome.Kind);
        Assert.Equal(2, outcome.Version);
        Assert.Equal(1, outcome.Changes);
        Assert.Equal(49.5m, Catalog.Current.Offers[P5UsEast1OnDemand].PricePerInstanceHour);
        var v2 = await _host.Events.WaitForVersionAsync(2, EventTimeout);
        Assert.Equal((0, 1, 0), (v2.Added, v2.Changed, v2.Removed));
        var change = Assert.Single(_host.Events.Changes, c => c.CatalogVersion == 2);
        Assert.Equal(P5UsEast1OnDemand, change.OfferKey);
        Assert.Equal(55.04m, change.OldPricePerInstanceHour);
        Assert.Equal(49.5m, change.NewPricePerInstanceHour);
    }

    [Fact]
    public async Task A_spot_price_change_is_one_change_too()
    {
        await PublishFirstVersionAsync();
        Assert.Equal(1, _fake.SetSpotPrice("us-east-1", "p5.48xlarge", "9.87"));

        var outcome = await Catalog.ScrapeOnceAsync(Ct);

        Assert.Equal(1, outcome.Changes);
        Assert.Equal(9.87m, Catalog.Current.Offers[P5UsEast1Spot].PricePerInstanceHour);
    }

    [Fact]
    public async Task A_malformed_price_is_quarantined_and_the_rest_is_published()
    {
        Assert.Equal(1, _fake.SetOnDemandPrice("us-west-2", "p4de.24xlarge", "twenty-seven"));

        var outcome = await Catalog.ScrapeOnceAsync(Ct);

        Assert.Equal(ScrapeResultKind.Published, outcome.Kind);
        Assert.Equal(_snapshot.Offers.Count - 1, outcome.Offers);
        Assert.False(Catalog.Current.Offers.ContainsKey(Offer.KeyOf("aws", "us-west-2", null, "p4de.24xlarge", PricingModels.OnDemand)));
        Assert.Contains(Catalog.Current.Quarantined, r => r.Rule == QuarantineRules.Malformed
            && r.Row.Contains("instanceType=p4de.24xlarge region=us-west-2", StringComparison.Ordinal)
            && r.Reason.Contains("'twenty-seven'", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_configured_region_missing_from_the_region_index_fails_the_scrape()
    {
        await using var host = await AwsHttpHost.StartAsync(_fake.BaseUrl, _fake.SpotFeedUrl, [.. _fake.Regions, "ap-south-1"], Ct);

        var outcome = await host.Catalog.ScrapeOnceAsync(Ct);

        Assert.Equal(ScrapeResultKind.Failed, outcome.Kind);
        Assert.Contains("ap-south-1", outcome.Error, StringComparison.Ordinal);
        Assert.Equal(0, host.Catalog.Current.Version);
    }

    [Fact]
    public async Task With_spot_disabled_the_catalog_publishes_on_demand_only_and_its_status_says_spot_is_missing()
    {
        await using var host = await AwsHttpHost.StartAsync(_fake.BaseUrl, _fake.SpotFeedUrl, _fake.Regions, Ct, spotEnabled: false);

        var outcome = await host.Catalog.ScrapeOnceAsync(Ct);

        Assert.Equal(ScrapeResultKind.Published, outcome.Kind);
        Assert.DoesNotContain(host.Catalog.Current.Offers.Values, o => o.PricingModel == PricingModels.Spot);
        Assert.Equal(_snapshot.Offers.Count(o => o.PricingModel != PricingModels.Spot), outcome.Offers);
        Assert.Contains("spot disabled", host.Catalog.Status().Source, StringComparison.Ordinal);
        Assert.DoesNotContain(_fake.Requests, r => r.Path == FakeAwsPriceListApi.SpotFeedPath);
    }

    [Fact]
    public async Task A_product_added_at_the_provider_is_one_added_offer()
    {
        await PublishFirstVersionAsync();
        _fake.MutateOfferFile("eu-west-1", file =>
        {
            file["products"]!["G6SKU00000000001"] = OfferFileBuilder.ProductJson("G6SKU00000000001", "g6.xlarge", "eu-west-1");
            file["terms"]!["OnDemand"]!["G6SKU00000000001"] = JsonNode.Parse(new OfferFileBuilder().Product("G6SKU00000000001", "g6.xlarge", "0.9000000000")
                .Build()["terms"]!["OnDemand"]!["G6SKU00000000001"]!.ToJsonString());
        });

        var outcome = await Catalog.ScrapeOnceAsync(Ct);

        Assert.Equal(1, outcome.Changes);
        Assert.Equal(0.9m, Catalog.Current.Offers[Offer.KeyOf("aws", "eu-west-1", null, "g6.xlarge", PricingModels.OnDemand)].PricePerInstanceHour);
    }

    [Fact]
    public async Task Offer_file_downloads_get_long_attempt_timeouts_unless_configured()
    {
        await using var unconfigured = await AwsHttpHost.StartAsync(new Dictionary<string, string?> { ["Aws:Source"] = "Http" }, Ct);

        var defaults = unconfigured.Services.GetRequiredService<Microsoft.Extensions.Configuration.IConfiguration>();
        Assert.Equal("00:10:00", defaults["Http:aws-price-list:AttemptTimeout"]);
        Assert.Equal("00:30:00", defaults["Http:aws-price-list:TotalTimeout"]);
        var configured = _host.Services.GetRequiredService<Microsoft.Extensions.Configuration.IConfiguration>();
        Assert.Equal(AwsHttpHost.AttemptTimeout.ToString("c"), configured["Http:aws-price-list:AttemptTimeout"]);
    }
}
