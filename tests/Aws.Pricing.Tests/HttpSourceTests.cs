using System.Net;
using System.Text.Json.Nodes;
using Aws.Pricing.Extensions;
using Microsoft.Extensions.DependencyInjection;
using Pricing.Catalog;
using Pricing.FakeProviders;
using Pricing.Sources;

namespace Aws.Pricing.Tests;

/// <summary>
/// The AWS HTTP source in the service's composition against a fake Price List API and spot feed serving the bundled
/// snapshot: the index chain, the spot feed's own failures, the offer-file format, AWS's client settings. What every
/// provider shares (retries, Retry-After, timeouts, truncated bodies, the partial guard, versions and events) is
/// tested once, in tests/Pricing.Sources.Tests.
/// </summary>
public sealed class HttpSourceTests : IAsyncLifetime
{
    private static readonly TimeSpan EventTimeout = TimeSpan.FromSeconds(10);
    private static readonly string P5UsEast1OnDemand = OfferKey.Format("aws", "us-east-1", null, "p5.48xlarge", PricingModels.OnDemand);
    private static readonly string P5UsEast1Spot = OfferKey.Format("aws", "us-east-1", null, "p5.48xlarge", PricingModels.Spot);

    private FakeAwsPriceListApi _fake = null!;
    private ProviderHttpHost _host = null!;
    private ValidatedOffers _snapshot = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private ProviderPriceCatalog Catalog => _host.Catalog;

    public async ValueTask InitializeAsync()
    {
        var scrape = await new AwsSnapshotSource().ScrapeAsync(Ct);
        _snapshot = new OfferValidator(AcceleratorRegistry.Default).Validate(scrape.Candidates, scrape.Quarantined);
        _fake = await FakeAwsPriceListApi.FromEmbeddedSnapshot().StartAsync(Ct);
        _host = await StartAsync(_fake.Regions);
    }

