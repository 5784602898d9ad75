using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Pricing.Catalog;
using Pricing.Contracts.Events;
using Pricing.FakeProviders;

namespace Pricing.Sources.Tests;

/// <summary>
/// "Scrape now (these regions)", once for every provider: a regional scrape merges into the last good catalog (the other
/// regions' offers kept, never removed), passes the partial-scrape guard for the regions it read, and
/// <see cref="ScrapeTrigger"/> coalesces a burst of requests into one scrape of the union of their regions. On the paged
/// fake, whose API serves one region's rows on <c>region=</c>.
/// </summary>
public sealed class RegionalScrapeTests : IAsyncLifetime
{
    private static readonly TimeSpan EventTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Window = TimeSpan.FromMilliseconds(400);

    private FakePagedPriceApi _fake = null!;
    private ProviderHttpHost? _host;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private ProviderHttpHost Host => _host ?? throw new InvalidOperationException("Call StartAsync first.");

    private ProviderPriceCatalog Catalog => Host.Catalog;

    private ScrapeTrigger Trigger => Host.Services.GetRequiredService<ScrapeTrigger>();

    public async ValueTask InitializeAsync() => _fake = await new FakePagedPriceApi().StartAsync(Ct);

    public async ValueTask DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }

        await _fake.DisposeAsync();
    }

    private async Task StartAsync(bool regional = true) =>
        _host = await ProviderHttpHost.StartAsync(regional ? RegionalPagedHttpSource.Composition : PagedPrices.With(ResponseBodies.Buffered), _fake.BaseUrl, Ct,
            new Dictionary<string, string?> { ["Scrape:TriggerCoalesceWindow"] = Window.ToString("c", System.Globalization.CultureInfo.InvariantCulture) });

    private static PagedPriceRow Row(int index) => PagedPrices.Initial[index];

    private static HashSet<string> Regions(params string[] regions) => [.. regions];

    [Fact]
    public async Task A_regional_scrape_reads_only_its_regions_and_keeps_every_other_region_as_it_was()
    {
        await StartAsync();
        var before = await Host.PublishFirstVersionAsync(Ct);
        // region-1 and region-2 both change at the provider; only region-1 is asked for.
        Assert.Equal(1, _fake.SetPrice(Row(1).Instance, Row(1).Model, 99.5m));
        Assert.Equal(1, _fake.SetPrice(Row(2).Instance, Row(2).Model, 98.5m));
        var requestsBefore = _fake.RequestCount;

        var outcome = await Catalog.ScrapeOnceAsync(Regions("region-1"), Ct);

        Assert.Equal(ScrapeResultKind.Published, outcome.Kind);
        Assert.Equal(["region-1"], outcome.Regions);
        Assert.Equal(2, outcome.Version);
        Assert.Equal(1, outcome.Changes);
        Assert.Equal(PagedPrices.Offers, outcome.Offers);
        Assert.All(_fake.Requests.Skip(requestsBefore), r => Assert.Equal("region-1", r.Region));
        Assert.Equal(99.5m, Catalog.Current.Offers[PagedPrices.KeyOf(Row(1))].PricePerInstanceHour);
        // region-2's change is not read yet: its offer is the one of version 1, unchanged, and so is every other region's.
        Assert.Equal(Row(2).Price, Catalog.Current.Offers[PagedPrices.KeyOf(Row(2))].PricePerInstanceHour);
        foreach (var (key, offer) in before.Offers.Where(o => o.Value.Region != "region-1"))
        {
            Assert.Same(offer, Catalog.Current.Offers[key]);
        }

        await Host.Events.WaitForVersionAsync(2, EventTimeout);
        var change = Assert.Single(Host.Events.Changes, c => c.CatalogVersion == 2);
        Assert.Equal(PagedPrices.KeyOf(Row(1)), change.OfferKey);
    }

    [Fact]
    public async Task An_offer_gone_from_a_read_region_is_removed_and_no_offer_of_another_region_is()
    {
        await StartAsync();
        await Host.PublishFirstVersionAsync(Ct);
        Assert.Equal(1, _fake.RemoveRows(r => r.Instance == Row(5).Instance));
        Assert.Equal("region-1", Row(5).Region);

        var outcome = await Catalog.ScrapeOnceAsync(Regions("region-1"), Ct);

        Assert.Equal(ScrapeResultKind.Published, outcome.Kind);
        Assert.Equal(PagedPrices.Offers - 1, outcome.Offers);
        await Host.Events.WaitForVersionAsync(2, EventTimeout);
        var removed = Assert.Single(Host.Events.Changes, c => c.CatalogVersion == 2);
        Assert.Equal(ChangeKind.Removed, removed.Kind);
        Assert.Equal(PagedPrices.KeyOf(Row(5)), removed.OfferKey);
    }

    [Fact]
    public async Task A_regional_scrape_is_held_to_what_its_regions_had_even_when_the_whole_catalog_would_pass()
    {
        await StartAsync();
        var before = await Host.PublishFirstVersionAsync(Ct);
        // 15 of region-1's 25 offers gone: 85 of 100 would pass a whole scrape's guard (80 %), 10 of 25 must not.
        var gone = PagedPrices.Initial.Where(r => r.Region == "region-1").Take(15).Select(r => r.Instance).ToHashSet();
        Assert.Equal(15, _fake.RemoveRows(r => gone.Contains(r.Instance)));

        var outcome = await Catalog.ScrapeOnceAsync(Regions("region-1"), Ct);

        Assert.Equal(ScrapeResultKind.RejectedAsPartial, outcome.Kind);
        Assert.Contains("in region-1", outcome.Error, StringComparison.Ordinal);
        Host.AssertKeptAndStale(before, outcome, PagedPrices.Offers);
        await Host.AssertNothingPublishedAfterVersion1Async(EventTimeout);
    }

    [Fact]
    public async Task A_burst_of_requests_is_one_scrape_of_the_union_of_their_regions()
    {
        await StartAsync();
        await Host.PublishFirstVersionAsync(Ct);
        Assert.Equal(1, _fake.SetPrice(Row(1).Instance, Row(1).Model, 97.5m));
        Assert.Equal(1, _fake.SetPrice(Row(2).Instance, Row(2).Model, 96.5m));
        Assert.Equal(1, _fake.SetPrice(Row(3).Instance, Row(3).Model, 95.5m));
        var requestsBefore = _fake.RequestCount;

        Assert.True(Trigger.Request(PagedPrices.Provider, ["region-1"]));
        Assert.True(Trigger.Request(PagedPrices.Provider, ["region-2"]));
        Assert.True(Trigger.Request(PagedPrices.Provider, ["region-1"]));

        await Host.Events.WaitForVersionAsync(2, EventTimeout);
        // One window later nothing more has come: the three requests were one scrape.
        await Task.Delay(Window * 3, Ct);
        Assert.Equal(2, Catalog.Current.Version);
        Assert.Equal(["region-1", "region-2"], _fake.Requests.Skip(requestsBefore).Select(r => r.Region!).Order(StringComparer.Ordinal));
        Assert.Equal(97.5m, Catalog.Current.Offers[PagedPrices.KeyOf(Row(1))].PricePerInstanceHour);
        Assert.Equal(96.5m, Catalog.Current.Offers[PagedPrices.KeyOf(Row(2))].PricePerInstanceHour);
        Assert.Equal(Row(3).Price, Catalog.Current.Offers[PagedPrices.KeyOf(Row(3))].PricePerInstanceHour);
    }

    [Fact]
    public async Task A_request_for_the_whole_provider_in_the_burst_makes_it_a_whole_scrape()
    {
        await StartAsync();
        await Host.PublishFirstVersionAsync(Ct);
        Assert.Equal(1, _fake.SetPrice(Row(3).Instance, Row(3).Model, 95.5m));
        var requestsBefore = _fake.RequestCount;

        Assert.True(Trigger.Request(PagedPrices.Provider, ["region-1"]));
        Assert.True(Trigger.Request(PagedPrices.Provider, null));

        await Host.Events.WaitForVersionAsync(2, EventTimeout);
        Assert.All(_fake.Requests.Skip(requestsBefore), r => Assert.Null(r.Region));
        Assert.Equal(95.5m, Catalog.Current.Offers[PagedPrices.KeyOf(Row(3))].PricePerInstanceHour);
    }

    [Fact]
    public async Task With_no_catalog_yet_a_regional_request_scrapes_everything()
    {
        await StartAsync();

        var outcome = await Catalog.ScrapeOnceAsync(Regions("region-1"), Ct);

        Assert.Equal(ScrapeResultKind.Published, outcome.Kind);
        Assert.Null(outcome.Regions);
        Assert.Equal(PagedPrices.Offers, outcome.Offers);
        Assert.All(_fake.Requests, r => Assert.Null(r.Region));
    }

    [Fact]
    public async Task A_source_that_reads_all_regions_at_once_is_scraped_whole_when_regions_are_asked_for()
    {
        await StartAsync(regional: false);
        await Host.PublishFirstVersionAsync(Ct);
        Assert.Equal(1, _fake.SetPrice(Row(2).Instance, Row(2).Model, 98.5m));

        var outcome = await Catalog.ScrapeOnceAsync(Regions("region-1"), Ct);

        Assert.Equal(ScrapeResultKind.Published, outcome.Kind);
        Assert.Null(outcome.Regions);
        Assert.Equal(98.5m, Catalog.Current.Offers[PagedPrices.KeyOf(Row(2))].PricePerInstanceHour);
    }

    [Fact]
    public async Task The_trigger_bounds_what_waits()
    {
        var trigger = new ScrapeTrigger();
        for (var i = 0; i < ScrapeTrigger.MaxPendingProviders; i++)
        {
            Assert.True(trigger.Request($"provider-{i}", ["r"]));
        }

        Assert.False(trigger.Request("one-too-many", ["r"]));
        // A provider already waiting still takes more regions, and past the cap becomes a whole scrape.
        Assert.True(trigger.Request("provider-0", Enumerable.Range(0, ScrapeTrigger.MaxRegionsPerProvider + 1).Select(i => $"region-{i}")));
        var batch = await trigger.NextBatchAsync(TimeSpan.Zero, TimeProvider.System, Ct);
        Assert.Equal(ScrapeTrigger.MaxPendingProviders, batch.Count);
        Assert.Null(batch["provider-0"]);
        Assert.Equal(["r"], batch["provider-1"]!);
    }
}

