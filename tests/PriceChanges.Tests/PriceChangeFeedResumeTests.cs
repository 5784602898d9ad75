using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Pricing.Contracts.Events;
using Pricing.Testing;
using Quotes.History;
using StackExchange.Redis;

namespace PriceChanges.Tests;

/// <summary>
/// With a shared (Redis) history a replica passes a part to its watchers before the part's history write
/// (<see cref="PriceChangeFeed.ReceivePartAsync"/>): a watch that resumes meanwhile is handed the changes passed on but
/// not yet written, after its resume point only, so a resume misses nothing; a watch that does not resume gets only
/// what comes next; once written, the history has them and nothing is held back any more.
/// </summary>
public sealed class PriceChangeFeedResumeTests(RedisTestServer redis) : IClassFixture<RedisTestServer>
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 7, 6, 0, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static CatalogVersionChanges Part(long version, int offers) => new("aws", version, version - 1, 1, 1, offers, offers, 0, T0,
        [.. Enumerable.Range(0, offers).Select(i => PriceHistoryStoreContract.Change("aws", version, $"p5.{i}", 90m + version, 91m + version, T0))]);

    [Fact]
    public async Task A_watch_resuming_before_a_parts_history_write_gets_its_changes_and_a_new_watch_does_not()
    {
        redis.SkipIfUnavailable();
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        var options = new PriceHistoryOptions { Retention = TimeSpan.FromDays(30), MaxChangesPerProvider = 1000 };
        var time = new FakeTimeProvider(T0);
        var store = new RedisPriceHistoryStore(connection, $"{redis.KeyPrefix}{Guid.NewGuid():N}:", options, time);
        var feed = new PriceChangeFeed(store, options, time, NullLogger<PriceChangeFeed>.Instance);

        // Version 1 is written; version 2 waits behind it (what follows a part's write is held on purpose), unwritten.
        var holding = new TaskCompletionSource();
        var release = new TaskCompletionSource();
        await feed.ReceivePartAsync(Part(1, 3), () => { holding.SetResult(); release.Task.Wait(Ct); }, Ct);
        await feed.ReceivePartAsync(Part(2, 3), () => { }, Ct);
        await holding.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        Assert.Equal(3, (await store.ResumeWindowAsync("aws", 0, Ct)).Changes);

        using var resuming = feed.Watch(PriceChangeSelector.All, new Dictionary<string, long> { ["aws"] = 1 });
        using var resumingOther = feed.Watch(PriceChangeSelector.All, new Dictionary<string, long> { ["gcp"] = 1 });
        using var fresh = feed.Watch(PriceChangeSelector.All);
        release.SetResult();

        var handed = Drain(resuming);
        Assert.Equal(3, handed.Count);
        Assert.All(handed, c => Assert.Equal(2, c.Change.CatalogVersion));
        Assert.Empty(Drain(resumingOther));
        Assert.Empty(Drain(fresh));

        // Once written, the history holds version 2 and a later resume is handed nothing from memory.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while ((await store.ResumeWindowAsync("aws", 1, Ct)).Changes < 3)
        {
            Assert.True(DateTime.UtcNow < deadline, "version 2 never reached the history");
            await Task.Delay(20, Ct);
        }

        await Task.Delay(100, Ct);
        using var late = feed.Watch(PriceChangeSelector.All, new Dictionary<string, long> { ["aws"] = 1 });
        Assert.Empty(Drain(late));
    }

    private static List<ReceivedPriceChange> Drain(PriceChangeWatcher watcher)
    {
        var read = new List<ReceivedPriceChange>();
        while (watcher.Changes.TryRead(out var change))
        {
            read.Add(change);
        }

        return read;
    }
}