    private Task<ProviderHttpHost> StartAsync(IEnumerable<string> regions, bool spotEnabled = true, bool savingsPlansEnabled = true)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Aws:SpotFeedUrl"] = _fake.SpotFeedUrl.ToString(),
            ["Aws:SpotEnabled"] = spotEnabled ? "true" : "false",
            ["Aws:SavingsPlansEnabled"] = savingsPlansEnabled ? "true" : "false",
        };
        foreach (var (region, i) in regions.Select((r, i) => (r, i)))
        {
            settings[$"Aws:Regions:{i}"] = region;
        }

        return ProviderHttpHost.StartAsync(AwsPricingExtensions.Provider, _fake.BaseUrl, Ct, settings);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.DisposeAsync();
        await _fake.DisposeAsync();
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
        // The CPU row the quote's data processing reads, served in the offer file's format: $/vCPU-hour.
        var c7i = Catalog.Current.Offers[OfferKey.Format("aws", "us-east-1", null, "c7i.8xlarge", PricingModels.OnDemand)];
        Assert.Equal(("cpu-vcpu", 0.044625m), (c7i.AcceleratorId, c7i.PricePerAcceleratorHour));

        // Spot feed, offer index, region index, each region's offer file at the path the region index gives, then the
        // Savings Plans region index (its one recorded rate file, ap-east-2, is not a scraped region: not downloaded).
        var paths = _fake.Requests.Select(r => r.Path).ToList();
        Assert.Equal(
            [FakeAwsPriceListApi.SpotFeedPath, FakeAwsPriceListApi.OfferIndexPath, _fake.RegionIndexPath, .. _fake.Regions.Select(_fake.OfferFilePath), _fake.SavingsPlanIndexPath!],
            paths);
        Assert.StartsWith("/offers/v1.0/aws/AmazonEC2/", _fake.OfferFilePath("us-east-1"), StringComparison.Ordinal);

        var status = Catalog.Status();
        Assert.False(status.Stale);
        Assert.Equal($"http {_fake.BaseUrl}", status.Source);
    }

    [Fact]
    public void The_service_client_spools_bodies_instead_of_buffering_them_in_memory()
    {
        var chain = _host.HandlerChain(AwsPriceListSource.HttpClientName);

        Assert.Contains(chain, h => h is SpooledBodyHandler);
        Assert.DoesNotContain(chain, h => h is BufferedBodyHandler);
        // Below the resilience handler, so a body that breaks off fails the attempt and is retried.
        var resilience = chain.FindIndex(h => h.GetType().Name.Contains("Resilience", StringComparison.Ordinal));
        Assert.True(resilience >= 0 && resilience < chain.FindIndex(h => h is SpooledBodyHandler));
    }

    [Fact]
    public async Task A_failing_spot_feed_fails_the_scrape_so_no_spot_offer_is_published_as_removed()
    {
        var before = await _host.PublishFirstVersionAsync(Ct);
        _fake.FailNext(ProviderHttpHost.MaxRetries + 1, HttpStatusCode.ServiceUnavailable, at: FakeAwsPriceListApi.SpotFeedPath);

        var outcome = await Catalog.ScrapeOnceAsync(Ct);

        Assert.Equal(ScrapeResultKind.Failed, outcome.Kind);
        Assert.Contains("503", outcome.Error, StringComparison.Ordinal);
        _host.AssertKeptAndStale(before, outcome, _snapshot.Offers.Count);
        Assert.True(Catalog.Current.Offers.ContainsKey(P5UsEast1Spot));
        // Nothing large was downloaded for a scrape that could not complete: the spot feed is read first.
        Assert.DoesNotContain(_fake.Requests.Skip(_fake.Regions.Count + 3), r => r.Path.EndsWith("/index.json", StringComparison.Ordinal));
        await _host.AssertNothingPublishedAfterVersion1Async(EventTimeout);
    }

    [Fact]
    public async Task A_truncated_spot_feed_fails_the_scrape()
    {
        var before = await _host.PublishFirstVersionAsync(Ct);
        _fake.TruncateNext(ProviderHttpHost.MaxRetries + 1, TruncationMode.EndCleanly, at: FakeAwsPriceListApi.SpotFeedPath);

        var outcome = await Catalog.ScrapeOnceAsync(Ct);

        Assert.Equal(ScrapeResultKind.Failed, outcome.Kind);
        Assert.Contains("spot feed", outcome.Error, StringComparison.Ordinal);
        _host.AssertKeptAndStale(before, outcome, _snapshot.Offers.Count);
    }

    [Fact]
    public async Task A_spot_price_change_is_one_change_too()
    {
        await _host.PublishFirstVersionAsync(Ct);
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
        Assert.False(Catalog.Current.Offers.ContainsKey(OfferKey.Format("aws", "us-west-2", null, "p4de.24xlarge", PricingModels.OnDemand)));
        Assert.Contains(Catalog.Current.Quarantined, r => r.Rule == QuarantineRules.Malformed
            && r.Row.Contains("instanceType=p4de.24xlarge region=us-west-2", StringComparison.Ordinal)
            && r.Reason.Contains("'twenty-seven'", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_configured_region_missing_from_the_region_index_fails_the_scrape()
    {
        await using var host = await StartAsync([.. _fake.Regions, "af-south-1"]);

        var outcome = await host.Catalog.ScrapeOnceAsync(Ct);

        Assert.Equal(ScrapeResultKind.Failed, outcome.Kind);
        Assert.Contains("af-south-1", outcome.Error, StringComparison.Ordinal);
        Assert.Equal(0, host.Catalog.Current.Version);
    }

    [Fact]
    public async Task With_spot_disabled_the_catalog_publishes_on_demand_only_and_its_status_says_spot_is_missing()
    {
        await using var host = await StartAsync(_fake.Regions, spotEnabled: false);

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
        await _host.PublishFirstVersionAsync(Ct);
        _fake.MutateOfferFile("eu-west-1", file =>
        {
            file["products"]!["G6SKU00000000001"] = OfferFileBuilder.ProductJson("G6SKU00000000001", "g6.xlarge", "eu-west-1");
            file["terms"]!["OnDemand"]!["G6SKU00000000001"] = JsonNode.Parse(new OfferFileBuilder().Product("G6SKU00000000001", "g6.xlarge", "0.9000000000")
                .Build()["terms"]!["OnDemand"]!["G6SKU00000000001"]!.ToJsonString());
        });

        var outcome = await Catalog.ScrapeOnceAsync(Ct);

        Assert.Equal(1, outcome.Changes);
        Assert.Equal(0.9m, Catalog.Current.Offers[OfferKey.Format("aws", "eu-west-1", null, "g6.xlarge", PricingModels.OnDemand)].PricePerInstanceHour);
    }

    private static string SavingsPlanFile(string price) => new SavingsPlanFileBuilder("us-east-2")
        .Plan("COMPUTESP1YNOUPF", "ComputeSavingsPlans", 1, "No Upfront")
        .Rate("COMPUTESP1YNOUPF", "USE2-BoxUsage:p5.48xlarge", price)
        .Rate("COMPUTESP1YNOUPF", "USE2-BoxUsage:r7g.large", "0.0714")
        .Json();

    private static readonly string P5UsEast2ComputePlan = OfferKey.Format("aws", "us-east-2", null, "p5.48xlarge", "savings_plan_compute_1y_no_upfront");

    [Fact]
    public async Task A_scraped_regions_savings_plan_rate_file_is_read_through_the_plan_index_chain()
    {
        _fake.SetSavingsPlanFile("us-east-2", SavingsPlanFile("42.3808"));

        var outcome = await Catalog.ScrapeOnceAsync(Ct);

        Assert.Equal(ScrapeResultKind.Published, outcome.Kind);
        Assert.Equal(_snapshot.Offers.Count + 1, outcome.Offers);
        Assert.Equal(42.3808m, Catalog.Current.Offers[P5UsEast2ComputePlan].PricePerInstanceHour);
        var paths = _fake.Requests.Select(r => r.Path).ToList();
        Assert.Equal([_fake.SavingsPlanIndexPath!, _fake.SavingsPlanFilePath("us-east-2")!], paths[^2..]);
    }

    [Fact]
    public async Task A_malformed_savings_plan_rate_is_quarantined_and_the_rest_is_published()
    {
        _fake.SetSavingsPlanFile("us-east-2", SavingsPlanFile("forty-two"));

        var outcome = await Catalog.ScrapeOnceAsync(Ct);

        Assert.Equal(ScrapeResultKind.Published, outcome.Kind);
        Assert.Equal(_snapshot.Offers.Count, outcome.Offers);
        Assert.False(Catalog.Current.Offers.ContainsKey(P5UsEast2ComputePlan));
        Assert.Contains(Catalog.Current.Quarantined, r => r.Rule == QuarantineRules.Malformed && r.Reason.Contains("'forty-two'", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_failing_savings_plan_rate_file_fails_the_scrape_so_no_plan_offer_is_published_as_removed()
    {
        _fake.SetSavingsPlanFile("us-east-2", SavingsPlanFile("42.3808"));
        var before = await _host.PublishFirstVersionAsync(Ct);
        _fake.FailNext(ProviderHttpHost.MaxRetries + 1, HttpStatusCode.ServiceUnavailable, at: _fake.SavingsPlanFilePath("us-east-2"));

        var outcome = await Catalog.ScrapeOnceAsync(Ct);

        Assert.Equal(ScrapeResultKind.Failed, outcome.Kind);
        Assert.Contains("503", outcome.Error, StringComparison.Ordinal);
        _host.AssertKeptAndStale(before, outcome, _snapshot.Offers.Count + 1);
        Assert.True(Catalog.Current.Offers.ContainsKey(P5UsEast2ComputePlan));
    }

    [Fact]
    public async Task With_savings_plans_disabled_no_plan_file_is_read_and_the_status_says_so()
    {
        _fake.SetSavingsPlanFile("us-east-2", SavingsPlanFile("42.3808"));
        await using var host = await StartAsync(_fake.Regions, savingsPlansEnabled: false);

        var outcome = await host.Catalog.ScrapeOnceAsync(Ct);

        Assert.Equal(ScrapeResultKind.Published, outcome.Kind);
        Assert.Equal(_snapshot.Offers.Count, outcome.Offers);
        Assert.DoesNotContain(_fake.Requests, r => r.Path.StartsWith("/savingsPlan/", StringComparison.Ordinal));
        Assert.Contains("savings plans disabled", host.Catalog.Status().Source, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Offer_file_downloads_get_long_attempt_timeouts_unless_configured()
    {
        await using var unconfigured = await ProviderHttpHost.StartConfiguredAsync(AwsPricingExtensions.Provider, new Dictionary<string, string?> { ["Aws:Source"] = "Http" }, Ct);

        var defaults = unconfigured.Services.GetRequiredService<Microsoft.Extensions.Configuration.IConfiguration>();
        Assert.Equal("00:10:00", defaults["Http:aws-price-list:AttemptTimeout"]);
        Assert.Equal("00:30:00", defaults["Http:aws-price-list:TotalTimeout"]);
        var configured = _host.Services.GetRequiredService<Microsoft.Extensions.Configuration.IConfiguration>();
        Assert.Equal(ProviderHttpHost.AttemptTimeout.ToString("c", System.Globalization.CultureInfo.InvariantCulture), configured["Http:aws-price-list:AttemptTimeout"]);
    }
}
