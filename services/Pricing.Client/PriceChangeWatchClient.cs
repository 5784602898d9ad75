using System.Runtime.CompilerServices;
using Grpc.Core;
using Pricing.Contracts.V1;

namespace Pricing.Client;

/// <summary>How a <see cref="PriceChangeWatchClient"/> reconnects, and what it does when the server cannot resume.</summary>
public sealed record PriceChangeWatchOptions
{
    public static readonly PriceChangeWatchOptions Default = new();

    /// <summary>The wait before the first reconnect; it doubles per failed attempt up to <see cref="MaxRetryDelay"/>, and starts over once connected.</summary>
    public TimeSpan FirstRetryDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Identities of delivered changes kept to drop repeats after a reconnect (far more than one version's changes).</summary>
    public int RememberedChanges { get; init; } = 200_000;

    /// <summary>
    /// False (a command): a failure before the first connection is thrown, and after it only transient ones are
    /// retried. True (a service whose server may start later or restart): every failure is retried.
    /// </summary>
    public bool WaitForServer { get; init; }

    /// <summary>
    /// False: RESYNC_REQUIRED (<see cref="ResyncRequired"/>) is thrown, the caller cannot go on without a gap.
    /// True: that provider is followed live from now (a display that reads current prices elsewhere).
    /// </summary>
    public bool FollowLiveOnResync { get; init; }

    /// <summary>
    /// Quotes sends its response headers as soon as the watch is subscribed; a server that holds them back until its
    /// first change is taken as subscribed once the call has not failed for this long.
    /// </summary>
    public TimeSpan SubscribeGrace { get; init; } = TimeSpan.FromSeconds(10);
}

/// <summary>What a <see cref="PriceChangeWatchClient"/> reports besides the changes (called on the watching task).</summary>
public interface IPriceChangeWatchObserver
{
    /// <summary>A stream is about to be opened with <paramref name="request"/>; <paramref name="reconnect"/> is false the first time.</summary>
    void Connecting(WatchPriceChangesRequest request, bool reconnect)
    {
    }

    /// <summary>The server accepted the subscription.</summary>
    void Connected()
    {
    }

    /// <summary>The stream ended or failed (<paramref name="error"/> when it failed); the next attempt follows in <paramref name="retryIn"/>.</summary>
    void Dropped(string reason, Exception? error, TimeSpan retryIn)
    {
    }

