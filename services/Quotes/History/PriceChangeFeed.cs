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
public sealed class PriceChangeFeed(IPriceHistoryStore store, PriceHistoryOptions options, TimeProvider time, ILogger<PriceChangeFeed> logger)
{
    private const int SeenCapacity = 1_000_000;

    /// <summary>After a failed write, how long this replica's own writes are skipped (each would wait for Redis's timeout).</summary>
    private static readonly TimeSpan OutagePause = TimeSpan.FromSeconds(2);

    private readonly Lock _lock = new();
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);
    private readonly Queue<string> _seenOrder = new();
    private readonly List<PriceChangeWatcher> _watchers = [];
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
            var fresh = new List<ReceivedPriceChange>(changes.Count);
            foreach (var change in changes)
            {
                if (MarkSeen(PriceChangeJson.IdentityOf(change)))
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
    public PriceChangeWatcher Watch(PriceChangeSelector selector)
    {
        var watcher = new PriceChangeWatcher(selector, options.WatcherBuffer, Remove);
        lock (_lock)
        {
            _watchers.Add(watcher);
        }

        return watcher;
    }

    private bool MarkSeen(string identity)
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

/// <summary>One live subscription. Changes queue up to a bound; a watcher that falls further behind is cut off.</summary>
public sealed class PriceChangeWatcher : IDisposable
{
    private readonly Channel<ReceivedPriceChange> _channel;
    private readonly Action<PriceChangeWatcher> _remove;
    private readonly int _capacity;

    internal PriceChangeWatcher(PriceChangeSelector selector, int capacity, Action<PriceChangeWatcher> remove)
    {
        Selector = selector;
        _capacity = capacity;
        _remove = remove;
        _channel = Channel.CreateBounded<ReceivedPriceChange>(new BoundedChannelOptions(capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    }

    public PriceChangeSelector Selector { get; }

    public ChannelReader<ReceivedPriceChange> Changes => _channel.Reader;

    public void Dispose()
    {
        _remove(this);
        _channel.Writer.TryComplete();
    }

    internal void Offer(List<ReceivedPriceChange> changes)
    {
        foreach (var change in changes)
        {
            if (Selector.Matches(change.Change) && !_channel.Writer.TryWrite(change))
            {
                _channel.Writer.TryComplete(new WatcherTooSlowException(
                    $"More than {_capacity} changes queued for this watcher; reconnect with resume_after set to the last versions received."));
                return;
            }
        }
    }
}

public sealed class WatcherTooSlowException(string message) : Exception(message);
