using System.Globalization;
using Grpc.Core;
using Grpc.Net.Client;
using Pricing.Contracts.V1;

namespace Pricing.Cli;

/// <summary>How long watch waits before reconnecting: doubling from <see cref="FirstRetryDelay"/> up to <see cref="MaxRetryDelay"/>.</summary>
public sealed record WatchOptions(TimeSpan FirstRetryDelay, TimeSpan MaxRetryDelay)
{
    public static readonly WatchOptions Default = new(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(10));
}

public static class WatchCommand
{
    /// <summary>Identities of printed changes kept to drop repeats after a reconnect (far more than one version's changes).</summary>
    public const int RememberedChanges = 200_000;

    public static async Task<int> RunAsync(WatchArguments arguments, TextWriter output, TextWriter error, CancellationToken cancellationToken, WatchOptions? options = null, string? token = null)
    {
        if (arguments.Server is not null)
        {
            using var channel = ServerChannel.Open(arguments.Server, token);
            return await WatchAsync(new PriceChanges.PriceChangesClient(channel), arguments, output, error, options ?? WatchOptions.Default, cancellationToken);
        }

        error.WriteLine("pricing watch: starting the embedded default (no --server) ...");
        await using var embedded = await EmbeddedServer.StartAsync(cancellationToken);
        error.WriteLine("pricing watch: embedded: its bundled price snapshots do not change, so expect no changes here; "
            + "use --server URL to watch a running Quotes service. Waiting (Ctrl+C to stop).");
        using var embeddedChannel = GrpcChannel.ForAddress(embedded.Address);
        return await WatchAsync(new PriceChanges.PriceChangesClient(embeddedChannel), arguments, output, error, options ?? WatchOptions.Default, cancellationToken);
    }

    /// <summary>
    /// Prints changes until <see cref="WatchArguments.Count"/> were printed (0) or <paramref name="cancellationToken"/> is
    /// cancelled (0). A dropped stream is resumed (see <see cref="WatchArguments.Usage"/>); InvalidArgument and other
    /// non-transient failures are thrown.
    /// </summary>
    public static async Task<int> WatchAsync(PriceChanges.PriceChangesClient client, WatchArguments arguments, TextWriter output, TextWriter error, WatchOptions options, CancellationToken cancellationToken)
    {
        // The versions the server holds now: where a provider resumes from after a drop if nothing of it was printed yet.
        // This call also fails fast (Unavailable) when the server is not there at all.
        Dictionary<string, long> baseline;
        try
        {
            var status = await client.GetViewStatusAsync(new GetViewStatusRequest(), deadline: DateTime.UtcNow.AddSeconds(30), cancellationToken: cancellationToken);
            baseline = status.Providers.ToDictionary(p => p.Provider, p => p.Version, StringComparer.Ordinal);
        }
        catch (Exception ex) when (Cancelled(ex, cancellationToken))
        {
            return 0;
        }

        var lastPrinted = new Dictionary<string, long>(StringComparer.Ordinal);
        var printed = new RecentIdentities(RememberedChanges);
        var count = 0;
        var delay = options.FirstRetryDelay;
        var reconnecting = false;
        while (true)
        {
            var request = ResumeRequest(arguments.Request, lastPrinted, reconnecting ? baseline : null);
            if (reconnecting)
            {
                error.WriteLine($"pricing watch: reconnecting, resume_after {Describe(request.ResumeAfter)}");
            }

            string dropped;
            try
            {
                using var call = client.WatchPriceChanges(request, cancellationToken: cancellationToken);
                await foreach (var notice in call.ResponseStream.ReadAllAsync(cancellationToken))
                {
                    delay = options.FirstRetryDelay;
                    var change = notice.Change;
                    if (change is null || !printed.Add($"{change.Provider}|{change.CatalogVersion}|{change.OfferKey}"))
                    {
                        continue;
                    }

                    lastPrinted[change.Provider] = Math.Max(lastPrinted.GetValueOrDefault(change.Provider), change.CatalogVersion);
                    output.WriteLine(arguments.Json ? ChangeFormat.Json.Format(notice) : ChangeFormat.Line(notice));
                    output.Flush();
                    if (arguments.Count is { } wanted && ++count >= wanted)
                    {
                        return 0;
                    }
                }

                dropped = "the server ended the stream";
            }
            catch (Exception ex) when (Cancelled(ex, cancellationToken))
            {
                return 0;
            }
            catch (RpcException ex) when (Transient(ex.StatusCode))
            {
                dropped = $"{ex.StatusCode}: {ex.Status.Detail}";
            }
            catch (RpcException ex) when (Pricing.ServiceDefaults.ResyncRequired.ProviderOf(ex) is { } provider)
            {
                // Resuming would skip changes the history no longer holds: say so and stop, rather than lose them quietly.
                error.WriteLine($"pricing watch: cannot resume {provider} without a gap: {ex.Status.Detail}");
                error.WriteLine($"pricing watch: read {provider}'s current prices (pricing quote / history), then watch again without --resume-after for it.");
                return 1;
            }

            error.WriteLine($"pricing watch: stream dropped ({dropped}); retrying in {delay.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s");
            try
            {
                await Task.Delay(delay, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return 0;
            }

            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, options.MaxRetryDelay.Ticks));
            reconnecting = true;
        }
    }

    /// <summary>
    /// The request for the next connection: the user's filter and resume points; each provider something was printed
    /// of resumes after its last printed version minus one (a drop may have cut that version in half; what was
    /// printed of it is dropped as a repeat); on a reconnect, providers nothing was printed of resume from
    /// <paramref name="baseline"/>, so changes made while disconnected are not lost.
    /// </summary>
    public static WatchPriceChangesRequest ResumeRequest(WatchPriceChangesRequest original, IReadOnlyDictionary<string, long> lastPrinted, IReadOnlyDictionary<string, long>? baseline)
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

        foreach (var (name, version) in lastPrinted)
        {
            request.ResumeAfter[name] = Math.Max(version - 1, 0);
        }

        return request;
    }

    private static bool Transient(StatusCode code) => code is StatusCode.Unavailable or StatusCode.ResourceExhausted or StatusCode.Internal
        or StatusCode.Unknown or StatusCode.Aborted or StatusCode.DeadlineExceeded or StatusCode.Cancelled;

    private static bool Cancelled(Exception ex, CancellationToken cancellationToken) =>
        cancellationToken.IsCancellationRequested && ex is OperationCanceledException or RpcException;

    private static string Describe(IDictionary<string, long> resumeAfter) => resumeAfter.Count == 0
        ? "none (live changes only)"
        : string.Join(",", resumeAfter.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value.ToString(CultureInfo.InvariantCulture)}"));

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
