using Cluster.Tests.Load;
using Cluster.Tests.Servers;

namespace Cluster.Tests;

/// <summary>
/// Faults under load on the distributed setup (<see cref="PricingSystem"/>): each test puts the system under load
/// (<see cref="FaultRun"/>: watchers on every replica, a stream of quote calls), publishes a version of every provider
/// at once (well over 1,000 changes), breaks something mid-burst, and then requires every watcher to have every change
/// once, the history to hold every change once, every replica's view at every provider's new version, and no quote call
/// to have failed. Each leaves the system whole again (the node rejoined, the Redis node back as a replica, the Quotes
/// replica restarted) for the next.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ClusterFaultTests(PricingSystem system)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>
    /// For putting the system back in a <c>finally</c>: not the test's token (a cancelled or timed-out test must still
    /// leave the system whole for the next), but bounded.
    /// </summary>
    private static CancellationToken RestoreToken => new CancellationTokenSource(TimeSpan.FromMinutes(3)).Token;

    [Fact]
    public async Task Broker_node_leading_the_queues_SIGKILLed_mid_burst_loses_nothing_doubles_nothing_and_rejoins()
    {
        system.SkipIfUnavailable();
        // A node killed while the members of a just-restarted one still catch up is another fault (see SettleAsync).
        await system.Rabbit.SettleAsync(TimeSpan.FromSeconds(30), Ct);
        await using var run = await FaultRun.StartAsync(system, Ct);
        // The node that leads the shared history queue (and so, as Quotes declares them, most of its queues).
        var queues = await system.Rabbit.QuorumQueuesAsync(Ct);
        var history = queues.Single(q => q.Queue == "quotes-version-history");
        var node = system.Rabbit.Nodes.Single(n => n.Name == history.Leader);
        var led = queues.Count(q => q.Leader == node.Name);

        var scrape = run.PublishVersionAsync(Ct);
        await run.WaitForFirstChangesAsync(1, TimeSpan.FromSeconds(20), Ct);
        var atFault = run.ReceivedByAnyWatcher;
        var faultAt = run.Clock.Elapsed;
        TimeSpan recovered, rejoined;
        Tally replay;
        IReadOnlyList<QuoteCall> during;
        RabbitNode newLeader;
        try
        {
            await system.Rabbit.KillAsync(node);
            await scrape.WaitAsync(TimeSpan.FromMinutes(4), Ct);
            recovered = await run.WaitDeliveredAsync(faultAt, Ct);
            (replay, _) = await run.ReplayUntilCompleteAsync(system.Quotes[0], Ct);
            during = run.Quotes.Between(faultAt, run.Clock.Elapsed);
            newLeader = await system.Rabbit.LeaderOfAsync("quotes-version-history", Ct);
        }
        finally
        {
            // Rejoined even when the test fails, so the tests after it run on a whole cluster.
            var rejoinAt = run.Clock.Elapsed;
            var restore = RestoreToken;
            await system.Rabbit.StartNodeAsync(node, restore);
            await system.Rabbit.WaitForMembersAsync(system.Rabbit.Nodes, restore);
            rejoined = run.Clock.Elapsed - rejoinAt;
        }

        new FaultReport("RabbitMQ node leading the queues SIGKILLed",
            $"{node.Name} (leader of {led} of {queues.Count} quorum queues) killed after {atFault:N0} changes had reached a watcher; leadership moved to {newLeader.Name}",
            run.ExpectedChanges, run.ChangesByProvider, run.WatcherTallies(), replay, during, run.QuotesBefore(faultAt), recovered,
            $"restarted, rejoined with every quorum queue member online in {rejoined.TotalSeconds:0.0} s").WriteAndAssert();
        await system.AssertDashboardServesAsync(Ct);
        Assert.NotEqual(node.Name, newLeader.Name);
    }

    [Fact]
    public async Task Redis_primary_SIGKILLed_mid_burst_Sentinel_promotes_the_replica_and_history_and_quote_cache_carry_on()
    {
        system.SkipIfUnavailable();
        await using var run = await FaultRun.StartAsync(system, Ct);
        var primary = await system.Redis.PrimaryAsync();

        var scrape = run.PublishVersionAsync(Ct);
        await run.WaitForFirstChangesAsync(1, TimeSpan.FromSeconds(20), Ct);
        var atFault = run.ReceivedByAnyWatcher;
        var faultAt = run.Clock.Elapsed;
        TimeSpan recovered, promotedAfter;
        Tally replay;
        IReadOnlyList<QuoteCall> during;
        long cachedSince;
        string promotedName;
        try
        {
            await primary.KillAsync();
            var promoted = await system.Redis.WaitForPromotionAsync(primary, Ct, TimeSpan.FromSeconds(60));
            promotedName = promoted.Name;
            promotedAfter = run.Clock.Elapsed - faultAt;
            using var newPrimary = await system.Redis.ConnectAsync(promoted);
            var quotesCachedAtPromotion = await CachedQuotesAsync(newPrimary);

            await scrape.WaitAsync(TimeSpan.FromMinutes(4), Ct);
            var delivered = await run.WaitDeliveredAsync(faultAt, Ct);
            (replay, var complete) = await run.ReplayUntilCompleteAsync(system.Quotes[^1], Ct);
            recovered = complete - faultAt > delivered ? complete - faultAt : delivered;
            during = run.Quotes.Between(faultAt, run.Clock.Elapsed);
            // The quote cache carries on: quotes of the new versions are written to the promoted primary.
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while ((cachedSince = await CachedQuotesAsync(newPrimary) - quotesCachedAtPromotion) <= 0 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(200, Ct);
            }
        }
        finally
        {
            // Back as a replica even when the test fails, so the tests after it have their Sentinel set whole.
            await system.Redis.RestartAsync(primary, RestoreToken);
        }

        new FaultReport("Redis primary SIGKILLed",
            $"{primary.Name} killed after {atFault:N0} changes had reached a watcher; the Sentinels promoted {promotedName} {promotedAfter.TotalSeconds:0.0} s later",
            run.ExpectedChanges, run.ChangesByProvider, run.WatcherTallies(), replay, during, run.QuotesBefore(faultAt), recovered,
            $"{cachedSince:N0} quotes cached on the promoted primary afterwards; the old primary restarted as its replica").WriteAndAssert();
        await system.AssertDashboardServesAsync(Ct);
        Assert.True(cachedSince > 0, "no quote was cached on the promoted primary: the quote cache did not carry on");
    }

    [Fact]
    public async Task A_Quotes_replica_SIGKILLed_mid_burst_its_watchers_resume_on_another_with_no_gap_and_no_repeat()
    {
        system.SkipIfUnavailable();
        await using var run = await FaultRun.StartAsync(system, Ct);
        var victim = system.Quotes[^1];
        var orphans = run.Watchers.Where(w => w.Name.StartsWith(victim.Name + "/", StringComparison.Ordinal)).ToList();

        var scrape = run.PublishVersionAsync(Ct);
        await run.WaitForFirstChangesAsync(1, TimeSpan.FromSeconds(20), Ct, orphans);
        var atFault = orphans.Max(o => o.Count);
        var faultAt = run.Clock.Elapsed;
        TimeSpan recovered, resumedAfter, caughtUpAfter, restarted;
        Tally replay;
        IReadOnlyList<QuoteCall> during;
        var connectionsAtFault = orphans.ToDictionary(o => o, o => o.Connections);
        try
        {
            await victim.KillAsync();
            await scrape.WaitAsync(TimeSpan.FromMinutes(4), Ct);
            // A version travels as one message, so the orphans may hold the whole burst before the kill lands: every
            // change delivered is not the end; each orphan must also notice the loss and resume on another replica.
            await FaultRun.WaitReconnectedAsync(connectionsAtFault, TimeSpan.FromSeconds(30), Ct);
            recovered = await run.WaitDeliveredAsync(faultAt, Ct);
            (replay, _) = await run.ReplayUntilCompleteAsync(system.Quotes[0], Ct);
            during = run.Quotes.Between(faultAt, run.Clock.Elapsed);
            resumedAfter = orphans.Max(o => o.ConnectedAt[^1]) - faultAt;
            caughtUpAfter = orphans.Max(o => o.Received[^1].At) - faultAt;
        }
        finally
        {
            // Restarted even when the test fails, so one failure does not take the replica from every test after it.
            var restartAt = run.Clock.Elapsed;
            await victim.StartAsync(RestoreToken);
            restarted = run.Clock.Elapsed - restartAt;
        }

        new FaultReport("Quotes replica SIGKILLed",
            $"{victim.Name} killed once its {orphans.Count} watchers had {atFault:N0} changes of the burst; they reconnected to another replica and resumed",
            run.ExpectedChanges, run.ChangesByProvider, run.WatcherTallies(), replay, during, run.QuotesBefore(faultAt), recovered,
            $"its watchers reconnected {resumedAfter.TotalSeconds:0.0} s and had every change {caughtUpAfter.TotalSeconds:0.0} s after the kill; replica restarted and ready in {restarted.TotalSeconds:0.0} s").WriteAndAssert();
        await system.AssertDashboardServesAsync(Ct);
    }

    [Fact]
    public async Task Rolling_restart_of_the_three_broker_nodes_one_at_a_time_under_load_loses_nothing_and_doubles_nothing()
    {
        system.SkipIfUnavailable();
        await using var run = await FaultRun.StartAsync(system, Ct);
        var faultAt = run.Clock.Elapsed;
        var steps = new List<string>();
        var scrapes = new List<Task<IReadOnlyList<ScrapeReport>>>();
        foreach (var node in system.Rabbit.Nodes)
        {
            // A version in flight while the node goes down (SIGTERM, as a rolling update stops a pod) and comes back.
            var stepAt = run.Clock.Elapsed;
            scrapes.Add(run.PublishVersionAsync(Ct));
            await system.Rabbit.StopAsync(node);
            await system.Rabbit.StartNodeAsync(node, Ct);
            await system.Rabbit.WaitForMembersAsync(system.Rabbit.Nodes, Ct);
            steps.Add($"{node.Name} {(run.Clock.Elapsed - stepAt).TotalSeconds:0.0} s");
            await Task.WhenAll(scrapes).WaitAsync(TimeSpan.FromMinutes(4), Ct);
        }

        var recovered = await run.WaitDeliveredAsync(faultAt, Ct);
        var (replay, _) = await run.ReplayUntilCompleteAsync(system.Quotes[0], Ct);
        var during = run.Quotes.Between(faultAt, run.Clock.Elapsed);

        new FaultReport("RabbitMQ rolling restart",
            $"each node in turn stopped (SIGTERM) with a version of every provider in flight, restarted, waited for until every quorum queue had its 3 members online ({string.Join(", ", steps)})",
            run.ExpectedChanges, run.ChangesByProvider, run.WatcherTallies(), replay, during, run.QuotesBefore(faultAt), recovered).WriteAndAssert();
        await system.AssertDashboardServesAsync(Ct);
    }

    private static async Task<long> CachedQuotesAsync(StackExchange.Redis.ConnectionMultiplexer redis)
    {
        var server = redis.GetServers().Single();
        long count = 0;
        await foreach (var _ in server.KeysAsync(pattern: "*quote:*", pageSize: 1000))
        {
            count++;
        }

        return count;
    }
}
