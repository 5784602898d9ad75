using System.Globalization;
using System.Text;
using Grpc.Core;
using Grpc.Net.Client;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Pricing.Catalog;
using Pricing.Contracts.Events;
using Pricing.Contracts.V1;
using Pricing.FakeProviders;
using Pricing.Quoting;
using Pricing.ServiceDefaults;
using Pricing.Sources;
using Quotes.Extensions;

using static Pricing.Benchmarks.PropagationMeasures;

namespace Pricing.Benchmarks;

/// <summary>
/// End-to-end price-change propagation on a real RabbitMQ (a fresh vhost) and Redis (a fresh key prefix): a synthetic
/// provider host moves every price and publishes one version per scrape (one <see cref="CatalogVersionChanges"/> for
/// Quotes, then, for topic subscribers, one <see cref="AcceleratorPriceChanged"/> per offer and <see cref="CatalogPublished"/>,
/// with publisher confirms); a Quotes host consumes the version; a
/// <c>WatchPriceChanges</c> client and a <c>WatchQuote</c> client on Quotes' gRPC port take the receive times. The three
/// meet only through the broker, Redis and gRPC, but share this process (and its clock, so client receive time minus
/// the event's <c>ObservedAt</c> is a latency). One warm-up version (<c>--warmup-versions N</c>: N), then <c>--versions</c> back to back.
/// Targets (issues 15 and 25): p99 diff → watcher &lt; 50 ms for a 1,000-change version, and ≥ 10,000 changes/s sustained end to
/// end; the run prints each as MET or NOT MET with its figure. It also prints the CPU each change cost this process (provider,
/// Quotes and the clients), the broker and Redis, which the scale model in docs/benchmarks.md is built from; with
/// <c>--watchers N</c> the same version goes to N watchers (the first one timed), and with <c>--replicas N</c> through N
/// Quotes replicas (each its own queue, one shared history queue, all fed by the version messages), so runs that differ in one give the cost per watcher
/// and per replica.
/// </summary>
public sealed class PropagationSuite : IBenchmarkSuite
{
    private const string Provider = "synthetic";
    private const double TargetP99Ms = 50;
    private const double TargetChangesPerSecond = 10_000;

    public string Name => "propagation";

    public string Description => "price-change latency provider diff -> RabbitMQ -> Quotes -> gRPC watchers, real RabbitMQ + Redis (options: --versions N --offers N --watchers N (up to 14) --replicas N --versions-only --masstransit-publisher --csv PATH)";

