using Pricing.Contracts.Events;
using System.Diagnostics;
using System.Net;
using Pricing.Catalog;
using Pricing.FakeProviders;

namespace Pricing.Sources.Tests;

/// <summary>
/// The pipeline every provider's live source runs through, once for all of them: the provider HTTP client's resilience
/// (retries honouring Retry-After, per-attempt timeout, bodies read inside it, buffered or spooled), and the catalog
/// (validation, partial-scrape guard, versions, events), against the paged fake. Each provider's HttpSourceTests keep
/// only what is its own API's (paging, format, its own failures).
/// </summary>
public sealed class SharedPipelineTests : IAsyncLifetime
{
    private static readonly TimeSpan EventTimeout = TimeSpan.FromSeconds(10);
    private static readonly PagedPriceRow Changing = PagedPrices.Initial[10];

    private FakePagedPriceApi _fake = null!;
    private ProviderHttpHost? _host;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private ProviderHttpHost Host => _host ?? throw new InvalidOperationException("Call StartAsync first.");

    private ProviderPriceCatalog Catalog => Host.Catalog;

    public async ValueTask InitializeAsync() => _fake = await new FakePagedPriceApi().StartAsync(Ct);

    public async ValueTask DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }

        await _fake.DisposeAsync();
    }

    private async Task StartAsync(ResponseBodies bodies = ResponseBodies.Buffered) =>
        _host = await ProviderHttpHost.StartAsync(PagedPrices.With(bodies), _fake.BaseUrl, Ct);

    private async Task<CatalogSnapshot> PublishFirstVersionAsync(ResponseBodies bodies = ResponseBodies.Buffered)
    {
        await StartAsync(bodies);
        return await Host.PublishFirstVersionAsync(Ct);
    }

    [Fact]
    public async Task The_first_scrape_is_version_1_and_publishes_every_offer_as_added()
    {
        await StartAsync();

        var outcome = await Catalog.ScrapeOnceAsync(Ct);

        Assert.Equal(ScrapeResultKind.Published, outcome.Kind);
        Assert.Null(outcome.Error);
        Assert.Equal(1, outcome.Version);
        Assert.Equal(PagedPrices.Offers, outcome.Offers);
        Assert.Equal(0, outcome.Quarantined);
        Assert.Equal(PagedPrices.Initial.ToDictionary(PagedPrices.KeyOf, r => r.Price).OrderBy(p => p.Key, StringComparer.Ordinal),
            Catalog.Current.Offers.ToDictionary(p => p.Key, p => p.Value.PricePerInstanceHour).OrderBy(p => p.Key, StringComparer.Ordinal));
        Assert.Equal(Enumerable.Range(0, _fake.PageCount), _fake.Requests.Select(r => r.Page));

        var status = Catalog.Status();
        Assert.False(status.Stale);
        Assert.True(status.LastAttemptSucceeded);
        Assert.Equal($"http {_fake.BaseUrl}", status.Source);

        var published = await Host.Events.WaitForVersionAsync(1, EventTimeout);
        Assert.Equal(PagedPrices.Offers, published.OfferCount);
        Assert.Equal(PagedPrices.Offers, published.Added);
        Assert.Equal(0, published.PreviousVersion);
        Assert.All(Host.Events.Changes, c => Assert.Equal(ChangeKind.Added, c.Kind));
        Assert.Equal(PagedPrices.Offers, Host.Events.Changes.Count);
    }

    [Fact]
    public async Task A_version_goes_out_as_ordered_parts_of_at_most_the_window_and_change_by_change_with_the_same_changes()
    {
        // 100 offers with a window of 30: parts of 30, 30, 30 and 10.
        _host = await ProviderHttpHost.StartAsync(PagedPrices.With(ResponseBodies.Buffered), _fake.BaseUrl, Ct,
            new Dictionary<string, string?> { ["Scrape:PublishWindow"] = "30" });

        Assert.Equal(ScrapeResultKind.Published, (await Catalog.ScrapeOnceAsync(Ct)).Kind);
        await Catalog.SubscribersPublished;
        var announced = await Host.Events.WaitForVersionAsync(1, EventTimeout);

        var parts = Host.Events.VersionParts.Where(p => p.CatalogVersion == 1).OrderBy(p => p.Part).ToList();
        Assert.Equal([(1, 30), (2, 30), (3, 30), (4, 10)], parts.Select(p => (p.Part, p.Changes.Length)));
        Assert.All(parts, p => Assert.Equal((4, PagedPrices.Offers, 0L, PagedPrices.Offers), (p.Parts, p.ChangeCount, p.PreviousVersion, p.OfferCount)));
        Assert.Equal(announced.ChangeCount, parts[0].ChangeCount);
        // Each change in a part is exactly the message published on its own for topic subscribers.
        Assert.Equal(Host.Events.Changes.OrderBy(c => c.OfferKey, StringComparer.Ordinal),
            parts.SelectMany(p => p.Changes).OrderBy(c => c.OfferKey, StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_versions_per_change_messages_wait_the_subscriber_delay_after_its_parts_so_Quotes_goes_first()
    {
        _host = await ProviderHttpHost.StartAsync(PagedPrices.With(ResponseBodies.Buffered), _fake.BaseUrl, Ct,
            new Dictionary<string, string?> { ["Scrape:PublishWindow"] = "30", ["Scrape:SubscriberPublishDelay"] = "00:00:01" });

        Assert.Equal(ScrapeResultKind.Published, (await Catalog.ScrapeOnceAsync(Ct)).Kind);
        var partsConfirmed = Stopwatch.StartNew();
        var deadline = DateTime.UtcNow + EventTimeout;
        while (Host.Events.VersionParts.Count(p => p.CatalogVersion == 1) < 4)
        {
            Assert.True(DateTime.UtcNow < deadline, "the version's parts never arrived");
            await Task.Delay(10, Ct);
        }

        // The parts are out; the per-change messages are not, yet.
        await Task.Delay(300, Ct);
        Assert.Empty(Host.Events.Changes);

        await Catalog.SubscribersPublished.WaitAsync(EventTimeout, Ct);
        Assert.True(partsConfirmed.Elapsed >= TimeSpan.FromMilliseconds(900), $"the per-change messages went {partsConfirmed.Elapsed} after the parts");
        await Host.Events.WaitForVersionAsync(1, EventTimeout);
        Assert.Equal(PagedPrices.Offers, Host.Events.Changes.Count(c => c.CatalogVersion == 1));
    }

    [Theory]
    [InlineData(HttpStatusCode.TooManyRequests)]
    [InlineData(HttpStatusCode.ServiceUnavailable)]
    public async Task An_error_with_Retry_After_is_retried_after_the_time_it_asks_for(HttpStatusCode status)
    {
        await StartAsync();
        _fake.FailNext(1, status, retryAfter: TimeSpan.FromSeconds(1), at: 1);

        var stopwatch = Stopwatch.StartNew();
        var outcome = await Catalog.ScrapeOnceAsync(Ct);
        stopwatch.Stop();

        Assert.Equal(ScrapeResultKind.Published, outcome.Kind);
        Assert.Equal(PagedPrices.Offers, outcome.Offers);
        Assert.Equal(0, _fake.PendingFaults);
        Assert.Equal(_fake.PageCount + 1, _fake.RequestCount);
        Assert.Equal(1, _fake.Requests[1].Page);
        Assert.Equal(1, _fake.Requests[2].Page);
        // The configured back-off is 50 ms; only the Retry-After header makes the retry wait about a second.
        var gap = _fake.Requests[2].ReceivedAt - _fake.Requests[1].ReceivedAt;
        Assert.True(gap >= TimeSpan.FromMilliseconds(900), $"The retry came {gap} after the {(int)status}: Retry-After: 1 was not honoured.");
        Assert.True(stopwatch.Elapsed >= TimeSpan.FromMilliseconds(950), $"The scrape took {stopwatch.Elapsed}: Retry-After: 1 was not honoured.");
    }

    [Fact]
    public async Task Two_503s_are_retried_and_the_scrape_succeeds()
    {
        await StartAsync();
        _fake.FailNext(2, HttpStatusCode.ServiceUnavailable);

        var outcome = await Catalog.ScrapeOnceAsync(Ct);

        Assert.Equal(ScrapeResultKind.Published, outcome.Kind);
        Assert.Equal(PagedPrices.Offers, outcome.Offers);
        Assert.Equal(0, _fake.PendingFaults);
        Assert.Equal(_fake.PageCount + 2, _fake.RequestCount);
    }

    [Theory]
    [InlineData(ResponseBodies.Buffered)]
    [InlineData(ResponseBodies.SpooledToDisk)]
    public async Task A_page_that_times_out_is_cut_by_the_attempt_timeout_retried_and_the_scrape_succeeds(ResponseBodies bodies)
    {
        await StartAsync(bodies);
        _fake.DelayNext(1, TimeSpan.FromSeconds(30), at: 2);

        var stopwatch = Stopwatch.StartNew();
        var outcome = await Catalog.ScrapeOnceAsync(Ct);
        stopwatch.Stop();

        Assert.Equal(ScrapeResultKind.Published, outcome.Kind);
        Assert.Equal(PagedPrices.Offers, outcome.Offers);
        Assert.Equal(_fake.PageCount + 1, _fake.RequestCount);
        Assert.Equal(2, _fake.Requests.Count(r => r.Page == 2));
        // Cut by the attempt timeout, not by the 30 s delay.
        Assert.InRange(stopwatch.Elapsed, ProviderHttpHost.AttemptTimeout * 0.9, TimeSpan.FromSeconds(20));
    }

    [Theory]
    [InlineData(HttpStatusCode.ServiceUnavailable)]
    [InlineData(HttpStatusCode.InternalServerError)]
    public async Task A_page_failing_more_often_than_the_retries_fails_the_scrape_keeps_the_catalog_and_the_next_good_one_recovers(HttpStatusCode status)
    {
        var before = await PublishFirstVersionAsync();
        var requestsBefore = _fake.RequestCount;
        _fake.FailNext(ProviderHttpHost.MaxRetries + 1, status, at: 2);

        var outcome = await Catalog.ScrapeOnceAsync(Ct);

        Assert.Equal(ScrapeResultKind.Failed, outcome.Kind);
        Assert.Contains(((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture), outcome.Error, StringComparison.Ordinal);
        Host.AssertKeptAndStale(before, outcome, PagedPrices.Offers);
        // Pages 0 and 1, then every attempt at page 2; nothing after it.
        Assert.Equal(2 + ProviderHttpHost.MaxRetries + 1, _fake.RequestCount - requestsBefore);
        Assert.Equal(0, _fake.PendingFaults);

        // The next good scrape is the next version, with nothing changed, and the catalog is fresh again.
        var recovered = await Catalog.ScrapeOnceAsync(Ct);
        Assert.Equal((ScrapeResultKind.Published, 2L, 0), (recovered.Kind, recovered.Version, recovered.Changes));
        Assert.False(Catalog.Status().Stale);

        var v2 = await Host.Events.WaitForVersionAsync(2, EventTimeout);
        Assert.Equal(1, v2.PreviousVersion);
        Assert.Equal(0, v2.ChangeCount);
        Assert.Equal([1L, 2L], Host.Events.Catalogs.Select(c => c.CatalogVersion).Order());
    }

    [Theory]
    [InlineData(TruncationMode.EndCleanly, ResponseBodies.Buffered)]
    [InlineData(TruncationMode.AbortConnection, ResponseBodies.Buffered)]
    [InlineData(TruncationMode.EndCleanly, ResponseBodies.SpooledToDisk)]
    [InlineData(TruncationMode.AbortConnection, ResponseBodies.SpooledToDisk)]
    public async Task A_truncated_page_fails_the_scrape_keeps_the_previous_version_and_publishes_nothing(TruncationMode mode, ResponseBodies bodies)
    {
        var before = await PublishFirstVersionAsync(bodies);
        await Host.Events.WaitForVersionAsync(1, EventTimeout);
        var requestsBefore = _fake.RequestCount;
        // As many truncations as attempts, so the outcome does not depend on whether a cut body is retried.
        _fake.TruncateNext(ProviderHttpHost.MaxRetries + 1, mode, at: 1);

        var outcome = await Catalog.ScrapeOnceAsync(Ct);

        Assert.Equal(ScrapeResultKind.Failed, outcome.Kind);
        Host.AssertKeptAndStale(before, outcome, PagedPrices.Offers);
        var after = _fake.Requests.Skip(requestsBefore).ToList();
        Assert.Contains(after, r => r.Page == 1);
        Assert.DoesNotContain(after, r => r.Page > 1);
        await Host.AssertNothingPublishedAfterVersion1Async(EventTimeout);
    }

    [Theory]
    [InlineData(ResponseBodies.Buffered)]
    [InlineData(ResponseBodies.SpooledToDisk)]
    public async Task A_body_that_stalls_mid_page_once_is_retried_within_the_attempt_timeout(ResponseBodies bodies)
    {
        await PublishFirstVersionAsync(bodies);
        _fake.TruncateNext(1, TruncationMode.Stall, at: 1);
        using var guard = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        guard.CancelAfter(TimeSpan.FromSeconds(20));
        var started = Stopwatch.StartNew();

        var outcome = await Catalog.ScrapeOnceAsync(guard.Token);

        Assert.Equal(ScrapeResultKind.Published, outcome.Kind);
        Assert.True(started.Elapsed >= ProviderHttpHost.AttemptTimeout, $"The stalled attempt should have timed out first; took {started.Elapsed}.");
        Assert.Equal(0, _fake.PendingFaults);
    }

    [Theory]
    [InlineData(ResponseBodies.Buffered)]
    [InlineData(ResponseBodies.SpooledToDisk)]
    public async Task A_body_that_stalls_on_every_attempt_fails_the_scrape_in_bounded_time(ResponseBodies bodies)
    {
        var before = await PublishFirstVersionAsync(bodies);
        _fake.TruncateNext(ProviderHttpHost.MaxRetries + 1, TruncationMode.Stall, at: 1);
        using var guard = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        guard.CancelAfter(TimeSpan.FromSeconds(60));

        var outcome = await Catalog.ScrapeOnceAsync(guard.Token);

        Assert.Equal(ScrapeResultKind.Failed, outcome.Kind);
        Host.AssertKeptAndStale(before, outcome, PagedPrices.Offers);
    }

    [Fact]
    public async Task A_price_change_at_the_provider_is_the_next_version_with_exactly_one_change()
    {
        await PublishFirstVersionAsync();
        var key = PagedPrices.KeyOf(Changing);
        Assert.Equal(1, _fake.SetPrice(Changing.Instance, Changing.Model, 77.5m));

        var outcome = await Catalog.ScrapeOnceAsync(Ct);

        Assert.Equal(ScrapeResultKind.Published, outcome.Kind);
        Assert.Equal(2, outcome.Version);
        Assert.Equal(1, outcome.Changes);
        Assert.Equal(PagedPrices.Offers, outcome.Offers);
        Assert.Equal(77.5m, Catalog.Current.Offers[key].PricePerInstanceHour);

        var v2 = await Host.Events.WaitForVersionAsync(2, EventTimeout);
        Assert.Equal((0, 1, 0), (v2.Added, v2.Changed, v2.Removed));
        var change = Assert.Single(Host.Events.Changes, c => c.CatalogVersion == 2);
        Assert.Equal(ChangeKind.Changed, change.Kind);
        Assert.Equal(key, change.OfferKey);
        Assert.Equal(Changing.Price, change.OldPricePerInstanceHour);
        Assert.Equal(77.5m, change.NewPricePerInstanceHour);
        Assert.Equal(PagedPrices.AcceleratorId, change.AcceleratorId);
    }

    [Fact]
    public async Task A_scrape_with_far_fewer_offers_is_rejected_as_partial_and_the_catalog_stays()
    {
        var before = await PublishFirstVersionAsync();
        var kept = PagedPrices.Initial.First(r => r.Region == "region-0");
        Assert.True(_fake.RemoveRows(r => r.Region != "region-0") > 0);

        var outcome = await Catalog.ScrapeOnceAsync(Ct);

        Assert.Equal(ScrapeResultKind.RejectedAsPartial, outcome.Kind);
        Assert.Contains("Partial", outcome.Error, StringComparison.Ordinal);
        Assert.True(outcome.Offers > 0 && outcome.Offers < PagedPrices.Offers * 0.8, $"{outcome.Offers} offers");
        Host.AssertKeptAndStale(before, outcome, PagedPrices.Offers);
        Assert.True(Catalog.Current.Offers.ContainsKey(PagedPrices.KeyOf(PagedPrices.Initial.First(r => r.Region == "region-3"))));
        Assert.True(Catalog.Current.Offers.ContainsKey(PagedPrices.KeyOf(kept)));
        await Host.AssertNothingPublishedAfterVersion1Async(EventTimeout);
    }
}