/// <summary>The paged API read one region at a time when asked for regions (<see cref="IRegionalPriceSource"/>).</summary>
public sealed class RegionalPagedHttpSource(IHttpClientFactory httpClients, IOptions<PagedPriceOptions> options, TimeProvider time) : IRegionalPriceSource
{
    public static readonly PriceProvider Composition =
        new PriceProvider<PagedPriceOptions, RegionalPagedHttpSource, PagedSnapshotSource>(PagedPriceOptions.Section, PagedHttpSource.HttpClientName);

    private readonly PagedHttpSource _whole = new(httpClients, options, time);

    public string Provider => PagedPrices.Provider;

    public string Description => _whole.Description;

    public Task<SourceScrape> ScrapeAsync(CancellationToken cancellationToken) => _whole.ScrapeAsync(cancellationToken);

    public async Task<SourceScrape> ScrapeRegionsAsync(IReadOnlySet<string> regions, CancellationToken cancellationToken)
    {
        var http = httpClients.CreateClient(PagedHttpSource.HttpClientName);
        var rows = new List<PagedPriceRow>();
        foreach (var region in regions.Order(StringComparer.Ordinal))
        {
            for (Uri? url = new(options.Value.BaseUrl, $"prices?page=0&region={region}"); url is not null;)
            {
                using var response = await http.GetAsync(url, cancellationToken);
                response.EnsureSuccessStatusCode();
                var page = await response.Content.ReadFromJsonAsync<PagedPricePage>(cancellationToken) ?? throw new InvalidDataException("A page is null.");
                rows.AddRange(page.Offers);
                url = page.Next is null ? null : new Uri(options.Value.BaseUrl, page.Next);
            }
        }

        var asOf = time.GetUtcNow();
        return ScrapeBuilder.Build(asOf, PagedPrices.Map(rows, asOf, []));
    }
}
