using Grpc.Core;
using Grpc.Net.Client;
using PriceChanges.Tests;
using Pricing.Contracts;
using Pricing.Contracts.V1;
using Pricing.FakeProviders;
using Pricing.ServiceDefaults;
using Pricing.Sources;
using Pricing.Testing;

namespace Resilience.Tests;

/// <summary>
/// Faults on the real servers, bounded and on loopback only: the broker killed (SIGKILL) mid-burst, a broker memory
/// alarm, Redis killed while quoting, Quotes restarted mid-stream and while Redis is down. Each asserts that nothing
/// is lost and nothing is told or recorded twice. Each writes its figures (what was killed, how many changes, lost and
/// duplicated counts) to the file PRICING_TEST_FIGURES names, when set: docs/reliability.md quotes them.
/// </summary>
public sealed class FaultTests(RabbitMqTestServer rabbit, RedisTestServer redis) : IClassFixture<RabbitMqTestServer>, IClassFixture<RedisTestServer>
{
    private const int BurstOffers = 1000;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static void Figure(string line)
    {
        TestContext.Current.TestOutputHelper?.WriteLine(line);
        if (TestInfrastructure.Variable("PRICING_TEST_FIGURES") is { } file)
        {
            File.AppendAllText(file, $"{DateTime.UtcNow:O} {TestContext.Current.Test?.TestDisplayName}: {line}{Environment.NewLine}");
        }
    }

    /// <summary>Lost and duplicated counts of <paramref name="expected"/> offers in what was received.</summary>
    private static (int Lost, int Duplicated) Tally(IEnumerable<string> received, int expected)
    {
        var list = received.ToList();
        var distinct = list.Distinct(StringComparer.Ordinal).Count();
        return (expected - distinct, list.Count - distinct);
    }

    private static WatchPriceChangesRequest WatchSynthetic(long? resumeAfter = null)
    {
        var request = new WatchPriceChangesRequest { Filter = new PriceChangeFilter { Provider = "synthetic" } };
        if (resumeAfter is { } v)
        {
            request.ResumeAfter["synthetic"] = v;
        }

        return request;
    }

    [Fact]
    public async Task RabbitMQ_killed_in_the_middle_of_a_burst_of_1000_changes_then_restarted_loses_none_and_duplicates_none()
    {
        rabbit.SkipIfUnavailable();
        redis.SkipIfUnavailable();
        var pidFile = RabbitMqNode.PidFileOrSkip();
        // One change in flight at a time, so the burst takes seconds and the broker goes away in the middle of it.
        await using var hosts = await PriceChangeHosts.StartAsync(rabbit, redis, BurstOffers, Ct, new Dictionary<string, string?> { ["Scrape:PublishWindow"] = "1", ["Scrape:PublishTimeout"] = "00:00:10" });
        Assert.Equal(ScrapeResultKind.Published, (await hosts.Provider.Catalog().ScrapeOnceAsync(Ct)).Kind);
        await hosts.WaitForVersionAsync(1, Ct);
        // Version 1 can be visible (from the snapshot) while its additions are still being consumed: let them all
        // pass before watching, or the watcher would see their tail.
        await hosts.WaitForChangesPassedOnAsync(BurstOffers, Ct);

        using var watch = hosts.Changes.WatchPriceChanges(WatchSynthetic(), cancellationToken: Ct);
        await watch.ResponseHeadersAsync;
        var notices = new List<PriceChangeNotice>();
        var reader = Task.Run(async () =>
        {
            try
            {
                while (await watch.ResponseStream.MoveNext(Ct))
                {
                    lock (notices)
                    {
                        notices.Add(watch.ResponseStream.Current);
                    }
                }
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.Cancelled)
            {
            }
        }, Ct);
        int Received()
        {
            lock (notices)
            {
                return notices.Count;
            }
        }

        // Prices move before the scrape starts (it reads them when it starts).
        hosts.Provider.Source().Bump();
        var scrape = Task.Run(() => hosts.Provider.Catalog().ScrapeOnceAsync(Ct), Ct);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (Received() < 50 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(5, Ct);
        }

        await RabbitMqNode.KillAsync(pidFile, Ct);
        var atStop = Received();
        await RabbitMqNode.StartAsync(pidFile, Ct);

        var outcome = await scrape.WaitAsync(TimeSpan.FromMinutes(3), Ct);
        Assert.Equal(ScrapeResultKind.Published, outcome.Kind);
        Assert.Equal(BurstOffers, outcome.Changes);
        await hosts.WaitForVersionAsync(2, Ct, TimeSpan.FromMinutes(2));

        deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (Received() < BurstOffers && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50, Ct);
        }