    public async Task<int> RunAsync(string[] args)
    {
        var versions = QuoteThroughputSuite.Option(args, "--versions", 5);
        var offers = QuoteThroughputSuite.Option(args, "--offers", 1000);
        // At most 14: one caller holds at most 16 streams (issue 12), and the run also holds a WatchQuote stream.
        var watchers = Math.Clamp(QuoteThroughputSuite.Option(args, "--watchers", 1), 1, 14);
        var replicas = Math.Max(1, QuoteThroughputSuite.Option(args, "--replicas", 1));
        var (amqp, management, redis) = PropagationMeasures.Servers();
        var runId = Guid.NewGuid().ToString("N")[..12];
        var keyPrefix = $"pricing-bench-propagation-{runId}:";
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));

        await using var vhost = await PropagationVirtualHost.CreateAsync(amqp, management, $"pricing-bench-propagation-{runId}");
        try
        {
            var run = new PropagationRun(vhost.Uri, redis, keyPrefix, versions, offers, watchers, replicas, args);
            await run.ExecuteAsync(timeout.Token);
            run.Print(args);
            return 0;
        }
        finally
        {
            await Pricing.Testing.RedisKeys.DeleteUnderPrefixAsync(redis, keyPrefix, "propagation");
        }
    }

    /// <summary>One run: the hosts, the measured versions, and every timestamp taken.</summary>
    private sealed class PropagationRun(string rabbitUri, string redis, string keyPrefix, int versions, int offers, int watchers, int replicas, string[] args)
    {
        private readonly PropagationPublishRecorder _recorder = new();
        private readonly PropagationConsumeRecorder _consumed = new();
        private long _gcPauseTicks;
        private int _gcCount;
        private long _jitMethods;
        private long _jitTicks;
        private readonly List<(long At, PriceChangeNotice Notice)> _notices = [];
        private readonly List<(long At, long Version)> _quotes = [];
        private readonly List<(long At, long Version)> _views = [];
        private readonly List<ScrapeOutcome> _outcomes = [];
        private long _warmVersion;
        private readonly long[] _extraWatcherNotices = new long[Math.Max(0, watchers - 1)];
        private readonly List<WebApplication> _otherReplicas = [];
        private long _subscribersDone;
        private CpuTimes _cpuBefore;
        private CpuTimes _cpuAfter;
        private readonly List<(long At, int Threads, long Pending)> _pool = [];
        private string _loadBefore = "";
        private string _loadAfter = "";

        public async Task ExecuteAsync(CancellationToken ct)
        {
            _loadBefore = LoadAverage();
            var provider = await SyntheticProviderHost.StartAsync(new Dictionary<string, string?>
            {
                ["ConnectionStrings:rabbitmq"] = rabbitUri,
                ["Synthetic:Offers"] = offers.ToString(CultureInfo.InvariantCulture),
                // --versions-only: no per-change messages for topic subscribers, to measure the version path alone.
                ["Scrape:PublishChangesForSubscribers"] = args.Contains("--versions-only") ? "false" : "true",
                ["Scrape:VersionPartSize"] = PropagationMeasures.PartSize(args),
                ["Scrape:SubscriberPublishDelay"] = PropagationMeasures.SubscriberPublishDelay(args),
                // --masstransit-publisher: the per-change messages through MassTransit's publish pipeline, as before issue 25's last step.
                ["Scrape:SubscriberPublisher"] = args.Contains("--masstransit-publisher") ? "MassTransit" : "RabbitMQ",
            }, ct);
            WebApplication? quotes = null;
            try
            {
                var bus = provider.Services.GetRequiredService<IBus>();
                using var observer = bus.ConnectPublishObserver(_recorder);
                // What RabbitMQ.Client writes (version parts, per-change messages) is timed alike.
                using var directObserver = (provider.Services.GetService<ISubscriberChangePublisher>() as RabbitSubscriberChangePublisher)?.ConnectObserver(_recorder);
                quotes = await PropagationQuotesHost.StartAsync(rabbitUri, redis, keyPrefix, provider.BoundAddress(), "quotes-propagation-bench", ct, args);
                // More replicas (--replicas N): each has its own queue and shares the history queue, as deployed; only
                // the first is timed, the others add their cost to this process, the broker and Redis.
                for (var i = 1; i < replicas; i++)
                {
                    _otherReplicas.Add(await PropagationQuotesHost.StartAsync(rabbitUri, redis, keyPrefix, provider.BoundAddress(), "quotes-propagation-bench", ct, args));
                }

                using var consumeObserver = quotes.Services.GetRequiredService<IBus>().ConnectConsumeObserver(_consumed);
                // On RabbitMQ the version parts bypass MassTransit (Quotes:VersionPartConsumer): their consumer reports to this.
                using var partObserver = quotes.Services.GetRequiredService<Quotes.Consumers.VersionPartObservers>().Connect(_consumed);
                using var channel = GrpcChannel.ForAddress(quotes.BoundAddress());
                var changes = new PriceChanges.PriceChangesClient(channel);
                var view = quotes.Services.GetRequiredService<PriceView>();
                await MeasureVersionsAsync(provider, changes, new TrainingQuotes.TrainingQuotesClient(channel), view, ct);
                _loadAfter = LoadAverage();
            }
            finally
            {
                foreach (var replica in _otherReplicas.Prepend(quotes).OfType<WebApplication>())
                {
                    await replica.StopAsync(CancellationToken.None);
                    await replica.DisposeAsync();
                }

                await provider.StopAsync(CancellationToken.None);
                await provider.DisposeAsync();
            }
        }

        private async Task MeasureVersionsAsync(WebApplication provider, PriceChanges.PriceChangesClient changes,
            TrainingQuotes.TrainingQuotesClient quoteClient, PriceView view, CancellationToken ct)
        {
            var catalog = provider.Catalog();
            var source = provider.Source();
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);

            // Watchers first, so the warm-up version exercises the gRPC fan-out too (its figures are not counted).
            using var watch = changes.WatchPriceChanges(new WatchPriceChangesRequest { Filter = new PriceChangeFilter { Provider = Provider } }, cancellationToken: stop.Token);
            using var watchQuote = quoteClient.WatchQuote(QuoteBenchmarkServer.TypicalRequest(), cancellationToken: stop.Token);
            // The other watchers (--watchers N): same filter, on the same channel; each only counts what it receives.
            var extra = Enumerable.Range(0, watchers - 1)
                .Select(_ => changes.WatchPriceChanges(new WatchPriceChangesRequest { Filter = new PriceChangeFilter { Provider = Provider } }, cancellationToken: stop.Token))
                .ToList();
            await Task.Delay(500, ct);
            // --warmup-versions N (default 1): the first is the catalog's N offers as additions, the rest are bumps.
            var warmups = Math.Max(1, QuoteThroughputSuite.Option(args, "--warmup-versions", 1));
            var measuredFrom = catalog.Current.Version + 1 + warmups;
            var last = catalog.Current.Version + warmups + versions;
            var expected = (long)offers * versions;
            var noticeReader = Task.Run(() => ReadNoticesAsync(watch.ResponseStream, _notices, n => n.Change.CatalogVersion >= measuredFrom, expected, stop.Token), ct);
            var quoteReader = Task.Run(() => ReadQuotesAsync(watchQuote.ResponseStream, last, stop.Token), ct);
            var viewReader = Task.Run(() => ObserveViewAsync(view, Provider, last, _views, stop.Token), ct);
            var extraReaders = extra.Select((call, i) => Task.Run(() => CountNoticesAsync(call.ResponseStream, i, measuredFrom, expected, stop.Token), ct)).ToList();

            var poolSampler = SamplePoolAsync(stop.Token);
            var warm = await catalog.ScrapeOnceAsync(ct);
            Check(warm, offers);
            for (var i = 1; i < warmups; i++)
            {
                source.Bump();
                warm = await catalog.ScrapeOnceAsync(ct);
                Check(warm, offers);
            }

            _warmVersion = warm.Version;
            await WaitForAsync(() => view.VersionOf(Provider) >= warm.Version, TimeSpan.FromSeconds(60), "the warm-up version", ct);
            await Task.Delay(1000, ct);

            var pauseBefore = GC.GetTotalPauseDuration();
            var gcBefore = GC.CollectionCount(0);
            var jitMethodsBefore = System.Runtime.JitInfo.GetCompiledMethodCount();
            var jitTimeBefore = System.Runtime.JitInfo.GetCompilationTime();
            _cpuBefore = CpuTimes.Sample();
            for (var i = 0; i < versions; i++)
            {
                source.Bump();
                var outcome = await catalog.ScrapeOnceAsync(ct);
                Check(outcome, offers);
                _outcomes.Add(outcome);
            }

            stop.CancelAfter(TimeSpan.FromSeconds(120));
            await Task.WhenAll([noticeReader, quoteReader, viewReader, .. extraReaders]);
            // The per-change messages for topic subscribers may still be going out: their CPU belongs to the run too.
            await catalog.SubscribersPublished.WaitAsync(TimeSpan.FromMinutes(2), ct);
            _subscribersDone = DateTime.UtcNow.Ticks;
            _cpuAfter = CpuTimes.Sample();
            foreach (var call in extra)
            {
                call.Dispose();
            }

            _gcPauseTicks = (GC.GetTotalPauseDuration() - pauseBefore).Ticks;
            _gcCount = GC.CollectionCount(0) - gcBefore;
            _jitMethods = System.Runtime.JitInfo.GetCompiledMethodCount() - jitMethodsBefore;
            _jitTicks = (System.Runtime.JitInfo.GetCompilationTime() - jitTimeBefore).Ticks;
            if (_notices.Count(n => n.Notice.Change.CatalogVersion >= measuredFrom) < expected)
            {
                throw new TimeoutException($"Only {_notices.Count} of {expected} notices arrived within 120 s of the last publish.");
            }

            await stop.CancelAsync();
            await poolSampler;
        }

        /// <summary>Thread-pool threads and queued work items every 5 ms: stalls on a small machine show up here.</summary>
        private async Task SamplePoolAsync(CancellationToken ct)
        {
            using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(5));
            try
            {
                while (await timer.WaitForNextTickAsync(ct))
                {
                    _pool.Add((DateTime.UtcNow.Ticks, ThreadPool.ThreadCount, ThreadPool.PendingWorkItemCount));
                }
            }
            catch (OperationCanceledException)
            {
            }
        }

        private async Task CountNoticesAsync(IAsyncStreamReader<PriceChangeNotice> stream, int watcher, long measuredFrom, long expected, CancellationToken ct)
        {
            try
            {
                while (_extraWatcherNotices[watcher] < expected && await stream.MoveNext(ct))
                {
                    if (stream.Current.Change.CatalogVersion >= measuredFrom)
                    {
                        _extraWatcherNotices[watcher]++;
                    }
                }
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.Cancelled)
            {
            }
            catch (OperationCanceledException)
            {
            }
        }

        private static void Check(ScrapeOutcome outcome, int offers)
        {
            if (outcome.Kind != ScrapeResultKind.Published || outcome.Changes != offers)
            {
                throw new InvalidOperationException($"Scrape gave {outcome}; expected {offers} published changes.");
            }
        }

        private static async Task ReadNoticesAsync(IAsyncStreamReader<PriceChangeNotice> stream, List<(long At, PriceChangeNotice Notice)> into,
            Func<PriceChangeNotice, bool> counted, long expected, CancellationToken ct)
        {
            long count = 0;
            try
            {
                while (count < expected && await stream.MoveNext(ct))
                {
                    var at = DateTime.UtcNow.Ticks;
                    into.Add((at, stream.Current));
                    if (counted(stream.Current))
                    {
                        count++;
                    }
                }
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.Cancelled)
            {
            }
            catch (OperationCanceledException)
            {
            }
        }

        private async Task ReadQuotesAsync(IAsyncStreamReader<TrainingQuote> stream, long lastVersion, CancellationToken ct)
        {
            try
            {
                while (await stream.MoveNext(ct))
                {
                    var at = DateTime.UtcNow.Ticks;
                    var version = stream.Current.CatalogVersions.FirstOrDefault(v => v.Provider == Provider)?.Version ?? 0;
                    _quotes.Add((at, version));
                    if (version >= lastVersion)
                    {
                        return;
                    }
                }
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.Cancelled)
            {
            }
            catch (OperationCanceledException)
            {
            }
        }

        /// <summary>In-process: when the Quotes view first shows each version of <paramref name="provider"/>.</summary>
        private static async Task ObserveViewAsync(PriceView view, string provider, long lastVersion, List<(long At, long Version)> into, CancellationToken ct)
        {
            long seen = 0;
            try
            {
                while (seen < lastVersion)
                {
                    var next = view.NextChange;
                    var version = view.VersionOf(provider);
                    if (version > seen)
                    {
                        into.Add((DateTime.UtcNow.Ticks, version));
                        seen = version;
                        continue;
                    }

                    await next.WaitAsync(ct);
                }
            }
            catch (OperationCanceledException)
            {
            }
        }

        private static async Task WaitForAsync(Func<bool> condition, TimeSpan timeout, string what, CancellationToken ct)
        {
            var deadline = DateTime.UtcNow + timeout;
            while (!condition())
            {
                if (DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException($"Timed out waiting for {what}.");
                }

                await Task.Delay(10, ct);
            }
        }

        public void Print(string[] args)
        {
            var measured = _outcomes.Select(o => o.Version).ToHashSet();
            var notices = _notices.Where(n => measured.Contains(n.Notice.Change.CatalogVersion)).ToList();
            var key = (PriceChangeNotice n) => (n.Change.CatalogVersion, n.Change.OfferKey);

            var diffToClient = notices.Select(n => Ms(n.At - Observed(n.Notice))).ToArray();
            var startToClient = notices.Select(n => Ms(n.At - _recorder.ChangeStarted[key(n.Notice)])).ToArray();
            var diffToStart = notices.Select(n => Ms(_recorder.ChangeStarted[key(n.Notice)] - Observed(n.Notice))).ToArray();
            var startToDelivered = notices.Select(n => Ms(_consumed.Delivered[key(n.Notice)] - _recorder.ChangeStarted[key(n.Notice)])).ToArray();
            var deliveredToRecorded = notices.Select(n => Ms(n.Notice.ReceivedAt.ToDateTimeOffset().UtcTicks - _consumed.Delivered[key(n.Notice)])).ToArray();
            var startToQuotes = notices.Select(n => Ms(n.Notice.ReceivedAt.ToDateTimeOffset().UtcTicks - _recorder.ChangeStarted[key(n.Notice)])).ToArray();
            var quotesToClient = notices.Select(n => Ms(n.At - n.Notice.ReceivedAt.ToDateTimeOffset().UtcTicks)).ToArray();
            var publishEach = notices.Select(n => Ms(_recorder.ChangeConfirmed[key(n.Notice)] - _recorder.ChangeStarted[key(n.Notice)])).ToArray();
            var forSubscribers = notices.Where(n => _recorder.SubscriberChangeConfirmed.ContainsKey(key(n.Notice))).ToList();
            var subscriberEach = forSubscribers.Select(n => Ms(_recorder.SubscriberChangeConfirmed[key(n.Notice)] - _recorder.SubscriberChangeStarted[key(n.Notice)])).ToArray();
            var diffToSubscriberConfirm = forSubscribers.Select(n => Ms(_recorder.SubscriberChangeConfirmed[key(n.Notice)] - Observed(n.Notice))).ToArray();

            // Per version: from its diff (ObservedAt, one stamp for the version) to visibility.
            var observedOf = notices.GroupBy(n => n.Notice.Change.CatalogVersion).ToDictionary(g => g.Key, g => Observed(g.First().Notice));
            var versionRows = _outcomes.Select(o =>
            {
                var v = o.Version;
                var firstStart = _recorder.ChangeStarted.Where(p => p.Key.Version == v && p.Key.OfferKey.StartsWith(Provider + "|", StringComparison.Ordinal)).Min(p => p.Value);
                // Without the subscribers' path (--versions-only) the version's publishing ends with its last part's confirm.
                var lastPart = _recorder.ChangeConfirmed.Where(p => p.Key.Version == v).Max(p => p.Value);
                var publishedStart = _recorder.PublishedStarted.GetValueOrDefault((Provider, v), lastPart);
                var publishedConfirmed = _recorder.PublishedConfirmed.GetValueOrDefault((Provider, v), lastPart);
                var quoteAt = _quotes.Where(q => q.Version >= v).Select(q => q.At).DefaultIfEmpty(long.MaxValue).Min();
                var ownQuote = _quotes.Any(q => q.Version == v);
                var viewAt = _views.Where(q => q.Version >= v).Select(q => q.At).DefaultIfEmpty(long.MaxValue).Min();
                var lastNotice = notices.Where(n => n.Notice.Change.CatalogVersion == v).Max(n => n.At);
                return new VersionRow(v, observedOf[v], firstStart, publishedStart, publishedConfirmed, lastNotice, viewAt, quoteAt, ownQuote);
            }).ToList();

            var changeCount = notices.Count;
            var firstPublish = versionRows.Min(r => r.FirstStart);
            var lastConfirm = versionRows.Max(r => r.PublishedConfirmed);
            var lastNoticeAt = notices.Max(n => n.At);
            var publishRate = changeCount / Seconds(lastConfirm - firstPublish);
            var sustained = changeCount / Seconds(lastNoticeAt - firstPublish);

            var output = new StringBuilder();
            void Line(string text = "") => output.AppendLine(text);
            Line();
            Line(Invariant($"## propagation: {versions} versions x {offers:N0} offers = {changeCount:N0} changes measured (versions {_warmVersion + 1}-{_warmVersion + versions}, after warm-up version {_warmVersion}; the first warm-up version {offers:N0} additions){(args.Contains("--versions-only") ? "; --versions-only: no per-change messages for topic subscribers" : "")}"));
            Line();
            Line(Invariant($"Runtime {Environment.Version}, {Environment.ProcessorCount} cores, {(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")} GC; provider host, Quotes host and both gRPC clients in one process (one clock);"));
            Line(Invariant($"RabbitMQ and Redis on loopback; the versions are published back to back (one scrape after the other); {watchers} WatchPriceChanges client(s) on one channel (the first timed); {replicas} Quotes replica(s) in this process (the first watched)."));
            Line($"Load average (1/5/15 min) before the run {_loadBefore}, after {_loadAfter}.");
            Line();
            Line("| per change (n) | n | p50 ms | p95 ms | p99 ms | max ms |");
            Line("|---|---:|---:|---:|---:|---:|");
            Row(output, "(a) diff (`ObservedAt`) -> WatchPriceChanges client", diffToClient);
            Row(output, "(a') own publish start -> WatchPriceChanges client", startToClient);
            Row(output, "  diff -> its version part's publish start (serialization, parts before it)", diffToStart);
            Row(output, "  part publish start -> Quotes passed it to watchers (broker, consumer)", startToQuotes);
            Row(output, "    part publish start -> delivered to Quotes' consumer (broker, read the part)", startToDelivered);
            Row(output, "    delivered -> passed to watchers (gate, fan-out; a shared history is written behind)", deliveredToRecorded);
            Row(output, "  Quotes passed it on -> WatchPriceChanges client (gRPC)", quotesToClient);
            Row(output, "  its version part, publish start -> confirm", publishEach);
            Row(output, "  for topic subscribers: its own message, publish start -> confirm (Scrape:PublishWindow in flight)", subscriberEach);
            Row(output, "  for topic subscribers: diff -> its own message confirmed", diffToSubscriberConfirm);
            Line();
            Line("| per version | n | p50 ms | p95 ms | p99 ms | max ms |");
            Line("|---|---:|---:|---:|---:|---:|");
            Row(output, "(b) diff -> version visible in the Quotes view (in-process)", versionRows.Select(r => Ms(r.ViewAt - r.ObservedAt)).ToArray());
            Row(output, "(b) diff -> WatchQuote client notified (that version or later)", versionRows.Select(r => Ms(r.QuoteAt - r.ObservedAt)).ToArray());
            Row(output, "  diff -> last WatchPriceChanges notice of the version", versionRows.Select(r => Ms(r.LastNotice - r.ObservedAt)).ToArray());
            Row(output, "  diff -> CatalogPublished confirmed (the version's publishing for topic subscribers done)", versionRows.Select(r => Ms(r.PublishedConfirmed - r.ObservedAt)).ToArray());
            Row(output, "  CatalogPublished publish start -> WatchQuote client notified", versionRows.Select(r => Ms(r.QuoteAt - r.PublishedStart)).ToArray());
            Line();
            Line("| throughput | changes/s |");
            Line("|---|---:|");
            Line(Invariant($"| publish alone: provider's publishing with confirms, both paths (first publish start -> last CatalogPublished confirm) | {publishRate:N0} |"));
            Line(Invariant($"| sustained end to end: changes / (first publish start -> last WatchPriceChanges notice) | {sustained:N0} |"));
            Line();
            Line("Per version:");
            Line();
            Line("| version | publish ms (first start -> CatalogPublished confirm) | diff -> view visible ms | diff -> WatchQuote ms | own WatchQuote notice |");
            Line("|---:|---:|---:|---:|---|");
            foreach (var r in versionRows)
            {
                Line(Invariant($"| {r.Version} | {Ms(r.PublishedConfirmed - r.FirstStart):F1} | {Ms(r.ViewAt - r.ObservedAt):F1} | {Ms(r.QuoteAt - r.ObservedAt):F1} | {(r.OwnQuote ? "yes" : "no (coalesced)")} |"));
            }

            var window = _pool.Where(p => p.At >= firstPublish && p.At <= lastNoticeAt).ToList();
            if (window.Count > 0)
            {
                Line();
                Line(Invariant($"GC during the measured versions (whole process): {_gcCount} collections, {Ms(_gcPauseTicks):F0} ms paused in total."));
                Line(Invariant($"JIT during the measured versions (whole process, tier-up included): {_jitMethods:N0} methods compiled in {Ms(_jitTicks):F0} ms."));
                Line(Invariant($"Thread pool during the measured versions (sampled every 5 ms): threads {window.Min(p => p.Threads)}-{window.Max(p => p.Threads)}, queued work items p50 {Percentile(window.Select(p => (double)p.Pending).ToArray(), 0.5):F0}, max {window.Max(p => p.Pending)}."));
            }

            if (CsvPath(args) is { } csv)
            {
                using var file = new StreamWriter(csv);
                file.WriteLine("version,offer_key,observed_ticks,publish_start_ticks,publish_confirm_ticks,delivered_ticks,quotes_recorded_ticks,consumed_ticks,client_ticks");
                foreach (var n in notices)
                {
                    var k = key(n.Notice);
                    file.WriteLine(Invariant($"{k.CatalogVersion},{k.OfferKey},{Observed(n.Notice)},{_recorder.ChangeStarted[k]},{_recorder.ChangeConfirmed[k]},{_consumed.Delivered[k]},{n.Notice.ReceivedAt.ToDateTimeOffset().UtcTicks},{_consumed.Consumed.GetValueOrDefault(k)},{n.At}"));
                }

                Line(Invariant($"Per-change timestamps (UTC ticks) written to {csv}."));
            }

            // CPU over the measured versions: what each change cost here, at the broker and at Redis (the scale model's inputs).
            var cpu = _cpuAfter - _cpuBefore;
            Line();
            Line("| CPU over the measured versions | CPU ms | per change µs | cores busy (of the wall time) |");
            Line("|---|---:|---:|---:|");
            // Until both the watcher and the subscribers' path are done: the CPU was sampled then.
            var wall = Seconds(Math.Max(lastNoticeAt, _subscribersDone) - firstPublish);
            void CpuRow(string what, TimeSpan used) =>
                Line(Invariant($"| {what} | {used.TotalMilliseconds:F0} | {used.TotalMicroseconds / changeCount:F0} | {used.TotalSeconds / wall:F2} |"));
            CpuRow("this process: provider + Quotes + gRPC clients", cpu.Process);
            CpuRow("RabbitMQ (beam.smp; shared with whatever else uses the broker)", cpu.Broker);
            CpuRow("Redis (redis-server; shared likewise)", cpu.Redis);
            Line(Invariant($"Scale-model inputs (docs/benchmarks.md): watchers={watchers} replicas={replicas} process_us_per_change={cpu.Process.TotalMicroseconds / changeCount:F0} broker_us_per_change={cpu.Broker.TotalMicroseconds / changeCount:F0} redis_us_per_change={cpu.Redis.TotalMicroseconds / changeCount:F0}"));
            if (watchers > 1)
            {
                Line(Invariant($"Other watchers' notices: {string.Join(", ", _extraWatcherNotices.Select(n => n.ToString(CultureInfo.InvariantCulture)))} of {changeCount} each."));
            }

            var p99 = Percentile(diffToClient, 0.99);
            var ownP99 = Percentile(startToClient, 0.99);
            Line();
            Line(Invariant($"Burst of {versions} x {offers:N0}-change versions back to back: p99 diff -> watcher {p99:F1} ms, {(p99 < TargetP99Ms ? "under" : "over")} {TargetP99Ms:F0} ms (the drain time of the burst; a lone version's target is propagation-paced's). Per change from its own publish start: p99 {ownP99:F1} ms."));
            Line(Invariant($"Target sustained end to end >= {TargetChangesPerSecond:N0} changes/s: {(sustained >= TargetChangesPerSecond ? "MET" : "NOT MET")} ({sustained:N0} changes/s; publishing alone {publishRate:N0})."));
            var load = Invariant($"load {_loadBefore} before, {_loadAfter} after{(args.Contains("--versions-only") ? "; --versions-only" : "")}");
            var what = args.Contains("--versions-only") ? "(versions only, no per-change messages) " : "";
            // Back to back, a version's p99 is the time to drain the burst before it (versions × offers / throughput): a
            // figure of the throughput target, shown beside it. A lone 1,000-change version is propagation-paced's.
            PropagationTargets.Record(Invariant($"({what}{versions} x {offers:N0}-change versions back to back: p99 diff -> watcher)"), p99 < TargetP99Ms, Invariant($"{p99:F1} ms (p50 {Percentile(diffToClient, 0.5):F1} ms), {load}"));
            PropagationTargets.Record(Invariant($"{what}sustained end to end >= {TargetChangesPerSecond:N0} changes/s"), sustained >= TargetChangesPerSecond,
                Invariant($"{sustained:N0} changes/s; process {cpu.Process.TotalMicroseconds / changeCount:F0} µs, RabbitMQ {cpu.Broker.TotalMicroseconds / changeCount:F0} µs, Redis {cpu.Redis.TotalMicroseconds / changeCount:F0} µs of CPU per change, {load}"));
            Line();
            Line("Command:");
            Line();
            Line("```bash");
            Line($"PRICING_TEST_RABBITMQ={Servers().Amqp} PRICING_TEST_REDIS={redis} \\");
            Line($"  dotnet run -c Release --project tests/Benchmarks -- propagation{(args.Length > 0 ? " " + string.Join(' ', args) : "")}");
            Line("```");
            Console.Write(output.ToString());
        }

        private static string? CsvPath(string[] args) =>
            Array.IndexOf(args, "--csv") is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;

        private static double Seconds(long ticks) => ticks / (double)TimeSpan.TicksPerSecond;

        private static void Row(StringBuilder output, string what, double[] samples) => output.AppendLine(PropagationMeasures.Row(what, samples));

        private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

        private sealed record VersionRow(long Version, long ObservedAt, long FirstStart, long PublishedStart, long PublishedConfirmed, long LastNotice, long ViewAt, long QuoteAt, bool OwnQuote);
    }
}
