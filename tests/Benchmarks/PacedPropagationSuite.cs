using System.Diagnostics;
using System.Globalization;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Pricing.Contracts.V1;
using Pricing.FakeProviders;
using Pricing.Quoting;
using Pricing.ServiceDefaults;
using Pricing.Sources;

using static Pricing.Benchmarks.PropagationMeasures;

namespace Pricing.Benchmarks;

/// <summary>
/// Price-change propagation at a steady rate below saturation, on the real RabbitMQ and Redis: a synthetic provider of
/// <c>--offers</c> offers publishes a new version (every price moved) every <c>--interval-ms</c>, <c>--versions</c>
/// times, and each change is timed from the provider's diff (<c>ObservedAt</c>) to a <c>WatchPriceChanges</c> client,
/// and each version to a <c>WatchQuote</c> client. The <c>propagation</c> suite measures the other case, a 1,000-change
/// burst per version, where the figure is the time to drain the burst. Targets (issue 25): p99 diff → watcher &lt; 50 ms,
/// and ≤ 15 ms for versions of one change (a lone change is not held back by any batch window).
/// </summary>
public sealed class PacedPropagationSuite : IBenchmarkSuite
{
    private const string Provider = "synthetic";
    private const double TargetP99Ms = 50;
    private const double LoneChangeTargetP99Ms = 15;

    public string Name => "propagation-paced";

    public string Description => "price-change latency at a steady rate: small versions at an interval, diff -> gRPC watchers, real RabbitMQ + Redis (options: --offers N --versions N --interval-ms M --versions-only)";

    private static (int Gen0, int Gen1, int Gen2, TimeSpan Paused, long Promoted, long Heap, long Allocated) GcNow()
    {
        var last = GC.GetGCMemoryInfo(GCKind.Ephemeral);
        return (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalPauseDuration(), last.PromotedBytes, last.HeapSizeBytes,
            GC.GetTotalAllocatedBytes());
    }