        await Task.Delay(1000, Ct); // a duplicate would arrive now
        List<PriceChangeNotice> seen;
        lock (notices)
        {
            seen = [.. notices];
        }

        // The history, fed by the shared queue (acked only once Redis has each change), holds every change once.
        await PriceChangeHosts.WaitForHistoryAsync(hosts.Quotes, 1, BurstOffers, Ct);
        var store = hosts.Quotes.Services.GetRequiredService<Quotes.History.IPriceHistoryStore>();
        var recorded = await store.ReadAfterAsync("synthetic", 1, Ct).Select(c => c.OfferKey).ToListAsync(Ct);
        var watcher = Tally(seen.Select(n => n.Change.OfferKey), BurstOffers);
        var history = Tally(recorded, BurstOffers);
        Figure($"RabbitMQ SIGKILLed after {atStop} of {BurstOffers} changes had reached the watcher; after restart: watcher lost {watcher.Lost}, duplicated {watcher.Duplicated}; history lost {history.Lost}, duplicated {history.Duplicated}");

        Assert.True(atStop < BurstOffers, $"the broker was killed after all {BurstOffers} changes had arrived, not mid-burst ({atStop})");
        Assert.Equal((0, 0), watcher);
        Assert.Equal((0, 0), history);
        Assert.Equal(BurstOffers, seen.Count);
        Assert.Equal(BurstOffers, seen.Select(n => n.Change.OfferKey).Distinct().Count());
        Assert.All(seen, n => Assert.Equal(2, n.Change.CatalogVersion));

