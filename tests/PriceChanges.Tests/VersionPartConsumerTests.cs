using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Pricing.Contracts.V1;
using Pricing.FakeProviders;
using Pricing.ServiceDefaults;
using Pricing.Sources;
using Pricing.Testing;

namespace PriceChanges.Tests;

/// <summary>
/// The two consumers of version parts on RabbitMQ side by side, as in a rolling upgrade: a replica on MassTransit's
/// consumers (<c>Quotes:VersionPartConsumer=MassTransit</c>) and one on RabbitMQ.Client's (the default) share one vhost,
/// one shared history queue (each declares it as the other would) and one Redis history: each replica's watchers get
/// every change once, its view the version, and the history each change once.
/// </summary>
public sealed class VersionPartConsumerTests(RabbitMqTestServer rabbit, RedisTestServer redis) : IClassFixture<RabbitMqTestServer>, IClassFixture<RedisTestServer>
{
    private const int Offers = 300;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_MassTransit_replica_and_a_RabbitMQ_Client_replica_each_see_every_change_once_and_the_history_holds_it_once()
    {
        rabbit.SkipIfUnavailable();
        redis.SkipIfUnavailable();
        var vhost = await rabbit.CreateVirtualHostAsync($"consumers-{Guid.NewGuid():N}");
        await using var provider = await PriceChangeHosts.StartProviderAsync(vhost, Offers, Ct);
        var prefix = $"{redis.KeyPrefix}{Guid.NewGuid():N}:";
        await using var onMassTransit = await PriceChangeHosts.StartQuotesAsync(vhost, redis.ConnectionString, prefix, provider.BoundAddress(), Ct,
            settings: new Dictionary<string, string?> { ["Quotes:ReplicaId"] = "mt", ["Quotes:VersionPartConsumer"] = "MassTransit" });
        await using var onClient = await PriceChangeHosts.StartQuotesAsync(vhost, redis.ConnectionString, prefix, provider.BoundAddress(), Ct,
            settings: new Dictionary<string, string?> { ["Quotes:ReplicaId"] = "client" });
        Assert.Null(onMassTransit.Services.GetService<Quotes.Consumers.RabbitVersionPartConsumer>());
        Assert.NotNull(onClient.Services.GetService<Quotes.Consumers.RabbitVersionPartConsumer>());

        Assert.Equal(ScrapeResultKind.Published, (await provider.Catalog().ScrapeOnceAsync(Ct)).Kind);
        await PriceChangeHosts.WaitForHistoryAsync(onClient, 0, Offers, Ct);
        foreach (var replica in new[] { onMassTransit, onClient })
        {
            var feed = replica.Services.GetRequiredService<Quotes.History.PriceChangeFeed>();
            var until = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            while (feed.Received < Offers)
            {
                Assert.True(DateTime.UtcNow < until, $"a replica passed on {feed.Received} of {Offers} changes of version 1");
                await Task.Delay(20, Ct);
            }
        }

        using var channelMt = GrpcChannel.ForAddress(onMassTransit.BoundAddress());
        using var channelClient = GrpcChannel.ForAddress(onClient.BoundAddress());
        var request = new WatchPriceChangesRequest { Filter = new PriceChangeFilter { Provider = "synthetic" } };
        using var watchMt = new Pricing.Contracts.V1.PriceChanges.PriceChangesClient(channelMt).WatchPriceChanges(request, cancellationToken: Ct);
        using var watchClient = new Pricing.Contracts.V1.PriceChanges.PriceChangesClient(channelClient).WatchPriceChanges(request, cancellationToken: Ct);
        await watchMt.ResponseHeadersAsync;
        await watchClient.ResponseHeadersAsync;

        provider.Source().Bump();
        var burst = await provider.Catalog().ScrapeOnceAsync(Ct);
        Assert.Equal(Offers, burst.Changes);

        foreach (var (replica, call) in new[] { (onMassTransit, watchMt), (onClient, watchClient) })
        {
            var notices = await PriceChangeHosts.ReadAsync(call, Offers, TimeSpan.FromMilliseconds(700), Ct);
            Assert.Equal(Offers, notices.Count);
            Assert.Equal(Offers, notices.Select(n => n.Change.OfferKey).Distinct().Count());
            Assert.All(notices, n => Assert.Equal(burst.Version, n.Change.CatalogVersion));
            var view = replica.Services.GetRequiredService<Pricing.Quoting.PriceView>();
            var until = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (view.VersionOf("synthetic") < burst.Version)
            {
                Assert.True(DateTime.UtcNow < until, $"the view is at {view.VersionOf("synthetic")}, not {burst.Version}");
                await Task.Delay(20, Ct);
            }
        }

        await PriceChangeHosts.WaitForHistoryAsync(onClient, 1, Offers, Ct);
        var store = onClient.Services.GetRequiredService<Quotes.History.IPriceHistoryStore>();
        Assert.Equal(Offers, (await store.ResumeWindowAsync("synthetic", 1, Ct)).Changes);
        Assert.Equal(Offers, (await store.ReadAfterAsync("synthetic", 1, Ct).ToListAsync(Ct)).Select(c => c.OfferKey).Distinct().Count());
    }
}