    public async Task<int> RunAsync(string[] args)
    {
        var offers = QuoteThroughputSuite.Option(args, "--offers", 10);
        var versions = QuoteThroughputSuite.Option(args, "--versions", 100);
        var interval = TimeSpan.FromMilliseconds(QuoteThroughputSuite.Option(args, "--interval-ms", 100));
        var warmup = Math.Max(1, QuoteThroughputSuite.Option(args, "--warmup-versions", 11));
        var (amqp, management, redis) = PropagationMeasures.Servers();
        var runId = Guid.NewGuid().ToString("N")[..12];
        var keyPrefix = $"pricing-bench-paced-{runId}:";
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        var ct = timeout.Token;

        await using var vhost = await PropagationVirtualHost.CreateAsync(amqp, management, $"pricing-bench-paced-{runId}");
        var loadBefore = LoadAverage();
        var provider = await SyntheticProviderHost.StartAsync(new Dictionary<string, string?>
        {
            ["ConnectionStrings:rabbitmq"] = vhost.Uri,
            ["Synthetic:Offers"] = offers.ToString(CultureInfo.InvariantCulture),
            // --versions-only: no per-change messages for topic subscribers, to see what they cost the version path.
            ["Scrape:PublishChangesForSubscribers"] = args.Contains("--versions-only") ? "false" : "true",
                ["Scrape:VersionPartSize"] = PropagationMeasures.PartSize(args),
                ["Scrape:SubscriberPublishDelay"] = PropagationMeasures.SubscriberPublishDelay(args),
        }, ct);
        WebApplication? quotes = null;
        try
        {
            quotes = await PropagationQuotesHost.StartAsync(vhost.Uri, redis, keyPrefix, provider.BoundAddress(), "quotes-paced-bench", ct, args);
            using var channel = GrpcChannel.ForAddress(quotes.BoundAddress());
            var view = quotes.Services.GetRequiredService<PriceView>();
            var catalog = provider.Catalog();
            var source = provider.Source();
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);

            using var watch = new PriceChanges.PriceChangesClient(channel).WatchPriceChanges(
                new WatchPriceChangesRequest { Filter = new PriceChangeFilter { Provider = Provider } }, cancellationToken: stop.Token);
            using var watchQuote = new TrainingQuotes.TrainingQuotesClient(channel).WatchQuote(QuoteBenchmarkServer.TypicalRequest(), cancellationToken: stop.Token);
            await watch.ResponseHeadersAsync;

            // Only the times and the version of each notice: keeping the notices themselves (a thousand message graphs a
            // version, all surviving into older GC generations) made this process's collections the run's, not Quotes'.
            var notices = new List<(long At, long Version, long Observed)>();
            var quoteArrivals = new List<(long At, long Version)>();
            var expected = (long)offers * versions;
            // Read from the start, warm-up included: the measured versions must not wait behind a warm-up backlog still in
            // the stream. Until the warm-up ends nothing counts (every version is at most long.MaxValue).
            var warmVersion = long.MaxValue;
            var lastSeenVersion = 0L;
            var noticeReader = Task.Run(async () =>
            {
                try
                {
                    // A running count, not a scan of the list per message: the reader shares the cores with what it measures.
                    var counted = 0L;
                    while (counted < expected && await watch.ResponseStream.MoveNext(stop.Token))
                    {
                        var notice = watch.ResponseStream.Current;
                        notices.Add((DateTime.UtcNow.Ticks, notice.Change.CatalogVersion, Observed(notice)));
                        Volatile.Write(ref lastSeenVersion, notice.Change.CatalogVersion);
                        if (notice.Change.CatalogVersion > Volatile.Read(ref warmVersion))
                        {
                            counted++;
                        }
                    }
                }
                catch (RpcException ex) when (ex.StatusCode == StatusCode.Cancelled)
                {
                }
            }, ct);

            // Warm-up: the first version (additions) and 10 more, unmeasured, then until the watcher has all of them (the
            // view, the history and the stream idle again), and one interval more: each measured version meets a quiet system.
            for (var i = 0; i < warmup; i++)
            {
                source.Bump();
                Check(await catalog.ScrapeOnceAsync(ct));
            }

            var warmedTo = catalog.Current.Version;
            while (view.VersionOf(Provider) < warmedTo || Volatile.Read(ref lastSeenVersion) < warmedTo)
            {
                await Task.Delay(10, ct);
            }

            await Task.Delay(interval, ct);
            Volatile.Write(ref warmVersion, warmedTo);

            var quoteReader = Task.Run(async () =>
            {
                try
                {
                    while (await watchQuote.ResponseStream.MoveNext(stop.Token))
                    {
                        var version = watchQuote.ResponseStream.Current.CatalogVersions.Single(c => c.Provider == Provider).Version;
                        quoteArrivals.Add((DateTime.UtcNow.Ticks, version));
                    }
                }
                catch (RpcException ex) when (ex.StatusCode == StatusCode.Cancelled)
                {
                }
            }, ct);

            // The schedule is absolute (version i at start + i × interval), so a slow publish does not stretch it.
            using var allocations = AllocationSampler.StartIfAsked();
            allocations?.Restart();
            var started = Stopwatch.StartNew();
            // Collections (gen 0, 1, 2) and GC pause from each version's start to the next's: does a slow version meet a collection?
            var gcAtStart = new List<(int Gen0, int Gen1, int Gen2, TimeSpan Paused, long Promoted, long Heap, long Allocated)>(versions + 1);
            for (var i = 0; i < versions; i++)
            {
                var due = interval * i;
                if (due > started.Elapsed)
                {
                    await Task.Delay(due - started.Elapsed, ct);
                }

                gcAtStart.Add(GcNow());
                source.Bump();
                Check(await catalog.ScrapeOnceAsync(ct));
            }

            gcAtStart.Add(GcNow());
            var publishing = started.Elapsed;
            stop.CancelAfter(TimeSpan.FromSeconds(60));
            await noticeReader;
            await Task.Delay(500, ct);
            await stop.CancelAsync();
            await quoteReader;

            var measured = notices.Where(n => n.Version > warmVersion).ToList();
            if (measured.Count < expected)
            {
                throw new TimeoutException($"Only {measured.Count} of {expected} changes reached the watcher within 60 s.");
            }

            var perChange = measured.Select(n => Ms(n.At - n.Observed)).ToArray();
            var observedByVersion = measured.GroupBy(n => n.Version).ToDictionary(g => g.Key, g => g.First().Observed);
            var lastNoticeByVersion = measured.GroupBy(n => n.Version).ToDictionary(g => g.Key, g => g.Max(n => n.At));
            var perVersionLast = observedByVersion.Select(v => Ms(lastNoticeByVersion[v.Key] - v.Value)).ToArray();
            // Where a version's time goes: before its first change reaches the watcher (publish, broker, consume, view)
            // or between its first and last (the fan-out to the stream).
            var firstNoticeByVersion = measured.GroupBy(n => n.Version).ToDictionary(g => g.Key, g => g.Min(n => n.At));
            var perVersionFirst = observedByVersion.Select(v => Ms(firstNoticeByVersion[v.Key] - v.Value)).ToArray();
            var perVersionQuote = observedByVersion
                .Select(v => quoteArrivals.Where(q => q.Version >= v.Key).Select(q => (long?)q.At).FirstOrDefault() is { } at ? Ms(at - v.Value) : double.NaN)
                .Where(x => !double.IsNaN(x)).ToArray();

            Console.WriteLine(Invariant($"propagation-paced: {Environment.ProcessorCount} cores; {versions} versions of {offers} changes, one every {interval.TotalMilliseconds:F0} ms ({offers * 1000 / interval.TotalMilliseconds:F0} changes/s offered, {expected / publishing.TotalSeconds:F0} achieved); load average {loadBefore} before, {LoadAverage()} after"));
            Console.WriteLine();
            Console.WriteLine("| measured | n | p50 ms | p95 ms | p99 ms | max ms |");
            Console.WriteLine("|---|---:|---:|---:|---:|---:|");
            Row("per change: diff (`ObservedAt`) -> WatchPriceChanges client", perChange);
            Row("per version: diff -> first change of the version at the watcher", perVersionFirst);
            Row("per version: diff -> last change of the version at the watcher", perVersionLast);
            if (Environment.GetEnvironmentVariable("PRICING_BENCH_PER_VERSION") is { Length: > 0 })
            {
                foreach (var (v, i) in observedByVersion.Keys.Order().Select((v, i) => (v, i)))
                {
                    var (from, to) = (gcAtStart[i], gcAtStart[i + 1]);
                    Console.WriteLine(Invariant($"  version {v}: first {Ms(firstNoticeByVersion[v] - observedByVersion[v]):F1} ms, last {Ms(lastNoticeByVersion[v] - observedByVersion[v]):F1} ms; until the next version GCs {to.Gen0 - from.Gen0}/{to.Gen1 - from.Gen1}/{to.Gen2 - from.Gen2} (gen 0/1/2), paused {(to.Paused - from.Paused).TotalMilliseconds:F1} ms; last ephemeral GC promoted {to.Promoted / 1e6:F1} MB, heap {to.Heap / 1e6:F0} MB; allocated {(to.Allocated - from.Allocated) / 1e6:F1} MB"));
                }
            }

            if (allocations is not null)
            {
                Console.WriteLine("  allocations by type (sampled, measured versions and the rest of the run):");
                foreach (var line in allocations.Top(25))
                {
                    Console.WriteLine("    " + line);
                }
            }

            Row("per version: diff -> WatchQuote client notified (that version or later)", perVersionQuote);
            Console.WriteLine();
            var p99 = Percentile(perChange, 0.99);
            var (target, inclusive) = offers == 1 ? (LoneChangeTargetP99Ms, true) : (TargetP99Ms, false);
            var met = inclusive ? p99 <= target : p99 < target;
            var name = Invariant($"{versions:N0} x {offers} every {interval.TotalMilliseconds:F0} ms: p99 diff -> watcher {(inclusive ? "<=" : "<")} {target} ms");
            Console.WriteLine(Invariant($"target {name}: {(met ? "MET" : "NOT MET")} ({p99:F1} ms)"));
            PropagationTargets.Record(name, met, Invariant($"{p99:F1} ms (p50 {Percentile(perChange, 0.5):F1} ms), load {LoadAverage()}"));
            return 0;
        }
        finally
        {
            if (quotes is not null)
            {
                await quotes.StopAsync(CancellationToken.None);
                await quotes.DisposeAsync();
            }

            await provider.StopAsync(CancellationToken.None);
            await provider.DisposeAsync();
            await Pricing.Testing.RedisKeys.DeleteUnderPrefixAsync(redis, keyPrefix, "propagation");
        }
    }

    private static void Check(ScrapeOutcome outcome)
    {
        if (outcome.Kind != ScrapeResultKind.Published)
        {
            throw new InvalidOperationException($"The synthetic scrape was not published: {outcome.Kind} {outcome.Error}");
        }
    }

    private static void Row(string what, double[] samples) => Console.WriteLine(PropagationMeasures.Row(what, samples));

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