        // And Quotes' view holds every new price.
        var view = hosts.Quotes.Services.GetRequiredService<Pricing.Quoting.PriceView>();
        var catalog = Assert.Single(view.Current.Catalogs, c => c.Provider == "synthetic");
        Assert.Equal(BurstOffers, catalog.Offers.Count);
        Assert.All(catalog.Offers.Values, o =>
            Assert.Equal(SyntheticPriceSource.PriceOf(int.Parse(o.InstanceType.Split('.')[1], System.Globalization.CultureInfo.InvariantCulture), 1), o.PricePerInstanceHour));
    }

    [Fact]
    public async Task Redis_killed_while_quoting_keeps_quotes_coming_and_history_resumes_with_what_happened_meanwhile()
    {
        rabbit.SkipIfUnavailable();
        await using var privateRedis = await PrivateRedis.StartOrSkipAsync(Ct);
        var vhost = await rabbit.CreateVirtualHostAsync($"fault-redis-{Guid.NewGuid():N}");
        await using var provider = await SyntheticProviderHost.StartAsync(new Dictionary<string, string?>
        {
            ["ConnectionStrings:rabbitmq"] = vhost,
            ["Synthetic:Offers"] = "100",
        }, Ct);
        await using var quotes = await PriceChangeHosts.StartQuotesAsync(vhost, privateRedis.ConnectionString, "fault:", provider.BoundAddress(), Ct);
        using var channel = GrpcChannel.ForAddress(quotes.BoundAddress());
        var changes = new Pricing.Contracts.V1.PriceChanges.PriceChangesClient(channel);
        var trainingQuotes = new TrainingQuotes.TrainingQuotesClient(channel);
        var request = new QuoteTrainingRunRequest { Parameters = 7e9, Tokens = 1e11, AcceleratorIds = { SyntheticPriceSource.AcceleratorId } };

        await provider.Catalog().ScrapeOnceAsync(Ct);
        await WaitForVersionAsync(changes, 1);
        var before = await trainingQuotes.QuoteTrainingRunAsync(request, cancellationToken: Ct);
        Assert.NotEmpty(before.Options);

        await privateRedis.KillAsync();

        // Quotes keep coming, computed afresh, while Redis is gone; a new version is consumed meanwhile.
        provider.Source().Bump();
        await provider.Catalog().ScrapeOnceAsync(Ct);
        await WaitForVersionAsync(changes, 2);
        for (var i = 0; i < 5; i++)
        {
            var during = await trainingQuotes.QuoteTrainingRunAsync(request, cancellationToken: Ct);
            Assert.NotEmpty(during.Options);
            Assert.True(during.Options[0].PricePerAcceleratorHour.ToDecimal() > before.Options[0].PricePerAcceleratorHour.ToDecimal(),
                "the quote during the outage uses version 2's (higher) prices");
        }

        await privateRedis.StartAsync(Ct);

        // The changes of version 2, held in memory during the outage, reach the (restarted, empty) history.
        var offerKey = Pricing.Catalog.OfferKey.Format("synthetic", SyntheticPriceSource.RegionOf(5), null, "synthetic.5", SyntheticPriceSource.PricingModelOf(5));
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        GetPriceHistoryResponse history;
        while (true)
        {
            try
            {
                history = await changes.GetPriceHistoryAsync(new GetPriceHistoryRequest { OfferKey = offerKey }, cancellationToken: Ct);
                if (history.Changes.Any(c => c.CatalogVersion == 2))
                {
                    break;
                }
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.Unavailable)
            {
            }

            Assert.True(DateTime.UtcNow < deadline, "history did not resume after Redis came back");
            await Task.Delay(200, Ct);
        }

        var v2 = Assert.Single(history.Changes, c => c.CatalogVersion == 2);
        Assert.Equal(SyntheticPriceSource.PriceOf(5, 1), v2.NewPricePerInstanceHour.ToDecimal());

        // And what happens after the outage is recorded directly again.
        provider.Source().Bump();
        await provider.Catalog().ScrapeOnceAsync(Ct);
        await WaitForVersionAsync(changes, 3);
        deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!(await changes.GetPriceHistoryAsync(new GetPriceHistoryRequest { OfferKey = offerKey }, cancellationToken: Ct)).Changes.Any(c => c.CatalogVersion == 3))
        {
            Assert.True(DateTime.UtcNow < deadline, "version 3 did not reach the history");
            await Task.Delay(100, Ct);
        }
    }

    [Fact]
    public async Task Quotes_restarted_mid_stream_resyncs_and_a_resuming_watcher_gets_every_change_once()
    {
        rabbit.SkipIfUnavailable();
        redis.SkipIfUnavailable();
        var hosts = await PriceChangeHosts.StartAsync(rabbit, redis, BurstOffers, Ct);
        var keyPrefix = hosts.Quotes.Configuration["Redis:KeyPrefix"]!;
        await using var provider = hosts.Provider;
        await provider.Catalog().ScrapeOnceAsync(Ct);
        await hosts.WaitForVersionAsync(1, Ct);

        // Version 2 is on its way when the first Quotes instance goes down.
        provider.Source().Bump();
        var scrape = Task.Run(() => provider.Catalog().ScrapeOnceAsync(Ct), Ct);
        var feed = hosts.Quotes.Services.GetRequiredService<Quotes.History.PriceChangeFeed>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (feed.Received < BurstOffers + 1 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(2, Ct);
        }

        hosts.Channel.Dispose();
        await hosts.Quotes.StopAsync(Ct);
        await hosts.Quotes.DisposeAsync();
        Assert.Equal(ScrapeResultKind.Published, (await scrape.WaitAsync(TimeSpan.FromMinutes(2), Ct)).Kind);

        // A second instance on the same Redis (and a queue of its own): it bootstraps from the provider's snapshot, and
        // the shared history queue, holding what the first one had not written, drains into the history.
        await using var restarted = await PriceChangeHosts.StartQuotesAsync(hosts.VirtualHost, redis.ConnectionString, keyPrefix, provider.BoundAddress(), Ct);
        using var channel = GrpcChannel.ForAddress(restarted.BoundAddress());
        var changes = new Pricing.Contracts.V1.PriceChanges.PriceChangesClient(channel);
        await WaitForVersionAsync(changes, 2);
        var view = restarted.Services.GetRequiredService<Pricing.Quoting.PriceView>();
        var catalog = Assert.Single(view.Current.Catalogs, c => c.Provider == "synthetic");
        Assert.Equal(provider.Catalog().Current.Offers.Count, catalog.Offers.Count);
        Assert.All(catalog.Offers.Values, o => Assert.Equal(provider.Catalog().Current.Offers[o.OfferKey].PricePerInstanceHour, o.PricePerInstanceHour));

        // A watcher that had seen version 1 resumes against the new instance: all of version 2, once each.
        await PriceChangeHosts.WaitForHistoryAsync(restarted, 1, BurstOffers, Ct);
        using var watch = changes.WatchPriceChanges(WatchSynthetic(resumeAfter: 1), cancellationToken: Ct);
        var notices = await PriceChangeHosts.ReadAsync(watch, BurstOffers, TimeSpan.FromSeconds(1), Ct);
        var tally = Tally(notices.Select(n => n.Change.OfferKey), BurstOffers);
        Figure($"Quotes stopped with {feed.Received - BurstOffers} of {BurstOffers} changes of version 2 passed on; restarted instance's resuming watcher: lost {tally.Lost}, duplicated {tally.Duplicated}");
        Assert.Equal(BurstOffers, notices.Count);
        Assert.Equal(BurstOffers, notices.Select(n => n.Change.OfferKey).Distinct().Count());
        Assert.All(notices, n => Assert.Equal(2, n.Change.CatalogVersion));
    }

    [Fact]
    public async Task A_broker_memory_alarm_blocks_publishing_and_once_cleared_every_change_arrives_once()
    {
        rabbit.SkipIfUnavailable();
        redis.SkipIfUnavailable();
        RabbitMqNode.PidFileOrSkip();
        const int Offers = 500;
        await using var hosts = await PriceChangeHosts.StartAsync(rabbit, redis, Offers, Ct);
        Assert.Equal(ScrapeResultKind.Published, (await hosts.Provider.Catalog().ScrapeOnceAsync(Ct)).Kind);
        await hosts.WaitForVersionAsync(1, Ct);
        await hosts.WaitForChangesPassedOnAsync(Offers, Ct);
        var feed = hosts.Quotes.Services.GetRequiredService<Quotes.History.PriceChangeFeed>();
        using var watch = hosts.Changes.WatchPriceChanges(WatchSynthetic(), cancellationToken: Ct);
        await watch.ResponseHeadersAsync;

        Task<ScrapeOutcome> scrape;
        long duringAlarm;
        try
        {
            // A watermark no node can stay under: the broker raises its memory alarm and blocks every publisher.
            await RabbitMqNode.CtlAsync(Ct, "set_vm_memory_high_watermark", "0.0001");
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (!await RabbitMqNode.HasAlarmAsync(Ct))
            {
                Assert.True(DateTime.UtcNow < deadline, "the memory alarm was not raised");
                await Task.Delay(100, Ct);
            }

            hosts.Provider.Source().Bump();
            scrape = Task.Run(() => hosts.Provider.Catalog().ScrapeOnceAsync(Ct), Ct);
            // While the alarm holds, nothing of version 2 gets through. (A window is the only way to see "nothing".)
            await Task.Delay(TimeSpan.FromSeconds(3), Ct);
            duringAlarm = feed.Received - Offers;
            Assert.False(scrape.IsCompleted, "the scrape published while the broker's memory alarm was raised");
            Assert.Equal(0, duringAlarm);
        }
        finally
        {
            await RabbitMqNode.CtlAsync(Ct, "set_vm_memory_high_watermark", "0.4");
        }

        var outcome = await scrape.WaitAsync(TimeSpan.FromMinutes(3), Ct);
        Assert.Equal(ScrapeResultKind.Published, outcome.Kind);
        Assert.Equal(Offers, outcome.Changes);
        await hosts.WaitForVersionAsync(2, Ct, TimeSpan.FromMinutes(2));
        var notices = await PriceChangeHosts.ReadAsync(watch, Offers, TimeSpan.FromSeconds(1), Ct);
        await PriceChangeHosts.WaitForHistoryAsync(hosts.Quotes, 1, Offers, Ct);
        var store = hosts.Quotes.Services.GetRequiredService<Quotes.History.IPriceHistoryStore>();
        var watcher = Tally(notices.Select(n => n.Change.OfferKey), Offers);
        var history = Tally(await store.ReadAfterAsync("synthetic", 1, Ct).Select(c => c.OfferKey).ToListAsync(Ct), Offers);
        Figure($"memory alarm (vm_memory_high_watermark 0.0001) held 3 s during a {Offers}-change version: {duringAlarm} got through meanwhile; after clearing: watcher lost {watcher.Lost}, duplicated {watcher.Duplicated}; history lost {history.Lost}, duplicated {history.Duplicated}");
        Assert.Equal((0, 0), watcher);
        Assert.Equal((0, 0), history);
    }

    [Fact]
    public async Task Quotes_restarted_while_Redis_is_down_serves_from_the_snapshot_and_the_history_catches_up_once_Redis_is_back()
    {
        rabbit.SkipIfUnavailable();
        const int Offers = 200;
        await using var privateRedis = await PrivateRedis.StartOrSkipAsync(Ct, appendOnly: true);
        var vhost = await rabbit.CreateVirtualHostAsync($"fault-redis-restart-{Guid.NewGuid():N}");
        await using var provider = await PriceChangeHosts.StartProviderAsync(vhost, Offers, Ct);
        var first = await PriceChangeHosts.StartQuotesAsync(vhost, privateRedis.ConnectionString, "fault:", provider.BoundAddress(), Ct);
        await provider.Catalog().ScrapeOnceAsync(Ct);
        await PriceChangeHosts.WaitForHistoryAsync(first, 0, Offers, Ct);

        // Redis crashes (SIGKILL; its append-only file has every acknowledged write), then Quotes goes down too, and a
        // version is published while neither is there.
        await privateRedis.KillAsync();
        await first.StopAsync(Ct);
        await first.DisposeAsync();
        provider.Source().Bump();
        Assert.Equal(ScrapeResultKind.Published, (await provider.Catalog().ScrapeOnceAsync(Ct)).Kind);

        // Quotes starts with Redis still down: it starts, loads the provider's snapshot and quotes from it.
        await using var restarted = await PriceChangeHosts.StartQuotesAsync(vhost, privateRedis.ConnectionString, "fault:", provider.BoundAddress(), Ct);
        using var channel = GrpcChannel.ForAddress(restarted.BoundAddress());
        var changes = new Pricing.Contracts.V1.PriceChanges.PriceChangesClient(channel);
        await WaitForVersionAsync(changes, 2);
        var quote = await new TrainingQuotes.TrainingQuotesClient(channel).QuoteTrainingRunAsync(
            new QuoteTrainingRunRequest { Parameters = 7e9, Tokens = 1e11, AcceleratorIds = { SyntheticPriceSource.AcceleratorId } }, cancellationToken: Ct);
        Assert.NotEmpty(quote.Options);
        var offerKey = Pricing.Catalog.OfferKey.Format("synthetic", SyntheticPriceSource.RegionOf(5), null, "synthetic.5", SyntheticPriceSource.PricingModelOf(5));
        var unavailable = await Assert.ThrowsAsync<RpcException>(async () =>
            await changes.GetPriceHistoryAsync(new GetPriceHistoryRequest { OfferKey = offerKey }, cancellationToken: Ct));
        Assert.Equal(StatusCode.Unavailable, unavailable.StatusCode);

        // Redis comes back from its append-only file: version 1 survived the crash, and version 2, held unacked on the
        // shared history queue meanwhile, is written; each change once.
        await privateRedis.StartAsync(Ct);
        await PriceChangeHosts.WaitForHistoryAsync(restarted, 0, 2 * Offers, Ct, TimeSpan.FromMinutes(2));
        var store = restarted.Services.GetRequiredService<Quotes.History.IPriceHistoryStore>();
        var recorded = await store.ReadAfterAsync("synthetic", 0, Ct).ToListAsync(Ct);
        var v1 = Tally(recorded.Where(c => c.CatalogVersion == 1).Select(c => c.OfferKey), Offers);
        var v2 = Tally(recorded.Where(c => c.CatalogVersion == 2).Select(c => c.OfferKey), Offers);
        Figure($"Redis SIGKILLed (AOF everysec), Quotes stopped, a {Offers}-change version published, Quotes restarted with Redis down, Redis restarted: version 1 lost {v1.Lost}, duplicated {v1.Duplicated}; version 2 lost {v2.Lost}, duplicated {v2.Duplicated}");
        Assert.Equal(2 * Offers, recorded.Count);
        Assert.Equal((0, 0), v1);
        Assert.Equal((0, 0), v2);
        var history = await changes.GetPriceHistoryAsync(new GetPriceHistoryRequest { OfferKey = offerKey }, cancellationToken: Ct);
        Assert.Equal([1L, 2L], history.Changes.Select(c => c.CatalogVersion));
    }

    private static async Task WaitForVersionAsync(Pricing.Contracts.V1.PriceChanges.PriceChangesClient changes, long version)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            var status = await changes.GetViewStatusAsync(new GetViewStatusRequest(), cancellationToken: Ct);
            if (status.Providers.Any(p => p.Provider == "synthetic" && p.Version >= version))
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"view did not reach version {version}: {status}");
            await Task.Delay(50, Ct);
        }
    }
}
