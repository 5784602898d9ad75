using System.Diagnostics;
using Grpc.Core;
using Grpc.Net.Client;
using Pricing.Contracts.V1;

namespace Cluster.Tests.Load;

/// <summary>One quote call: when it started (since the load began), how long it took, whether it failed.</summary>
public readonly record struct QuoteCall(TimeSpan StartedAt, TimeSpan Took, bool Failed, string? Error);

/// <summary>
/// A steady stream of QuoteTrainingRun calls through a round-robin channel over every replica: a few callers, each
/// one call every ~25 ms, over varied runs (token counts) so the quote cache (memory and Redis) is both hit and
/// filled. Every call is recorded.
/// </summary>
public sealed class QuoteLoad : IAsyncDisposable
{
    private const int Callers = 3;
    private readonly List<QuoteCall> _calls = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly GrpcChannel _channel;
    private readonly Task[] _callers;

    public QuoteLoad(GrpcChannel channel)
    {
        _channel = channel;
        var client = new TrainingQuotes.TrainingQuotesClient(channel);
        _callers = [.. Enumerable.Range(0, Callers).Select(i => Task.Run(() => CallAsync(client, i, _stop.Token)))];
    }

    public TimeSpan Now => _clock.Elapsed;

    private async Task CallAsync(TrainingQuotes.TrainingQuotesClient client, int caller, CancellationToken stop)
    {
        var n = caller;
        while (!stop.IsCancellationRequested)
        {
            var request = new QuoteTrainingRunRequest { Parameters = 7e9, Tokens = 1e11 * (1 + (n++ % 200)), AcceleratorIds = { "nvidia-h100-80gb" }, MaxOptions = 20 };
            var started = _clock.Elapsed;
            string? error = null;
            try
            {
                var reply = await client.QuoteTrainingRunAsync(request, deadline: DateTime.UtcNow.AddSeconds(10), cancellationToken: stop);
                if (reply.Options.Count == 0)
                {
                    error = "no options";
                }
            }
            catch (RpcException ex) when (!stop.IsCancellationRequested)
            {
                error = $"{ex.StatusCode}: {ex.Status.Detail}";
            }
            catch (Exception) when (stop.IsCancellationRequested)
            {
                return;
            }

            lock (_calls)
            {
                _calls.Add(new QuoteCall(started, _clock.Elapsed - started, error is not null, error));
            }

            try
            {
                await Task.Delay(25, stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>The calls that started in [<paramref name="from"/>, <paramref name="to"/>).</summary>
    public IReadOnlyList<QuoteCall> Between(TimeSpan from, TimeSpan to)
    {
        lock (_calls)
        {
            return [.. _calls.Where(c => c.StartedAt >= from && c.StartedAt < to)];
        }
    }

    public static TimeSpan P99(IReadOnlyList<QuoteCall> calls) =>
        calls.Count == 0 ? TimeSpan.Zero : calls.Select(c => c.Took).Order().ElementAt(Math.Min(calls.Count - 1, (int)Math.Ceiling(calls.Count * 0.99) - 1));

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_callers);
        _channel.Dispose();
        _stop.Dispose();
    }
}
