using System.Diagnostics;
using Cluster.Tests.Servers;
using Pricing.Contracts.V1;
using Pricing.Testing;

namespace Cluster.Tests.Load;

/// <summary>
/// The load every fault test runs under, and the bookkeeping that says whether anything was lost: two live watchers
/// homed on each Quotes replica, a steady stream of quote calls over all replicas, and versions published by moving
/// every fake price and scraping all three providers at once. What each provider's catalog changed between versions
/// (read from the providers themselves) is what every watcher must get once and the history must hold once.
/// </summary>
public sealed class FaultRun : IAsyncDisposable
{
    public const int WatchersPerReplica = 2;

    private readonly PricingSystem _system;
    private readonly Dictionary<string, CatalogState> _before;
    private readonly Dictionary<string, CatalogState> _latest;
    private readonly HashSet<string> _expected = new(StringComparer.Ordinal);
    private readonly List<PriceWatcher> _watchers;
    private readonly QuoteLoad _quotes;
    private readonly string _readToken;
    private readonly string _adminToken;
    private readonly Dictionary<string, int> _changesByProvider = new(StringComparer.Ordinal);
    private int _moves;

    private FaultRun(PricingSystem system, Dictionary<string, CatalogState> before, Stopwatch clock)
    {
        _system = system;
        _before = before;
        _latest = new Dictionary<string, CatalogState>(before);
        Clock = clock;
        _readToken = system.Tokens.Mint(TestTokenIssuer.ReadScope, "cluster-load");
        _adminToken = system.Tokens.Mint(TestTokenIssuer.AdminScope, "cluster-operator");
        var addresses = system.Quotes.Select(q => q.Address).ToList();
        _watchers = [.. system.Quotes.SelectMany((q, i) => Enumerable.Range(1, WatchersPerReplica).Select(w =>
            new PriceWatcher($"{q.Name}/watcher-{w}", QuotesChannels.PickFirst(addresses.Skip(i).Concat(addresses.Take(i)), _readToken), clock)))];
        _quotes = new QuoteLoad(QuotesChannels.RoundRobin(addresses, _readToken));
    }

    public Stopwatch Clock { get; }

    /// <summary>When the load was running and every watcher subscribed: quote calls from here on are the baseline.</summary>
    public TimeSpan Ready { get; private set; }

    /// <summary>Quote calls from <see cref="Ready"/> to <paramref name="faultAt"/>: how the system answered before the fault.</summary>
    public IReadOnlyList<QuoteCall> QuotesBefore(TimeSpan faultAt) => _quotes.Between(Ready, faultAt);

    public IReadOnlyList<PriceWatcher> Watchers => _watchers;

    public QuoteLoad Quotes => _quotes;

    public int ExpectedChanges => _expected.Count;

