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
/// Faults on the real servers, bounded and on loopback only: the broker stopped mid-burst, Redis killed while
/// quoting, Quotes restarted mid-stream. Each asserts that nothing is lost and nothing is told twice.
/// </summary>
public sealed class FaultTests(RabbitMqTestServer rabbit, RedisTestServer redis) : IClassFixture<RabbitMqTestServer>, IClassFixture<RedisTestServer>
{
    private const int BurstOffers = 1000;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

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
    public async Task RabbitMQ_stopped_in_the_middle_of_a_burst_of_1000_changes_then_restarted_loses_none_and_duplicates_none()
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

        await RabbitMqNode.StopAsync(pidFile, Ct);
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

        Assert.True(atStop < BurstOffers, $"the broker was stopped after all {BurstOffers} changes had arrived, not mid-burst ({atStop})");
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
            Assert.True(during.Options[0].PricePerInstanceHour.ToDecimal() > before.Options[0].PricePerInstanceHour.ToDecimal(),
                "the quote during the outage uses version 2's (higher) prices");
        }

        await privateRedis.StartAsync(Ct);

        // The changes of version 2, held in memory during the outage, reach the (restarted, empty) history.
        var offerKey = Pricing.Catalog.Offer.KeyOf("synthetic", SyntheticPriceSource.RegionOf(5), null, "synthetic.5", SyntheticPriceSource.PricingModelOf(5));
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

        // A second instance on the same queue and Redis: it bootstraps from the provider's snapshot and drains the queue.
        await using var restarted = await PriceChangeHosts.StartQuotesAsync(hosts.VirtualHost, redis.ConnectionString, keyPrefix, provider.BoundAddress(), Ct);
        using var channel = GrpcChannel.ForAddress(restarted.BoundAddress());
        var changes = new Pricing.Contracts.V1.PriceChanges.PriceChangesClient(channel);
        await WaitForVersionAsync(changes, 2);
        var view = restarted.Services.GetRequiredService<Pricing.Quoting.PriceView>();
        var catalog = Assert.Single(view.Current.Catalogs, c => c.Provider == "synthetic");
        Assert.Equal(provider.Catalog().Current.Offers.Count, catalog.Offers.Count);
        Assert.All(catalog.Offers.Values, o => Assert.Equal(provider.Catalog().Current.Offers[o.OfferKey].PricePerInstanceHour, o.PricePerInstanceHour));

        // A watcher that had seen version 1 resumes against the new instance: all of version 2, once each.
        using var watch = changes.WatchPriceChanges(WatchSynthetic(resumeAfter: 1), cancellationToken: Ct);
        var notices = await PriceChangeHosts.ReadAsync(watch, BurstOffers, TimeSpan.FromSeconds(1), Ct);
        Assert.Equal(BurstOffers, notices.Count);
        Assert.Equal(BurstOffers, notices.Select(n => n.Change.OfferKey).Distinct().Count());
        Assert.All(notices, n => Assert.Equal(2, n.Change.CatalogVersion));
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
