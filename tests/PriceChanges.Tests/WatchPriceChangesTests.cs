using Google.Rpc;
using Grpc.Core;
using Pricing.Contracts;
using Pricing.Contracts.Events;
using Pricing.Contracts.V1;
using Pricing.FakeProviders;
using Pricing.Sources;
using Pricing.Testing;

namespace PriceChanges.Tests;

/// <summary>
/// WatchPriceChanges, GetPriceHistory and GetViewStatus on real RabbitMQ and Redis: a synthetic provider moves
/// every price, Quotes consumes the changes, and gRPC clients see exactly the ones their filter selects, once.
/// </summary>
public sealed class WatchPriceChangesTests(RabbitMqTestServer rabbit, RedisTestServer redis)
    : IClassFixture<RabbitMqTestServer>, IClassFixture<RedisTestServer>
{
    private const int Offers = 200;
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(700);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<PriceChangeHosts> StartAsync()
    {
        rabbit.SkipIfUnavailable();
        redis.SkipIfUnavailable();
        var hosts = await PriceChangeHosts.StartAsync(rabbit, redis, Offers, Ct);
        var v1 = await hosts.Provider.Catalog().ScrapeOnceAsync(Ct);
        Assert.Equal(ScrapeResultKind.Published, v1.Kind);
        await hosts.WaitForVersionAsync(1, Ct);
        await hosts.WaitForChangesPassedOnAsync(Offers, Ct);
        return hosts;
    }

    private static async Task<ScrapeOutcome> BumpAsync(PriceChangeHosts hosts)
    {
        hosts.Provider.Source().Bump();
        var outcome = await hosts.Provider.Catalog().ScrapeOnceAsync(Ct);
        Assert.Equal(ScrapeResultKind.Published, outcome.Kind);
        Assert.Equal(Offers, outcome.Changes);
        return outcome;
    }

    /// <summary>Offer indexes a filter on region and pricing model selects.</summary>
    private static IReadOnlyList<int> Selected(Func<int, bool> predicate) => Enumerable.Range(0, Offers).Where(predicate).ToList();

    [Fact]
    public async Task A_watcher_with_a_routing_pattern_receives_exactly_the_matching_live_changes_once_with_their_new_prices()
    {
        await using var hosts = await StartAsync();
        var expected = Selected(i => SyntheticPriceSource.RegionOf(i) == "region-3" && SyntheticPriceSource.PricingModelOf(i) == "spot");
        Assert.NotEmpty(expected);

        using var call = hosts.Changes.WatchPriceChanges(new WatchPriceChangesRequest
        {
            Filter = new PriceChangeFilter { RoutingPattern = "synthetic.region-3.*.spot" },
        }, cancellationToken: Ct);
        await call.ResponseHeadersAsync;
        var outcome = await BumpAsync(hosts);

        var notices = await PriceChangeHosts.ReadAsync(call, expected.Count, Quiet, Ct);

        Assert.Equal(expected.Count, notices.Count);
        Assert.Equal(expected.Count, notices.Select(n => n.Change.OfferKey).Distinct().Count());
        Assert.All(notices, n =>
        {
            Assert.False(n.Replayed);
            Assert.Equal(outcome.Version, n.Change.CatalogVersion);
            Assert.Equal(PriceChangeKind.Changed, n.Change.Kind);
            Assert.True(TopicPattern.Matches("synthetic.region-3.*.spot", n.RoutingKey));
            var index = int.Parse(n.Change.Offer.InstanceType.Split('.')[1], System.Globalization.CultureInfo.InvariantCulture);
            Assert.Contains(index, expected);
            Assert.Equal(SyntheticPriceSource.PriceOf(index, 0), n.Change.OldPricePerInstanceHour.ToDecimal());
            Assert.Equal(SyntheticPriceSource.PriceOf(index, 1), n.Change.NewPricePerInstanceHour.ToDecimal());
        });
    }

    [Fact]
    public async Task A_watcher_resuming_after_a_version_gets_the_recorded_changes_since_then_and_then_live_ones_each_once()
    {
        await using var hosts = await StartAsync();
        var v2 = await BumpAsync(hosts);
        await hosts.WaitForVersionAsync(v2.Version, Ct);

        // A client that saw version 1 and was away for version 2 reconnects; version 3 happens while it watches.
        using var call = hosts.Changes.WatchPriceChanges(new WatchPriceChangesRequest
        {
            Filter = new PriceChangeFilter { Provider = "synthetic", PricingModel = "on_demand" },
            ResumeAfter = { ["synthetic"] = 1 },
        }, cancellationToken: Ct);
        await call.ResponseHeadersAsync;
        var perVersion = Selected(i => SyntheticPriceSource.PricingModelOf(i) == "on_demand").Count;
        // Version 3 starts once the replay of version 2 has arrived (started earlier, its first changes could be in
        // the history the replay reads: still each sent once, but as replayed, which this test tells apart).
        var notices = new List<PriceChangeNotice>();
        while (notices.Count < perVersion && await call.ResponseStream.MoveNext(Ct))
        {
            notices.Add(call.ResponseStream.Current);
        }

        var v3 = await BumpAsync(hosts);
        notices.AddRange(await PriceChangeHosts.ReadAsync(call, perVersion, Quiet, Ct));

        Assert.Equal(2 * perVersion, notices.Count);
        Assert.Equal(notices.Count, notices.Select(n => (n.Change.CatalogVersion, n.Change.OfferKey)).Distinct().Count());
        var replayed = notices.Where(n => n.Replayed).ToList();
        Assert.Equal(perVersion, replayed.Count);
        Assert.All(replayed, n => Assert.Equal(v2.Version, n.Change.CatalogVersion));
        Assert.All(notices.Where(n => !n.Replayed), n => Assert.Equal(v3.Version, n.Change.CatalogVersion));
        // Replay comes first, in version order.
        Assert.True(notices.Take(perVersion).All(n => n.Replayed));
    }

    [Fact]
    public async Task History_serves_every_change_of_an_offer_oldest_first_and_the_view_reports_its_version()
    {
        await using var hosts = await StartAsync();
        await BumpAsync(hosts);
        await BumpAsync(hosts);
        await hosts.WaitForVersionAsync(3, Ct);

        var offerKey = Pricing.Catalog.OfferKey.Format("synthetic", SyntheticPriceSource.RegionOf(7), null, "synthetic.7", SyntheticPriceSource.PricingModelOf(7));
        var history = await WaitForHistoryAsync(hosts, new GetPriceHistoryRequest { OfferKey = offerKey }, 3);

        Assert.Equal([1L, 2L, 3L], history.Changes.Select(c => c.CatalogVersion));
        Assert.Equal(PriceChangeKind.Added, history.Changes[0].Kind);
        Assert.Equal([SyntheticPriceSource.PriceOf(7, 0), SyntheticPriceSource.PriceOf(7, 1), SyntheticPriceSource.PriceOf(7, 2)],
            history.Changes.Select(c => c.NewPricePerInstanceHour.ToDecimal()));

        var spotNewest = await hosts.Changes.GetPriceHistoryAsync(new GetPriceHistoryRequest
        {
            AcceleratorId = SyntheticPriceSource.AcceleratorId, PricingModel = "spot", Limit = 10,
        }, cancellationToken: Ct);
        Assert.True(spotNewest.Truncated);
        Assert.Equal(10, spotNewest.Changes.Count);
        Assert.All(spotNewest.Changes, c => Assert.Equal(3, c.CatalogVersion));

        var status = await hosts.Changes.GetViewStatusAsync(new GetViewStatusRequest(), cancellationToken: Ct);
        var synthetic = Assert.Single(status.Providers);
        Assert.Equal(3, synthetic.Version);
        Assert.Equal(Offers, synthetic.Offers);
        Assert.Equal("redis", status.HistoryStore);
        Assert.Equal(0, status.Resyncs);
    }

    [Fact]
    public async Task Bad_watch_and_history_requests_get_InvalidArgument_with_a_violation_per_field()
    {
        await using var hosts = await StartAsync();

        var watch = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            using var call = hosts.Changes.WatchPriceChanges(new WatchPriceChangesRequest
            {
                Filter = new PriceChangeFilter { RoutingPattern = "aws..spot*" },
                ResumeAfter = { ["synthetic"] = -4 },
            }, cancellationToken: Ct);
            await call.ResponseStream.MoveNext(Ct);
        });
        AssertViolations(watch, "filter.routing_pattern", "resume_after[synthetic]");

        var history = await Assert.ThrowsAsync<RpcException>(async () => await hosts.Changes.GetPriceHistoryAsync(new GetPriceHistoryRequest
        {
            Limit = -1,
            From = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.UnixEpoch.AddDays(2)),
            To = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.UnixEpoch.AddDays(1)),
        }, cancellationToken: Ct));
        AssertViolations(history, "offer_key", "to", "limit");
    }

    private static void AssertViolations(RpcException ex, params string[] fields)
    {
        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        var badRequest = ex.GetRpcStatus()?.GetDetail<BadRequest>();
        Assert.NotNull(badRequest);
        Assert.Equal(fields.Order(), badRequest.FieldViolations.Select(v => v.Field).Order());
    }

    private static async Task<GetPriceHistoryResponse> WaitForHistoryAsync(PriceChangeHosts hosts, GetPriceHistoryRequest request, int count)
    {
        // The view advancing and the history write are separate steps of one consumer call; give the last one a moment.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            var response = await hosts.Changes.GetPriceHistoryAsync(request, cancellationToken: Ct);
            if (response.Changes.Count >= count || DateTime.UtcNow > deadline)
            {
                return response;
            }

            await Task.Delay(50, Ct);
        }
    }
}
