using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Pricing.Contracts.V1;
using Pricing.FakeProviders;
using Pricing.ServiceDefaults;
using Pricing.Sources;
using Pricing.Testing;
using Quotes.Extensions;
using Quotes.History;

namespace Dashboard.Tests;

/// <summary>
/// The Dashboard's live feed across reconnects, deployed as separate hosts: a synthetic provider and Quotes on a real
/// RabbitMQ vhost and Redis prefix, the Dashboard reaching Quotes through a TCP proxy the test cuts. Every change
/// published while the feed was away, or in flight when it was cut, arrives in the feed exactly once.
/// </summary>
public sealed class LiveFeedReconnectTests(RabbitMqTestServer rabbit, RedisTestServer redis)
    : IClassFixture<RabbitMqTestServer>, IClassFixture<RedisTestServer>
{
    private const int Offers = 1000;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Every_change_reaches_the_feed_exactly_once_across_cut_streams()
    {
        rabbit.SkipIfUnavailable();
        redis.SkipIfUnavailable();
        var vhost = await rabbit.CreateVirtualHostAsync($"dashboard-feed-{Guid.NewGuid():N}");
        await using var provider = new Running(await SyntheticProviderHost.StartAsync(new Dictionary<string, string?>
        {
            ["ConnectionStrings:rabbitmq"] = vhost,
            ["Synthetic:Offers"] = Offers.ToString(System.Globalization.CultureInfo.InvariantCulture),
        }, Ct));
        await using var quotes = new Running(await StartQuotesAsync(vhost, provider.App.BoundAddress()));
        using var quotesChannel = GrpcChannel.ForAddress(quotes.App.BoundAddress());
        var changes = new PriceChanges.PriceChangesClient(quotesChannel);

        // Version 1 is in Quotes before the Dashboard starts: the feed has received nothing of this provider when its
        // stream is first cut, the case a relay resuming only the providers it had seen lost.
        var v1 = await ScrapeAsync(provider.App, bump: false);
        await WaitUntilAsync(async () => (await changes.GetViewStatusAsync(new GetViewStatusRequest(), cancellationToken: Ct)).Providers.Any(p => p.Provider == "synthetic" && p.Version == v1), "Quotes holds version 1");
        await WaitUntilAsync(() => Task.FromResult(quotes.App.Services.GetRequiredService<PriceChangeFeed>().Received >= Offers), "Quotes passed version 1 on");

        await using var proxy = new CuttableTcpProxy(new Uri(quotes.App.BoundAddress()));
        await using var dashboard = new Running(await StartDashboardAsync(proxy.Address, provider.App.BoundAddress()));
        var relay = dashboard.App.Services.GetRequiredService<PriceFeedRelay>();
        await WaitUntilAsync(() => Task.FromResult(relay.State.Connected), "the relay connects");

        // Cut before anything of the provider arrived; version 2 is published and recorded while the feed is away.
        proxy.Cut();
        await WaitUntilAsync(() => Task.FromResult(!relay.State.Connected), "the relay notices the cut");
        var v2 = await ScrapeAsync(provider.App, bump: true);
        await WaitForHistoryAsync(quotes.App, after: v1, Offers);
        proxy.Restore();
        await WaitUntilAsync(() => Task.FromResult(Received(relay, v2) == Offers), "version 2 is replayed into the feed");

        // Cut while version 3 streams to the feed (once part of it arrived); version 4 is published while it is away.
        var scraping = ScrapeAsync(provider.App, bump: true);
        await WaitUntilAsync(() => Task.FromResult(relay.Recent().Count > Offers || scraping.IsCompleted), "version 3 starts to arrive");
        proxy.Cut();
        var v3 = await scraping;
        var v4 = await ScrapeAsync(provider.App, bump: true);
        await WaitForHistoryAsync(quotes.App, after: v2, 2 * Offers);
        proxy.Restore();
        await WaitUntilAsync(() => Task.FromResult(Received(relay, v3) == Offers && Received(relay, v4) == Offers), "versions 3 and 4 reach the feed");
        await WaitUntilAsync(() => Task.FromResult(relay.State.Connected), "the relay reconnects");

        var feed = relay.Recent();
        Assert.Equal(3 * Offers, feed.Count);
        Assert.Equal(feed.Count, feed.Select(i => (i.CatalogVersion, i.OfferKey)).Distinct().Count());
        Assert.Equal([v2, v3, v4], feed.Select(i => i.CatalogVersion).Distinct().Order());
        Assert.All(feed, i => Assert.Equal("synthetic", i.Provider));
        Assert.All(feed.Where(i => i.CatalogVersion == v2), i => Assert.True(i.Replayed));
        Assert.Equal(3 * Offers, relay.State.Received);
    }

    private static int Received(PriceFeedRelay relay, long version) => relay.Recent().Count(i => i.CatalogVersion == version);

    private static async Task<long> ScrapeAsync(WebApplication provider, bool bump)
    {
        if (bump)
        {
            provider.Source().Bump();
        }

        var outcome = await provider.Catalog().ScrapeOnceAsync(Ct);
        Assert.Equal(ScrapeResultKind.Published, outcome.Kind);
        Assert.Equal(Offers, outcome.Changes);
        return outcome.Version;
    }

    private static Task WaitForHistoryAsync(WebApplication quotes, long after, int count) => WaitUntilAsync(
        async () => (await quotes.Services.GetRequiredService<IPriceHistoryStore>().ResumeWindowAsync("synthetic", after, Ct)).Changes >= count,
        $"the history holds {count} changes after version {after}");

    private async Task<WebApplication> StartQuotesAsync(string vhost, string providerAddress)
    {
        var builder = WebApplication.CreateBuilder();
        builder.UseFreeLoopbackPort();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:rabbitmq"] = vhost,
            ["ConnectionStrings:redis"] = redis.ConnectionString,
            ["Redis:KeyPrefix"] = $"{redis.KeyPrefix}{Guid.NewGuid():N}:",
            ["Quotes:Providers:synthetic"] = providerAddress,
            // Only events bring new versions here, never a resync.
            ["Quotes:ResyncGrace"] = "00:05:00",
        });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var app = builder.BuildQuotesApp();
        await app.StartAsync(Ct);
        return app;
    }

    private static async Task<WebApplication> StartDashboardAsync(string quotesAddress, string providerAddress)
    {
        var builder = WebApplication.CreateBuilder();
        builder.UseFreeLoopbackPort();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Dashboard:QuotesUrl"] = quotesAddress,
            ["Dashboard:Providers:synthetic"] = providerAddress,
            ["Dashboard:FeedBufferSize"] = (10 * Offers).ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var app = builder.BuildDashboardApp();
        await app.StartAsync(Ct);
        return app;
    }

    /// <summary>A started host, stopped and disposed at the end of the test.</summary>
    private sealed class Running(WebApplication app) : IAsyncDisposable
    {
        public WebApplication App => app;

        public async ValueTask DisposeAsync()
        {
            await app.StopAsync(CancellationToken.None);
            await app.DisposeAsync();
        }
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out waiting until {what}.");
            }

            await Task.Delay(50, Ct);
        }
    }
}
