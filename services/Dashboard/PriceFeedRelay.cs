using System.Threading.Channels;
using Microsoft.Extensions.Options;
using Pricing.Contracts.V1;
using Pricing.Client;

namespace Dashboard;

/// <summary>One price change as the dashboard shows it (and sends it to browsers as JSON).</summary>
public sealed record FeedItem(
    long Seq,
    string Provider,
    string Kind,
    string OfferKey,
    string Region,
    string InstanceType,
    string AcceleratorId,
    string PricingModel,
    decimal? OldPricePerInstanceHour,
    decimal? NewPricePerInstanceHour,
    decimal? NewPricePerAcceleratorHour,
    long CatalogVersion,
    DateTimeOffset ObservedAt,
    DateTimeOffset ReceivedAt,
    string RoutingKey,
    bool Replayed);

/// <summary>Whether the relay is subscribed to Quotes right now.</summary>
public sealed record RelayState(bool Connected, string? Error, DateTimeOffset Since, long Received);

/// <summary>What a browser connection receives: a change or a relay state change.</summary>
public sealed record FeedEvent(FeedItem? Item, RelayState? State);

/// <summary>
/// Subscribes to Quotes' <c>WatchPriceChanges</c> gRPC stream (Quotes is fed by the RabbitMQ subscription, or the
/// in-memory bus in the embedded default), keeps the latest changes and fans them out to browser connections.
/// Reconnecting, resuming and dropping repeats is the <see cref="PriceChangeWatchClient"/> the CLI's watch uses too:
/// every provider resumes where this relay was, also one it had received nothing of, so a reconnect loses nothing.
/// </summary>
public sealed class PriceFeedRelay(
    PricingBackend backend,
    IOptions<DashboardOptions> options,
    IHostApplicationLifetime lifetime,
    TimeProvider time,
    ILogger<PriceFeedRelay> logger) : BackgroundService, IPriceChangeWatchObserver
{
    private const int SubscriberCapacity = 2000;

    /// <summary>A service waits for Quotes (it may start later) and, when Quotes cannot replay a provider, shows it live from now: the pages read current prices from the catalog, so nothing shown goes stale.</summary>
    private static readonly PriceChangeWatchOptions WatchOptions = new()
    {
        FirstRetryDelay = TimeSpan.FromMilliseconds(250),
        WaitForServer = true,
        FollowLiveOnResync = true,
    };

    private readonly Lock _gate = new();
    private readonly LinkedList<FeedItem> _recent = [];
    private readonly List<Channel<FeedEvent>> _subscribers = [];
    private long _seq;
    private RelayState _state = new(false, "not connected yet", DateTimeOffset.MinValue, 0);

    public RelayState State
    {
        get
        {
            lock (_gate)
            {
                return _state;
            }
        }
    }

    public long LastSeq
    {
        get
        {
            lock (_gate)
            {
                return _seq;
            }
        }
    }

    /// <summary>The kept changes with a sequence number above <paramref name="afterSeq"/>, newest first.</summary>
    public IReadOnlyList<FeedItem> Recent(long afterSeq = 0)
    {
        lock (_gate)
        {
            return [.. _recent.Where(i => i.Seq > afterSeq).Reverse()];
        }
    }

    /// <summary>A browser connection: the kept changes after <paramref name="afterSeq"/> (oldest first), then everything new.</summary>
    public FeedSubscription Subscribe(long afterSeq)
    {
        var channel = Channel.CreateBounded<FeedEvent>(new BoundedChannelOptions(SubscriberCapacity)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true,
        });
        lock (_gate)
        {
            var backlog = _recent.Where(i => i.Seq > afterSeq).ToList();
            _subscribers.Add(channel);
            return new FeedSubscription(this, channel, backlog, _state);
        }
    }

    internal void Unsubscribe(Channel<FeedEvent> channel)
    {
        lock (_gate)
        {
            _subscribers.Remove(channel);
        }

        channel.Writer.TryComplete();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The embedded default points the relay at its own address, known once the server listens.
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        using (stoppingToken.Register(() => started.TrySetCanceled(stoppingToken)))
        {
            try
            {
                await started.Task;
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }

        // Leave as soon as the host starts stopping: an open stream would hold the server's shutdown until its timeout.
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, lifetime.ApplicationStopping);
        var watch = new PriceChangeWatchClient(backend.Changes, WatchOptions, this, time);
        await foreach (var notice in watch.WatchAsync(new WatchPriceChangesRequest(), stopping.Token))
        {
            Accept(notice);
        }
    }

    void IPriceChangeWatchObserver.Connected() => SetState(connected: true, error: null);

    void IPriceChangeWatchObserver.Dropped(string reason, Exception? error, TimeSpan retryIn)
    {
        if (error is not null)
        {
            logger.LogWarning("Live feed: the price-change stream from Quotes failed ({Error}); reconnecting in {Delay}", reason, retryIn);
        }

        SetState(connected: false, error: reason);
    }

    void IPriceChangeWatchObserver.FollowingLive(string provider, string detail)
    {
        logger.LogWarning("Live feed: Quotes cannot replay the changes of {Provider} missed since the last one shown ({Reason}); following it live from now", provider, detail);
        SetState(connected: false, error: $"changes of {provider} were missed; following live from now");
    }

    private void Accept(PriceChangeNotice notice)
    {
        lock (_gate)
        {
            var item = ToItem(++_seq, notice, time.GetUtcNow());
            _recent.AddLast(item);
            while (_recent.Count > Math.Max(1, options.Value.FeedBufferSize))
            {
                _recent.RemoveFirst();
            }

            _state = _state with { Received = _state.Received + 1 };
            Broadcast(new FeedEvent(item, null));
        }
    }

    private void SetState(bool connected, string? error)
    {
        lock (_gate)
        {
            _state = new RelayState(connected, error, time.GetUtcNow(), _state.Received);
            Broadcast(new FeedEvent(null, _state));
        }
    }

    private void Broadcast(FeedEvent feedEvent)
    {
        foreach (var subscriber in _subscribers)
        {
            subscriber.Writer.TryWrite(feedEvent);
        }
    }

    internal static FeedItem ToItem(long seq, PriceChangeNotice notice, DateTimeOffset now)
    {
        var change = notice.Change;
        // Offer key: "{provider}|{region}|{zone}|{instance_type}|{pricing_model}"; routing key: "{provider}.{region}.{accelerator}.{pricing_model}".
        Pricing.Catalog.OfferKey.TryParse(change.OfferKey, out var key);
        var routeParts = notice.RoutingKey.Split('.');
        var offer = change.Offer;
        return new FeedItem(
            seq,
            change.Provider,
            change.Kind switch
            {
                PriceChangeKind.Added => "added",
                PriceChangeKind.Changed => "changed",
                PriceChangeKind.Removed => "removed",
                _ => "unknown",
            },
            change.OfferKey,
            offer?.Region ?? key.Region ?? "",
            offer?.InstanceType ?? key.InstanceType ?? "",
            offer?.AcceleratorId ?? (routeParts.Length > 2 ? routeParts[2] : ""),
            offer?.PricingModel ?? key.PricingModel ?? "",
            change.OldPricePerInstanceHour is { } old ? Format.ToDecimal(old) : null,
            change.NewPricePerInstanceHour is { } next ? Format.ToDecimal(next) : null,
            offer?.PricePerAcceleratorHour is { } perAccelerator ? Format.ToDecimal(perAccelerator) : null,
            change.CatalogVersion,
            change.ObservedAt?.ToDateTimeOffset() ?? now,
            notice.ReceivedAt?.ToDateTimeOffset() ?? now,
            notice.RoutingKey,
            notice.Replayed);
    }
}

/// <summary>A browser connection's view of the relay; dispose to leave.</summary>
public sealed class FeedSubscription(PriceFeedRelay relay, Channel<FeedEvent> channel, IReadOnlyList<FeedItem> backlog, RelayState state) : IDisposable
{
    public IReadOnlyList<FeedItem> Backlog { get; } = backlog;

    public RelayState State { get; } = state;

    public ChannelReader<FeedEvent> Events => channel.Reader;

    public void Dispose() => relay.Unsubscribe(channel);
}
