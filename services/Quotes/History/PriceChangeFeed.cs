using System.Threading.Channels;
using Pricing.Contracts.Events;

namespace Quotes.History;

/// <summary>A change as Quotes received it, in the order it was applied.</summary>
public sealed record ReceivedPriceChange(AcceleratorPriceChanged Change, DateTimeOffset ReceivedAt);

/// <summary>Which changes a watcher wants: the routing-key fields (empty = any) and an optional topic pattern.</summary>
public sealed record PriceChangeSelector(string? Provider, string? Region, string? AcceleratorId, string? PricingModel, string? RoutingPattern)
{
    public static readonly PriceChangeSelector All = new(null, null, null, null, null);

    public bool Matches(AcceleratorPriceChanged c) =>
        (Provider is null || c.Provider == Provider)
        && (Region is null || c.Region == Region)
        && (AcceleratorId is null || c.AcceleratorId == AcceleratorId)
        && (PricingModel is null || c.PricingModel == PricingModel)
        && (RoutingPattern is null || TopicPattern.Matches(RoutingPattern, c.RoutingKey));
}

/// <summary>
/// This replica's live fan-out: every price change its own queue delivers goes to every watcher connected to this
/// replica whose selector matches, once. Each replica consumes every change on a queue of its own, so its watchers
/// miss none whichever replica wrote the history first; a redelivery (after a broker restart, or a change this
/// replica already passed on) is dropped by its identity (provider, version, offer). Recording the history is not
/// this class's job (see <see cref="Consumers.CatalogVersionHistoryConsumer"/>); <see cref="RecordAsync"/> does both
/// for callers that hold a change outside the broker (a resync's backfill, tests).
/// </summary>
public sealed partial class PriceChangeFeed(IPriceHistoryStore store, PriceHistoryOptions options, TimeProvider time, ILogger<PriceChangeFeed> logger)
{
    private const int SeenCapacity = 1_000_000;

    /// <summary>After a failed write, how long this replica's own writes are skipped (each would wait for Redis's timeout).</summary>
    private static readonly TimeSpan OutagePause = TimeSpan.FromSeconds(2);

