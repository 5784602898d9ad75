using System.Threading.Channels;
using Pricing.Contracts.Events;
using StackExchange.Redis;

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
/// Where every price change Quotes consumes goes after the price view: into the history (Redis, or memory),
/// and out to live watchers. A change is passed on once: a redelivery of one already seen (in this process,
/// or recorded in the history by an earlier one) is dropped. When the history store is unreachable, changes
/// queue in memory and are written, in order, once it is back; watchers and quotes never wait for it.
/// </summary>
public sealed class PriceChangeFeed(IPriceHistoryStore store, PriceHistoryOptions options, TimeProvider time, ILogger<PriceChangeFeed> logger) : BackgroundService
{
    private const int SeenCapacity = 1_000_000;

    private readonly Lock _lock = new();
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);
    private readonly Queue<string> _seenOrder = new();
    private readonly List<PriceChangeWatcher> _watchers = [];
    private readonly Queue<AcceleratorPriceChanged> _pendingWrites = new();
    private readonly SemaphoreSlim _pendingSignal = new(0);
    private long _received;
    private long _droppedWrites;

    public IPriceHistoryStore Store => store;

    /// <summary>Changes passed on (first deliveries only).</summary>
    public long Received => Interlocked.Read(ref _received);

    public int PendingWrites
    {
        get
        {
            lock (_lock)
            {
                return _pendingWrites.Count;
            }
        }
    }

    /// <summary>Records and fans out one consumed change. Returns false for a change already seen.</summary>
    public async Task<bool> RecordAsync(AcceleratorPriceChanged change, CancellationToken cancellationToken)
    {
        var identity = PriceChangeJson.IdentityOf(change);
        lock (_lock)
        {
            if (_seen.Contains(identity))
            {
                return false;
            }
        }

        bool? storedNew = null;
        var queueWrite = PendingWrites > 0;
        if (!queueWrite)
        {
            try
            {
                storedNew = await store.AppendAsync(change, cancellationToken);
            }
            catch (Exception ex) when (IsStoreOutage(ex))
            {
                logger.LogWarning("Price history store {Store} unavailable, holding changes in memory: {Error}", store.Name, ex.Message);
                queueWrite = true;
            }
        }

        var received = new ReceivedPriceChange(change, time.GetUtcNow());
        lock (_lock)
        {
            // Recorded by an earlier process (a redelivery after a restart): already told to whoever watched then,
            // and in the history every watcher resumes from.
            if (storedNew == false || !MarkSeen(identity))
            {
                return false;
            }

            if (queueWrite)
            {
                if (_pendingWrites.Count >= options.MaxPendingWrites)
                {
                    _pendingWrites.Dequeue();
                    _droppedWrites++;
                }

                _pendingWrites.Enqueue(change);
                _pendingSignal.Release();
            }

            _received++;
            foreach (var watcher in _watchers)
            {
                watcher.Offer(received);
            }
        }

        return true;
    }

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

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await WritePendingAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down; what is still pending is lost with the process, as memory history would be.
        }
    }

    private async Task WritePendingAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            await _pendingSignal.WaitAsync(stoppingToken);
            while (TryPeek(out var change))
            {
                try
                {
                    await store.AppendAsync(change, stoppingToken);
                    lock (_lock)
                    {
                        _pendingWrites.Dequeue();
                        if (_pendingWrites.Count == 0)
                        {
                            logger.LogInformation("Price history store {Store} back; queued changes written ({Dropped} dropped over the limit)", store.Name, _droppedWrites);
                        }
                    }
                }
                catch (Exception ex) when (IsStoreOutage(ex))
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), time, stoppingToken);
                }
            }
        }
    }

    private bool TryPeek(out AcceleratorPriceChanged change)
    {
        lock (_lock)
        {
            return _pendingWrites.TryPeek(out change!);
        }
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

    private static bool IsStoreOutage(Exception ex) => ex is RedisException or TimeoutException or ObjectDisposedException;
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

    internal void Offer(ReceivedPriceChange change)
    {
        if (Selector.Matches(change.Change) && !_channel.Writer.TryWrite(change))
        {
            _channel.Writer.TryComplete(new WatcherTooSlowException(
                $"More than {_capacity} changes queued for this watcher; reconnect with resume_after set to the last versions received."));
        }
    }
}

public sealed class WatcherTooSlowException(string message) : Exception(message);
