using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Pricing.Contracts.Events;
using Pricing.Testing;
using Quotes.History;
using StackExchange.Redis;

namespace PriceChanges.Tests;

/// <summary>
/// Watchers first (<see cref="PriceChangeFeed.WhenVersionPassedOnAsync"/>): while a version's parts are still reaching a
/// replica's watchers, the history writes of the parts already passed on wait for the last one, never longer than
/// <see cref="PriceHistoryOptions.VersionWriteDeferral"/>; a version further ahead than the one after the newest passed on, or a
/// deferral of zero, is written at once.
/// </summary>
public sealed class PriceChangeFeedDeferralTests(RedisTestServer redis) : IClassFixture<RedisTestServer>
{
    private const int PerPart = 3;
    private static readonly DateTimeOffset T0 = new(2026, 12, 7, 6, 0, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static CatalogVersionChanges Part(long version, int part, int parts) => new("aws", version, version - 1, part, parts, PerPart * parts,
        PerPart * parts, 0, T0,
        [.. Enumerable.Range((part - 1) * PerPart, PerPart).Select(i => PriceHistoryStoreContract.Change("aws", version, $"p5.{i}", 90m + version, 91m + version, T0))]);

    private async Task<(PriceChangeFeed Feed, RedisPriceHistoryStore Store, FakeTimeProvider Time, ConnectionMultiplexer Connection)> FeedAsync(TimeSpan deferral)
    {
        redis.SkipIfUnavailable();
        var connection = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        var options = new PriceHistoryOptions { Retention = TimeSpan.FromDays(30), MaxChangesPerProvider = 1000, VersionWriteDeferral = deferral };
        var time = new FakeTimeProvider(T0);
        var store = new RedisPriceHistoryStore(connection, $"{redis.KeyPrefix}{Guid.NewGuid():N}:", options, time);
        return (new PriceChangeFeed(store, options, time, NullLogger<PriceChangeFeed>.Instance), store, time, connection);
    }

    private static async Task WrittenAsync(RedisPriceHistoryStore store, int changes)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while ((await store.ResumeWindowAsync("aws", 0, Ct)).Changes < changes)
        {
            Assert.True(DateTime.UtcNow < deadline, $"the history never held {changes} changes");
            await Task.Delay(20, Ct);
        }
    }

    [Fact]
    public async Task A_parts_history_write_waits_for_the_rest_of_its_version_to_reach_the_watchers()
    {
        var (feed, store, _, connection) = await FeedAsync(TimeSpan.FromSeconds(5));
        await using var _ = connection;
        using var watcher = feed.Watch(PriceChangeSelector.All);

        await feed.ReceivePartAsync(Part(1, 1, 2), () => { }, Ct);
        Assert.Equal(PerPart, watcher.Changes.Count);
        await Task.Delay(300, Ct);
        Assert.Equal(0, (await store.ResumeWindowAsync("aws", 0, Ct)).Changes);

        await feed.ReceivePartAsync(Part(1, 2, 2), () => { }, Ct);
        await WrittenAsync(store, 2 * PerPart);
    }

    [Fact]
    public async Task It_waits_no_longer_than_the_deferral()
    {
        var (feed, store, time, connection) = await FeedAsync(TimeSpan.FromMilliseconds(250));
        await using var _ = connection;

        await feed.ReceivePartAsync(Part(1, 1, 3), () => { }, Ct);
        await Task.Delay(300, Ct);
        Assert.Equal(0, (await store.ResumeWindowAsync("aws", 0, Ct)).Changes);

        // The rest of the version never comes: once the deferral has passed, the part is written anyway.
        time.Advance(TimeSpan.FromMilliseconds(250));
        await WrittenAsync(store, PerPart);
    }

    [Fact]
    public async Task A_version_further_ahead_than_the_next_is_not_waited_for()
    {
        var (feed, _, _, connection) = await FeedAsync(TimeSpan.FromSeconds(5));
        await using var _ = connection;
        await feed.ReceivePartAsync(Part(6, 1, 1), () => { }, Ct);

        // Version 8 follows 7, which has not reached this replica's watchers (its own queue is behind): the write goes.
        Assert.True(feed.WhenVersionPassedOnAsync(Part(8, 1, 2), Ct).IsCompleted);
        // Nor is a part waited for once its version's last part has passed on.
        Assert.True(feed.WhenVersionPassedOnAsync(Part(6, 1, 1), Ct).IsCompleted);
    }

    [Fact]
    public async Task The_shared_queues_part_of_the_next_version_waits_for_the_replicas_own_queue()
    {
        var (feed, _, _, connection) = await FeedAsync(TimeSpan.FromSeconds(5));
        await using var _ = connection;
        await feed.ReceivePartAsync(Part(6, 1, 1), () => { }, Ct);

        // The shared queue delivered version 7's first part before this replica's own queue did.
        var first = feed.WhenVersionPassedOnAsync(Part(7, 1, 2), Ct);
        var last = feed.WhenVersionPassedOnAsync(Part(7, 2, 2), Ct);
        await Task.Delay(100, Ct);
        Assert.False(first.IsCompleted);
        Assert.False(last.IsCompleted);

        await feed.ReceivePartAsync(Part(7, 1, 2), () => { }, Ct);
        await Task.Delay(100, Ct);
        Assert.False(first.IsCompleted);

        await feed.ReceivePartAsync(Part(7, 2, 2), () => { }, Ct);
        await first.WaitAsync(TimeSpan.FromSeconds(5), Ct);
        await last.WaitAsync(TimeSpan.FromSeconds(5), Ct);
    }

    [Fact]
    public async Task A_zero_deferral_writes_each_part_at_once()
    {
        var (feed, store, _, connection) = await FeedAsync(TimeSpan.Zero);
        await using var _ = connection;

        await feed.ReceivePartAsync(Part(1, 1, 2), () => { }, Ct);
        await WrittenAsync(store, PerPart);
    }
}
