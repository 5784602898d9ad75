using System.Diagnostics;
using Grpc.Net.Client;
using Pricing.Client;
using Pricing.Contracts.V1;

namespace Cluster.Tests.Load;

/// <summary>
/// A live WatchPriceChanges subscriber of every provider, as the CLI's <c>watch</c> and the Dashboard's feed run it:
/// <see cref="PriceChangeWatchClient"/> (reconnects, resumes after the last version it saw, drops repeats by identity)
/// over a pick-first channel whose first address is its home replica and the others follow, so when its replica dies
/// it reconnects to another. Records each change it is given, as provider|version|offer key, and each (re)connection.
/// </summary>
public sealed class PriceWatcher : IAsyncDisposable, IPriceChangeWatchObserver
{
    private readonly List<(string Identity, TimeSpan At)> _received = [];
    private readonly List<TimeSpan> _connectedAt = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Stopwatch _clock;
    private readonly GrpcChannel _channel;
    private readonly Task _reading;
    private int _connections;
    private int _drops;

    public PriceWatcher(string name, GrpcChannel channel, Stopwatch clock)
    {
        Name = name;
        _channel = channel;
        _clock = clock;
        var client = new PriceChangeWatchClient(new PriceChanges.PriceChangesClient(channel),
            new PriceChangeWatchOptions { WaitForServer = true, FirstRetryDelay = TimeSpan.FromMilliseconds(200), MaxRetryDelay = TimeSpan.FromSeconds(2) }, this);
        _reading = Task.Run(async () =>
        {
            try
            {
                await foreach (var notice in client.WatchAsync(new WatchPriceChangesRequest(), _stop.Token))
                {
                    var identity = Identity(notice.Change.Provider, notice.Change.CatalogVersion, notice.Change.OfferKey);
                    lock (_received)
                    {
                        _received.Add((identity, _clock.Elapsed));
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }
        });
    }

    public string Name { get; }

    public int Connections => Volatile.Read(ref _connections);

    public int Drops => Volatile.Read(ref _drops);

    public static string Identity(string provider, long version, string offerKey) => $"{provider}|{version}|{offerKey}";

    public IReadOnlyList<(string Identity, TimeSpan At)> Received
    {
        get
        {
            lock (_received)
            {
                return [.. _received];
            }
        }
    }

    public int Count
    {
        get
        {
            lock (_received)
            {
                return _received.Count;
            }
        }
    }

    /// <summary>When each (re)connection was accepted, on the run's clock.</summary>
    public IReadOnlyList<TimeSpan> ConnectedAt
    {
        get
        {
            lock (_connectedAt)
            {
                return [.. _connectedAt];
            }
        }
    }

    void IPriceChangeWatchObserver.Connected()
    {
        lock (_connectedAt)
        {
            _connectedAt.Add(_clock.Elapsed);
        }

        Interlocked.Increment(ref _connections);
    }

    void IPriceChangeWatchObserver.Dropped(string reason, Exception? error, TimeSpan retryIn) => Interlocked.Increment(ref _drops);

    /// <summary>Waits until the first subscription is live (the server sent its headers).</summary>
    public async Task WaitConnectedAsync(CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (Connections == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, $"watcher {Name} did not connect");
            await Task.Delay(20, ct);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _reading;
        _channel.Dispose();
        _stop.Dispose();
    }
}