    private readonly Lock _lock = new();
    // The identities passed on, as 128-bit hashes (ChangeIdentity): a million strings kept here lived long enough to be
    // copied through every GC generation, and made each collection during a version several milliseconds longer.
    private readonly HashSet<UInt128> _seen = [];
    private readonly Queue<UInt128> _seenOrder = new();
    private readonly List<PriceChangeWatcher> _watchers = [];
    // Parts passed on to watchers whose history write has not finished yet (ReceivePartAsync), oldest first.
    private readonly List<CatalogVersionChanges> _unrecorded = [];
    // What ReceivePartAsync leaves for later, in order: the part's history write, then what it was given (the view).
    private readonly Channel<(CatalogVersionChanges Part, Action Then)> _recordQueue =
        Channel.CreateBounded<(CatalogVersionChanges, Action)>(new BoundedChannelOptions(MaxUnrecordedParts) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    private Task? _recorder;
    private long _received;
    private long _storeDownUntilTicks;

    public IPriceHistoryStore Store => store;

    /// <summary>Changes passed on to this replica's watchers (first deliveries only).</summary>
    public long Received => Interlocked.Read(ref _received);

    /// <summary>
    /// Passes a batch of consumed changes on to this replica's watchers, in the batch's order: one pass over the watchers
    /// for the whole batch, under one lock, with one receive time. Returns how many were new (not passed on before).
    /// </summary>
    public int NotifyMany(IReadOnlyList<AcceleratorPriceChanged> changes)
    {
        var receivedAt = time.GetUtcNow();
        lock (_lock)
        {
            return NotifyManyLocked(changes, receivedAt);
        }
    }

    private int NotifyManyLocked(IReadOnlyList<AcceleratorPriceChanged> changes, DateTimeOffset receivedAt)
    {
        var fresh = new List<ReceivedPriceChange>(changes.Count);
        foreach (var change in changes)
        {
            if (MarkSeen(ChangeIdentity.Of(change)))
            {
                fresh.Add(new ReceivedPriceChange(change, receivedAt));
            }
        }

        _received += fresh.Count;
        if (fresh.Count > 0)
        {
            foreach (var watcher in _watchers)
            {
                watcher.Offer(fresh);
            }
        }

        return fresh.Count;
    }

    /// <summary>
    /// Writes a change to the history, then passes it on to watchers. Returns false for a change already passed on.
    /// A shared (Redis) history that is unreachable is skipped rather than waited for: watchers and the view never wait
    /// on Redis, and the queue the replicas share holds the change until Redis has it.
    /// </summary>
    public async Task<bool> RecordAsync(AcceleratorPriceChanged change, CancellationToken cancellationToken) =>
        await RecordManyAsync([change], cancellationToken) == 1;

    /// <summary>
    /// <see cref="RecordAsync"/> for a consumed batch: one history write for the batch (<see cref="IPriceHistoryStore.AppendManyAsync"/>),
    /// then one fan-out (<see cref="NotifyMany"/>). Returns how many changes were passed on for the first time.
    /// </summary>
    public async Task<int> RecordManyAsync(IReadOnlyList<AcceleratorPriceChanged> changes, CancellationToken cancellationToken)
    {
        if (changes.Count > 0)
        {
            await WriteAsync(() => store.AppendManyAsync(changes, cancellationToken));
        }

        return NotifyMany(changes);
    }

    /// <summary>
    /// <see cref="RecordManyAsync"/> for one consumed part of a catalog version: written to the history once per part
    /// (<see cref="IPriceHistoryStore.AppendVersionPartAsync"/>), then passed on to watchers in one fan-out.
    /// </summary>
    public async Task<int> RecordPartAsync(CatalogVersionChanges part, CancellationToken cancellationToken)
    {
        if (part.Changes.Length > 0)
        {
            await WriteAsync(() => store.AppendVersionPartAsync(part, cancellationToken));
        }

        return NotifyMany(part.Changes);
    }

    /// <summary>
    /// The hot path for one consumed part of a catalog version when the history is shared (Redis): the part goes to
    /// this replica's watchers at once, and its history write (which the shared queue makes durable in any case) and
    /// then <paramref name="then"/> (the view) run after it, in part order, while the next part is consumed. Waits only
    /// when <see cref="MaxUnrecordedParts"/> parts are still being written. A resuming watcher is given the parts passed on
    /// but not yet in the history (<see cref="Watch(PriceChangeSelector, IReadOnlyDictionary{string, long})"/>), so a resume stays
    /// exact. With the history in memory it is <see cref="RecordPartAsync"/> then <paramref name="then"/>, as before.
    /// Returns how many changes were passed on for the first time.
    /// </summary>
    public async Task<int> ReceivePartAsync(CatalogVersionChanges part, Action then, CancellationToken cancellationToken)
    {
        if (!store.IsShared)
        {
            var recorded = await RecordPartAsync(part, cancellationToken);
            then();
            return recorded;
        }

        int fresh;
        TaskCompletionSource passed;
        lock (_lock)
        {
            fresh = NotifyManyLocked(part.Changes, time.GetUtcNow());
            _unrecorded.Add(part);
            _recorder ??= Task.Run(RecordInOrderAsync, CancellationToken.None);
            passed = MarkPassedOnLocked(part);
        }

        passed.TrySetResult();

        try
        {
            await _recordQueue.Writer.WriteAsync((part, then), cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // The consumer is stopping: the part stays unacked on the queues, and is not left here as in flight.
            Forget(part);
            throw;
        }

        return fresh;
    }

    /// <summary>Parts <see cref="ReceivePartAsync"/> may leave for their history write before it waits for the oldest.</summary>
    public const int MaxUnrecordedParts = 8;

    private async Task RecordInOrderAsync()
    {
        await foreach (var (part, then) in _recordQueue.Reader.ReadAllAsync())
        {
            try
            {
                await WhenVersionPassedOnAsync(part, CancellationToken.None);
                await WriteAsync(() => store.AppendVersionPartAsync(part, CancellationToken.None));
            }
            catch (Exception ex)
            {
                // Best effort here: the shared queue holds the part until the history has it.
                logger.LogWarning(ex, "{Provider} v{Version} part {Part}: history write failed; the shared queue keeps it", part.Provider, part.CatalogVersion, part.Part);
            }
            finally
            {
                Forget(part);
            }

            try
            {
                then();
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "{Provider} v{Version} part {Part}: applying it after its history write failed", part.Provider, part.CatalogVersion, part.Part);
            }
        }
    }

    private void Forget(CatalogVersionChanges part)
    {
        lock (_lock)
        {
            var at = _unrecorded.FindIndex(p => ReferenceEquals(p, part));
            if (at >= 0)
            {
                _unrecorded.RemoveAt(at);
            }
        }
    }

    /// <summary>A write to the history; a shared one that is unreachable is skipped for a while (the shared queue holds it).</summary>
    private async Task WriteAsync(Func<Task> write)
    {
        if (time.GetUtcNow().UtcTicks < Interlocked.Read(ref _storeDownUntilTicks))
        {
            return;
        }

        try
        {
            await write();
        }
        catch (Exception ex) when (store.IsShared && IsStoreOutage(ex))
        {
            var now = time.GetUtcNow();
            // Logged once per pause, not once per change.
            if (Interlocked.Exchange(ref _storeDownUntilTicks, (now + OutagePause).UtcTicks) <= now.UtcTicks)
            {
                logger.LogWarning("History store {Store} unavailable; watchers and the view go on, the shared queue holds the history writes: {Error}", store.Name, ex.Message);
            }
        }
    }

    public static bool IsStoreOutage(Exception ex) => ex is StackExchange.Redis.RedisException or TimeoutException or ObjectDisposedException;

    /// <summary>Live changes matching <paramref name="selector"/> from now on. Dispose to stop.</summary>
    public PriceChangeWatcher Watch(PriceChangeSelector selector) => Watch(selector, resumeAfter: null);

    /// <summary>
    /// <see cref="Watch(PriceChangeSelector)"/> for a watch that resumes after <paramref name="resumeAfter"/> (per provider):
    /// it starts with the changes of those providers after those versions that this replica passed on but whose history
    /// write has not finished (<see cref="ReceivePartAsync"/>), which a replay of the history would miss. A change that
    /// is in both reaches the caller twice; the caller drops the second by its identity, as it does for live changes.
    /// </summary>
    public PriceChangeWatcher Watch(PriceChangeSelector selector, IReadOnlyDictionary<string, long>? resumeAfter)
    {
        var watcher = new PriceChangeWatcher(selector, options.WatcherBuffer, Remove);
        lock (_lock)
        {
            if (resumeAfter is { Count: > 0 } && _unrecorded.Count > 0)
            {
                var receivedAt = time.GetUtcNow();
                watcher.Offer([.. _unrecorded.SelectMany(p => p.Changes)
                    .Where(c => resumeAfter.TryGetValue(c.Provider, out var after) && c.CatalogVersion > after)
                    .Select(c => new ReceivedPriceChange(c, receivedAt))]);
            }

            _watchers.Add(watcher);
        }

        return watcher;
    }

    private bool MarkSeen(UInt128 identity)
    {
        if (!_seen.Add(identity))
        {
            return false;
        }

        _seenOrder.Enqueue(identity);
        if (_seenOrder.Count > SeenCapacity)
        {
            _seen.Remove(_seenOrder.Dequeue());
        }

        return true;
    }

    private void Remove(PriceChangeWatcher watcher)
    {
        lock (_lock)
        {
            _watchers.Remove(watcher);
        }
    }
}