    /// <summary>With <see cref="PriceChangeWatchOptions.FollowLiveOnResync"/>: the changes of <paramref name="provider"/> missed cannot be replayed; it is followed live from now.</summary>
    void FollowingLive(string provider, string detail)
    {
    }
}

/// <summary>
/// The resumable <c>WatchPriceChanges</c> client the CLI's <c>watch</c> and the Dashboard's live feed share: each change
/// once, none missed across a reconnect while the server keeps its history.
/// <list type="bullet">
/// <item>When the stream drops it reconnects, backing off, with <c>resume_after</c> per provider: the last version
/// delivered minus one (a drop can cut a version in half; the server replays from its start), else the version the
/// server reported while this client was subscribed without a resume point for it, so a provider nothing was
/// delivered of before the drop loses nothing either; the caller's own resume points stand until something of that
/// provider is delivered.</item>
/// <item>What arrives again is dropped by its identity (provider, catalog version, offer key).</item>
/// <item>RESYNC_REQUIRED is thrown, or with <see cref="PriceChangeWatchOptions.FollowLiveOnResync"/> that provider is
/// followed live from now.</item>
/// </list>
/// </summary>
public sealed class PriceChangeWatchClient(
    PriceChanges.PriceChangesClient client,
    PriceChangeWatchOptions? options = null,
    IPriceChangeWatchObserver? observer = null,
    TimeProvider? time = null)
{
    private static readonly IPriceChangeWatchObserver Silent = new NoObserver();
    private static readonly TimeSpan StatusDeadline = TimeSpan.FromSeconds(30);

    private readonly PriceChangeWatchOptions _options = options ?? PriceChangeWatchOptions.Default;
    private readonly IPriceChangeWatchObserver _observer = observer ?? Silent;
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <summary>
    /// The changes matching <paramref name="request"/>, each once, until <paramref name="cancellationToken"/> is cancelled
    /// (the sequence then ends) or a failure the options do not retry is thrown.
    /// </summary>
    public async IAsyncEnumerable<PriceChangeNotice> WatchAsync(WatchPriceChangesRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var original = request.Clone();
        var lastDelivered = new Dictionary<string, long>(StringComparer.Ordinal);
        var baseline = new Dictionary<string, long>(StringComparer.Ordinal);
        var delivered = new RecentIdentities(_options.RememberedChanges);
        var delay = _options.FirstRetryDelay;
        var everConnected = false;
        var attempt = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            var next = ResumeRequest(original, lastDelivered, baseline);
            _observer.Connecting(next, reconnect: attempt++ > 0);
            AsyncServerStreamingCall<PriceChangeNotice>? call = null;
            Exception? failure = null;
            try
            {
                call = client.WatchPriceChanges(next, cancellationToken: cancellationToken);
                await SubscribedAsync(call, cancellationToken);
                await RefreshBaselineAsync(next, baseline, cancellationToken);
            }
            catch (Exception ex)
            {
                call?.Dispose();
                call = null;
                failure = ex;
            }

            string reason = "the server ended the stream";
            if (call is not null)
            {
                everConnected = true;
                delay = _options.FirstRetryDelay;
                _observer.Connected();
                using (call)
                {
                    while (true)
                    {
                        try
                        {
                            if (!await call.ResponseStream.MoveNext(cancellationToken))
                            {
                                break;
                            }
                        }
                        catch (Exception ex)
                        {
                            failure = ex;
                            break;
                        }

                        var notice = call.ResponseStream.Current;
                        if (Accept(notice, delivered, lastDelivered))
                        {
                            yield return notice;
                        }
                    }
                }
            }

            if (failure is not null)
            {
                if (cancellationToken.IsCancellationRequested && failure is OperationCanceledException or RpcException)
                {
                    yield break;
                }

                if (failure is RpcException rpc && ResyncRequired.ProviderOf(rpc) is { } provider)
                {
                    if (!_options.FollowLiveOnResync)
                    {
                        throw failure;
                    }

                    // The history cannot replay what was missed of this provider: start it live, and take its version
                    // from the server once subscribed (RefreshBaselineAsync), so later drops lose nothing of it again.
                    original.ResumeAfter.Remove(provider);
                    lastDelivered.Remove(provider);
                    baseline.Remove(provider);
                    _observer.FollowingLive(provider, rpc.Status.Detail);
                    continue;
                }

                if (!_options.WaitForServer && (!everConnected || !Transient(failure)))
                {
                    throw failure;
                }

                reason = failure is RpcException r ? $"{r.StatusCode}: {r.Status.Detail}" : failure.Message;
            }

            _observer.Dropped(reason, failure, delay);
            try
            {
                await Task.Delay(delay, _time, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                yield break;
            }

            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.MaxRetryDelay.Ticks));
        }
    }

    /// <summary>
    /// The request for the next connection: the caller's filter and resume points; each provider something was
    /// delivered of resumes after its last delivered version minus one (a drop may have cut that version in half; what
    /// was delivered of it is dropped as a repeat); providers nothing was delivered of resume from
    /// <paramref name="baseline"/>, so changes made while disconnected are not lost.
    /// </summary>
    public static WatchPriceChangesRequest ResumeRequest(WatchPriceChangesRequest original, IReadOnlyDictionary<string, long> lastDelivered, IReadOnlyDictionary<string, long>? baseline)
    {
        var request = original.Clone();
        if (baseline is not null)
        {
            var provider = request.Filter?.Provider ?? "";
            foreach (var (name, version) in baseline)
            {
                if ((provider.Length == 0 || provider == name) && !request.ResumeAfter.ContainsKey(name))
                {
                    request.ResumeAfter[name] = version;
                }
            }
        }

        foreach (var (name, version) in lastDelivered)
        {
            request.ResumeAfter[name] = Math.Max(version - 1, 0);
        }

        return request;
    }

    /// <summary>Response headers mean subscribed; see <see cref="PriceChangeWatchOptions.SubscribeGrace"/> for a server that holds them back.</summary>
    private async Task SubscribedAsync(AsyncServerStreamingCall<PriceChangeNotice> call, CancellationToken cancellationToken)
    {
        var headers = call.ResponseHeadersAsync;
        using var grace = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (await Task.WhenAny(headers, Task.Delay(_options.SubscribeGrace, _time, grace.Token)) == headers)
        {
            await grace.CancelAsync();
            await headers;
        }

        cancellationToken.ThrowIfCancellationRequested();
    }

    /// <summary>
    /// Once subscribed, every later change reaches this client, so for each provider this connection started live
    /// the version the server holds now is a safe resume point for the next connection: what it has of versions up to
    /// it was passed on before this subscription. Providers the server reports for the first time are covered too.
    /// </summary>
    private async Task RefreshBaselineAsync(WatchPriceChangesRequest connected, Dictionary<string, long> baseline, CancellationToken cancellationToken)
    {
        var status = await client.GetViewStatusAsync(new GetViewStatusRequest(), deadline: _time.GetUtcNow().UtcDateTime + StatusDeadline, cancellationToken: cancellationToken);
        foreach (var provider in status.Providers)
        {
            if (!connected.ResumeAfter.ContainsKey(provider.Provider))
            {
                baseline[provider.Provider] = provider.Version;
            }
        }
    }

    private static bool Accept(PriceChangeNotice notice, RecentIdentities delivered, Dictionary<string, long> lastDelivered)
    {
        var change = notice.Change;
        if (change is null || !delivered.Add($"{change.Provider}|{change.CatalogVersion}|{change.OfferKey}"))
        {
            return false;
        }

        lastDelivered[change.Provider] = Math.Max(lastDelivered.GetValueOrDefault(change.Provider), change.CatalogVersion);
        return true;
    }

    private static bool Transient(Exception ex) => ex is RpcException { StatusCode: StatusCode.Unavailable or StatusCode.ResourceExhausted or StatusCode.Internal
        or StatusCode.Unknown or StatusCode.Aborted or StatusCode.DeadlineExceeded or StatusCode.Cancelled };

    private sealed class NoObserver : IPriceChangeWatchObserver;

    /// <summary>A bounded set: the oldest identities are forgotten first.</summary>
    private sealed class RecentIdentities(int capacity)
    {
        private readonly HashSet<string> _set = new(StringComparer.Ordinal);
        private readonly Queue<string> _order = new();

        public bool Add(string identity)
        {
            if (!_set.Add(identity))
            {
                return false;
            }

            _order.Enqueue(identity);
            if (_order.Count > capacity)
            {
                _set.Remove(_order.Dequeue());
            }

            return true;
        }
    }
}
