using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Pricing.Contracts.V1;
using Pricing.FakeProviders;
using Pricing.ServiceDefaults;
using Pricing.Sources;
using Pricing.Testing;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace PriceChanges.Tests;

/// <summary>
/// Two Quotes replicas (two hosts, as two pods behind one Service) on one RabbitMQ vhost and one Redis history: every
/// watcher on either replica sees every change of a burst exactly once, the history holds each change once, and a
/// stopped replica's queue is removed by the broker.
/// </summary>
public sealed class ReplicaTests(RabbitMqTestServer rabbit, RedisTestServer redis) : IClassFixture<RabbitMqTestServer>, IClassFixture<RedisTestServer>
{
    private const int Offers = 400;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Watchers_on_each_of_two_replicas_see_every_change_once_and_a_stopped_replicas_queue_is_removed()
    {
        rabbit.SkipIfUnavailable();
        redis.SkipIfUnavailable();
        var vhost = await rabbit.CreateVirtualHostAsync($"replicas-{Guid.NewGuid():N}");
        await using var provider = await PriceChangeHosts.StartProviderAsync(vhost, Offers, Ct);
        var prefix = $"{redis.KeyPrefix}{Guid.NewGuid():N}:";
        Dictionary<string, string?> Replica(string id) => new()
        {
            ["Quotes:ReplicaId"] = id,
            // Short, so the test sees the broker delete a stopped replica's queue (deployments keep minutes).
            ["Quotes:ReplicaQueueExpiry"] = "00:00:02",
        };
        await using var a = await PriceChangeHosts.StartQuotesAsync(vhost, redis.ConnectionString, prefix, provider.BoundAddress(), Ct, settings: Replica("a"));
        var b = await PriceChangeHosts.StartQuotesAsync(vhost, redis.ConnectionString, prefix, provider.BoundAddress(), Ct, settings: Replica("b"));
        using var channelA = GrpcChannel.ForAddress(a.BoundAddress());
        var channelB = GrpcChannel.ForAddress(b.BoundAddress());
        var changesA = new Pricing.Contracts.V1.PriceChanges.PriceChangesClient(channelA);
        var changesB = new Pricing.Contracts.V1.PriceChanges.PriceChangesClient(channelB);
        Assert.NotEqual(PriceChangeHosts.ReplicaQueueOf(a), PriceChangeHosts.ReplicaQueueOf(b));

        Assert.Equal(ScrapeResultKind.Published, (await provider.Catalog().ScrapeOnceAsync(Ct)).Kind);
        await PriceChangeHosts.WaitForHistoryAsync(a, 0, Offers, Ct);
        // Each replica passes version 1 on from its own queue: let both finish before watching.
        foreach (var replica in new[] { a, b })
        {
            var feed = replica.Services.GetRequiredService<Quotes.History.PriceChangeFeed>();
            var until = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            while (feed.Received < Offers)
            {
                Assert.True(DateTime.UtcNow < until, $"a replica passed on {feed.Received} of {Offers} changes of version 1");
                await Task.Delay(20, Ct);
            }
        }

        // Two watchers on each replica; then a burst in which every price moves.
        var request = new WatchPriceChangesRequest { Filter = new PriceChangeFilter { Provider = "synthetic" } };
        using var a1 = changesA.WatchPriceChanges(request, cancellationToken: Ct);
        using var a2 = changesA.WatchPriceChanges(request, cancellationToken: Ct);
        using var b1 = changesB.WatchPriceChanges(request, cancellationToken: Ct);
        using var b2 = changesB.WatchPriceChanges(request, cancellationToken: Ct);
        foreach (var call in new[] { a1, a2, b1, b2 })
        {
            await call.ResponseHeadersAsync;
        }

        provider.Source().Bump();
        var burst = await provider.Catalog().ScrapeOnceAsync(Ct);
        Assert.Equal(Offers, burst.Changes);

        var seen = await Task.WhenAll(new[] { a1, a2, b1, b2 }.Select(call => PriceChangeHosts.ReadAsync(call, Offers, TimeSpan.FromMilliseconds(700), Ct)));
        foreach (var notices in seen)
        {
            Assert.Equal(Offers, notices.Count);
            Assert.Equal(Offers, notices.Select(n => n.Change.OfferKey).Distinct().Count());
            Assert.All(notices, n => Assert.Equal(burst.Version, n.Change.CatalogVersion));
        }

        // One history for both: each change of the burst recorded once.
        await PriceChangeHosts.WaitForHistoryAsync(a, 1, Offers, Ct);
        var store = a.Services.GetRequiredService<Quotes.History.IPriceHistoryStore>();
        Assert.Equal(Offers, (await store.ResumeWindowAsync("synthetic", 1, Ct)).Changes);
        Assert.Equal(Offers, (await store.ReadAfterAsync("synthetic", 1, Ct).ToListAsync(Ct)).Select(c => c.OfferKey).Distinct().Count());

        // Replica b goes away: the broker deletes its queue once the expiry passes; a's queue and the shared one stay.
        var queueB = PriceChangeHosts.ReplicaQueueOf(b);
        var factory = new ConnectionFactory { Uri = new Uri(vhost) };
        await using var connection = await factory.CreateConnectionAsync(Ct);
        Assert.True(await QueueExistsAsync(connection, queueB));
        channelB.Dispose();
        await b.StopAsync(Ct);
        await b.DisposeAsync();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (await QueueExistsAsync(connection, queueB))
        {
            Assert.True(DateTime.UtcNow < deadline, $"queue {queueB} of the stopped replica still exists");
            await Task.Delay(200, Ct);
        }

        Assert.True(await QueueExistsAsync(connection, PriceChangeHosts.ReplicaQueueOf(a)));
        Assert.True(await QueueExistsAsync(connection, "quotes-changes-test"));
    }

    /// <summary>A passive declare: it fails with 404 (and closes its channel) when the queue does not exist.</summary>
    internal static async Task<bool> QueueExistsAsync(IConnection connection, string queue)
    {
        await using var channel = await connection.CreateChannelAsync(cancellationToken: Ct);
        try
        {
            await channel.QueueDeclarePassiveAsync(queue, Ct);
            return true;
        }
        catch (OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode == 404)
        {
            return false;
        }
    }
}