    /// <summary>The changes published per provider, e.g. "aws 846, gcp 157, azure 222".</summary>
    public string ChangesByProvider
    {
        get
        {
            lock (_changesByProvider)
            {
                return string.Join(", ", _changesByProvider.Select(p => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{p.Key} {p.Value:N0}")));
            }
        }
    }

    public int ReceivedByAnyWatcher => _watchers.Max(w => w.Count);

    /// <summary>Every watcher subscribed and the quote stream running: the system under load, before the fault.</summary>
    public static async Task<FaultRun> StartAsync(PricingSystem system, CancellationToken ct)
    {
        var before = new Dictionary<string, CatalogState>();
        foreach (var (name, service) in system.Providers)
        {
            before[name] = await ProviderCatalogs.ReadAsync(name, service, system.Tokens.Mint(TestTokenIssuer.ReadScope, "cluster-check"), ct);
        }

        var run = new FaultRun(system, before, Stopwatch.StartNew());
        foreach (var watcher in run._watchers)
        {
            await watcher.WaitConnectedAsync(ct);
        }

        await Task.Delay(TimeSpan.FromSeconds(1), ct);
        run.Ready = run.Clock.Elapsed;
        await Task.Delay(TimeSpan.FromSeconds(2), ct);
        return run;
    }

    /// <summary>
    /// Moves every price and scrapes the three providers at once: a version of each in flight together. The returned
    /// task completes when every provider has reported its scrape (published, its changes confirmed by the broker).
    /// </summary>
    public Task<IReadOnlyList<ScrapeReport>> PublishVersionAsync(CancellationToken ct)
    {
        PriceMoves.MoveAll(_system.FakeAws, _system.FakeGcp, _system.FakeAzure, 1.01m + 0.01m * Interlocked.Increment(ref _moves));
        return Task.Run<IReadOnlyList<ScrapeReport>>(async () =>
        {
            var reports = await Task.WhenAll(_system.Providers.Values.Select(p => ProviderCatalogs.ScrapeAsync(p, _adminToken, ct)));
            foreach (var report in reports)
            {
                Assert.True(report.Result == "Published", $"{report.Provider}: {report.Result} {report.Error}");
            }

            // What each version changed, from the providers' own catalogs.
            foreach (var (name, service) in _system.Providers)
            {
                var now = await ProviderCatalogs.ReadAsync(name, service, _readToken, ct);
                var changes = now.ChangesSince(_latest[name]).ToList();
                Assert.Equal(reports.Single(r => r.Provider == name).Changes, changes.Count);
                lock (_expected)
                {
                    _expected.UnionWith(changes);
                }

                lock (_changesByProvider)
                {
                    _changesByProvider[name] = _changesByProvider.GetValueOrDefault(name) + changes.Count;
                }

                _latest[name] = now;
            }

            return reports;
        }, ct);
    }

    /// <summary>
    /// Waits until one of <paramref name="watchers"/> (any, when null) has been told at least <paramref name="changes"/>
    /// changes (or the timeout passes): mid-burst.
    /// </summary>
    public async Task WaitForFirstChangesAsync(int changes, TimeSpan timeout, CancellationToken ct, IEnumerable<PriceWatcher>? watchers = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        var watched = (watchers ?? _watchers).ToList();
        while (watched.Max(w => w.Count) < changes && DateTime.UtcNow < deadline)
        {
            await Task.Delay(5, ct);
        }
    }

    /// <summary>
    /// Waits until each watcher has connected again since the fault (more connections than <paramref name="atFault"/>
    /// counted); fails naming those that did not.
    /// </summary>
    public static async Task WaitReconnectedAsync(IReadOnlyDictionary<PriceWatcher, int> atFault, TimeSpan timeout, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (atFault.Any(w => w.Key.Connections <= w.Value))
        {
            Assert.True(DateTime.UtcNow < deadline,
                $"never reconnected within {timeout.TotalSeconds:0} s: {string.Join(", ", atFault.Where(w => w.Key.Connections <= w.Value).Select(w => $"{w.Key.Name} ({w.Key.Drops} drops)"))}");
            await Task.Delay(50, ct);
        }
    }

    /// <summary>
    /// Waits until every watcher has every expected change and every running replica's view holds every provider's
    /// latest version; the time that took from <paramref name="since"/>. Fails with what is missing where.
    /// </summary>
    public async Task<TimeSpan> WaitDeliveredAsync(TimeSpan since, CancellationToken ct, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromMinutes(3));
        var nextProgress = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (true)
        {
            var missing = _watchers.Select(w => (w.Name, Missing: _expected.Except(w.Received.Select(r => r.Identity)).Count())).Where(w => w.Missing > 0).ToList();
            var behind = await ViewsBehindAsync(ct);
            if (missing.Count == 0 && behind.Count == 0)
            {
                return Clock.Elapsed - since;
            }

            if (DateTime.UtcNow > nextProgress)
            {
                // A slow recovery says where it stands (the test's log), so a long one can be explained.
                nextProgress = DateTime.UtcNow + TimeSpan.FromSeconds(15);
                File.AppendAllText(Path.Combine(_system.Root, "progress.log"), $"{DateTime.UtcNow:O} {(Clock.Elapsed - since).TotalSeconds:0} s after the fault: "
                    + $"watchers missing changes: {string.Join(", ", missing.Select(m => $"{m.Name} {m.Missing}"))}; views behind: {string.Join("; ", behind)}{Environment.NewLine}");
            }

            Assert.True(DateTime.UtcNow < deadline,
                $"not delivered after {(timeout ?? TimeSpan.FromMinutes(3)).TotalSeconds} s: watchers missing changes: {string.Join(", ", missing.Select(m => $"{m.Name} {m.Missing}"))}; views behind: {string.Join("; ", behind)}");
            await Task.Delay(100, ct);
        }
    }

    /// <summary>The replicas whose view does not hold every provider's latest version (with its offer count), described.</summary>
    public async Task<List<string>> ViewsBehindAsync(CancellationToken ct)
    {
        var behind = new List<string>();
        foreach (var replica in _system.Quotes.Where(q => q.IsRunning))
        {
            try
            {
                using var channel = TestTokenIssuer.Channel(replica.Address, _readToken);
                var status = await new PriceChanges.PriceChangesClient(channel).GetViewStatusAsync(new GetViewStatusRequest(), deadline: DateTime.UtcNow.AddSeconds(5), cancellationToken: ct);
                foreach (var latest in _latest.Values)
                {
                    var held = status.Providers.SingleOrDefault(p => p.Provider == latest.Provider);
                    if (held is null || held.Version != latest.Version || held.Offers != latest.Prices.Count)
                    {
                        behind.Add($"{replica.Name} {latest.Provider} v{held?.Version}/{held?.Offers} of v{latest.Version}/{latest.Prices.Count}");
                    }
                }
            }
            catch (Grpc.Core.RpcException ex)
            {
                behind.Add($"{replica.Name}: {ex.StatusCode}");
            }
        }

        return behind;
    }

    /// <summary>
    /// The history as a resuming client reads it from <paramref name="replica"/>: WatchPriceChanges with resume_after
    /// each provider's version before the run, read until every expected change (and a quiet second for extras).
    /// </summary>
    public async Task<Tally> ReplayHistoryAsync(ServiceProcess replica, CancellationToken ct)
    {
        using var channel = TestTokenIssuer.Channel(replica.Address, _readToken);
        var request = new WatchPriceChangesRequest();
        foreach (var (provider, state) in _before)
        {
            request.ResumeAfter[provider] = state.Version;
        }

        using var call = new PriceChanges.PriceChangesClient(channel).WatchPriceChanges(request, cancellationToken: ct);
        var replayed = new List<string>();
        using var overall = CancellationTokenSource.CreateLinkedTokenSource(ct);
        overall.CancelAfter(TimeSpan.FromSeconds(20));
        try
        {
            // The replay comes at once; a quiet second after the last change (or the first one not replayed) ends it.
            while (true)
            {
                using var quiet = CancellationTokenSource.CreateLinkedTokenSource(overall.Token);
                quiet.CancelAfter(TimeSpan.FromSeconds(1));
                if (!await call.ResponseStream.MoveNext(quiet.Token))
                {
                    break;
                }

                var change = call.ResponseStream.Current.Change;
                replayed.Add(PriceWatcher.Identity(change.Provider, change.CatalogVersion, change.OfferKey));
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException || ex is Grpc.Core.RpcException { StatusCode: Grpc.Core.StatusCode.Cancelled })
        {
        }

        return Tally.Of(_expected, replayed);
    }

    /// <summary>
    /// <see cref="ReplayHistoryAsync"/> until it holds every expected change (the history may still be catching up, or
    /// Redis failing over: UNAVAILABLE) or <paramref name="timeout"/> passes; the last tally and when it was complete.
    /// </summary>
    public async Task<(Tally Tally, TimeSpan At)> ReplayUntilCompleteAsync(ServiceProcess replica, CancellationToken ct, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(90));
        Tally? last = null;
        while (true)
        {
            try
            {
                last = await ReplayHistoryAsync(replica, ct);
                if (last.Lost == 0 || DateTime.UtcNow > deadline)
                {
                    return (last, Clock.Elapsed);
                }
            }
            catch (Grpc.Core.RpcException ex) when (ex.StatusCode == Grpc.Core.StatusCode.Unavailable && DateTime.UtcNow < deadline)
            {
            }

            if (DateTime.UtcNow > deadline)
            {
                return (last ?? new Tally(_expected.Count, _expected.Count, 0, 0), Clock.Elapsed);
            }

            await Task.Delay(500, ct);
        }
    }

    /// <summary>Each watcher's tally against the expected changes.</summary>
    public IReadOnlyList<(PriceWatcher Watcher, Tally Tally)> WatcherTallies() =>
        [.. _watchers.Select(w => (w, Tally.Of(_expected, w.Received.Select(r => r.Identity))))];

    public async ValueTask DisposeAsync()
    {
        await _quotes.DisposeAsync();
        foreach (var watcher in _watchers)
        {
            await watcher.DisposeAsync();
        }
    }
}
