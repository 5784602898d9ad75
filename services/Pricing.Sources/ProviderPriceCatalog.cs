using MassTransit;
using Microsoft.Extensions.Logging;
using Pricing.Catalog;
using Pricing.Contracts.Events;
using Pricing.ServiceDefaults;

namespace Pricing.Sources;

public enum ScrapeResultKind
{
    Published,
    Failed,
    RejectedAsPartial,
}

public sealed record ScrapeOutcome(ScrapeResultKind Kind, long Version, int Offers, int Changes, int Quarantined, string? Error)
{
    /// <summary>The regions this scrape read and merged into the last good catalog; null for a whole scrape.</summary>
    public IReadOnlyList<string>? Regions { get; init; }
}

/// <summary>What a status request shows about one provider.</summary>
public sealed record ProviderStatus(
    string Provider,
    string Source,
    CatalogSnapshot Snapshot,
    DateTimeOffset? LastAttempt,
    bool LastAttemptSucceeded,
    string? LastError,
    bool Stale);

/// <summary>
/// One provider's versioned catalog and its scrape cycle: read the source, validate, guard against partial
/// reads, commit the next version, then publish it as <see cref="CatalogVersionChanges"/> (one message, or a few parts:
/// what Quotes consumes), and for topic subscribers one <see cref="AcceleratorPriceChanged"/> per changed offer followed
/// by <see cref="CatalogPublished"/>. A failed or partial scrape publishes nothing and removes nothing.
/// </summary>
public sealed class ProviderPriceCatalog(
    IPriceSource source,
    OfferValidator validator,
    IPublishEndpoint publisher,
    ScrapeOptions options,
    TimeProvider time,
    ILogger<ProviderPriceCatalog> logger,
    ScrapeState? state = null,
    CancellationToken stopping = default)
{
    private readonly SemaphoreSlim _scrapeGate = new(1, 1);
    private readonly VersionedCatalog _catalog = new(source.Provider, options.ResolveFirstVersion(time));
    private readonly Lock _statusLock = new();
    // The last good catalog of an earlier process: what the guard holds this process's first scrape to.
    private readonly LastGoodCatalog? _previousProcess = state?.Load(source.Provider);
    private DateTimeOffset? _lastAttempt;
    private bool _lastAttemptSucceeded;
    private string? _lastError;
    // Versions still being published to topic subscribers, oldest first (see PublishForSubscribersAsync).
    private readonly List<Task> _subscriberBacklog = [];
    private Task<ScrapeOutcome>? _onDemand;
    private DateTimeOffset? _onDemandStartedAt;

    public string Provider => source.Provider;

    /// <summary>The last committed version. Safe to read from any thread (snapshots are immutable).</summary>
    public CatalogSnapshot Current => _catalog.Current;

    public ProviderStatus Status()
    {
        lock (_statusLock)
        {
            var current = Current;
            var stale = current.Version == 0 || (_lastAttempt is not null && !_lastAttemptSucceeded);
            return new ProviderStatus(Provider, source.Description, current, _lastAttempt, _lastAttemptSucceeded, _lastError, stale);
        }
    }

    /// <summary>
    /// An operator's scrape (<c>POST /admin/scrape</c>): joins the one already running, else starts one unless the last
    /// started less than <see cref="ScrapeOptions.OnDemandMinInterval"/> ago (then false, with how long to wait).
    /// The scrape runs on this catalog's lifetime, not the caller's request: a caller that goes away stops nothing.
    /// </summary>
    public bool TryScrapeOnDemand(out Task<ScrapeOutcome> scrape, out TimeSpan retryAfter)
    {
        lock (_statusLock)
        {
            retryAfter = TimeSpan.Zero;
            if (_onDemand is { IsCompleted: false } running)
            {
                scrape = running;
                return true;
            }

            var now = time.GetUtcNow();
            if (_onDemandStartedAt is { } last && now - last < options.OnDemandMinInterval)
            {
                scrape = Task.FromResult(new ScrapeOutcome(ScrapeResultKind.Failed, Current.Version, Current.Offers.Count, 0, 0, "rate limited"));
                retryAfter = last + options.OnDemandMinInterval - now;
                return false;
            }

            _onDemandStartedAt = now;
            _onDemand = Task.Run(() => ScrapeOnceAsync(stopping), CancellationToken.None);
            scrape = _onDemand;
            return true;
        }
    }

    /// <summary>
    /// One scrape cycle. <paramref name="cancellationToken"/> stops the read; once a version is committed its events
    /// are published whatever the caller does (only the host stopping ends that), so no caller can leave a version
    /// half-announced.
    /// </summary>
    public Task<ScrapeOutcome> ScrapeOnceAsync(CancellationToken cancellationToken) => ScrapeOnceAsync(regions: null, cancellationToken);

    /// <summary>
    /// One scrape cycle of <paramref name="regions"/> only (null: every region). A regional scrape reads those regions
    /// (<see cref="IRegionalPriceSource"/>) and MERGES them into the last good catalog: every other region's offers are
    /// kept as they are, never removed, and the partial-scrape guard holds the regions it read to the offers they had.
    /// It is a whole scrape instead when the source cannot read regions alone or there is no catalog yet to merge into.
    /// </summary>
    public async Task<ScrapeOutcome> ScrapeOnceAsync(IReadOnlySet<string>? regions, CancellationToken cancellationToken)
    {
        await _scrapeGate.WaitAsync(cancellationToken);
        // One span around scrape + publish: MassTransit's publish spans are its children, and the consumers' spans
        // theirs (the trace context travels in the message headers), so one trace runs from scrape to price view.
        using var activity = PricingTelemetry.StartScrape(Provider);
        var started = time.GetTimestamp();
        var outcome = "error";
        try
        {
            var result = await ScrapeLockedAsync(RegionalScopeOf(regions), cancellationToken);
            outcome = result.Kind switch
            {
                ScrapeResultKind.Published => "published",
                ScrapeResultKind.RejectedAsPartial => "rejected_as_partial",
                _ => "failed",
            };
            activity?.SetTag("pricing.catalog_version", result.Version);
            activity?.SetTag("pricing.changes", result.Changes);
            if (result.Kind != ScrapeResultKind.Published)
            {
                activity?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, result.Error);
            }

            return result;
        }
        finally
        {
            activity?.SetTag("pricing.outcome", outcome);
            PricingTelemetry.RecordScrape(Provider, outcome, time.GetElapsedTime(started));
            _scrapeGate.Release();
        }
    }

    /// <summary>The regions to merge, or null for a whole scrape (none named, a source that cannot, or nothing to merge into).</summary>
    private IReadOnlySet<string>? RegionalScopeOf(IReadOnlySet<string>? regions)
    {
        if (regions is not { Count: > 0 })
        {
            return null;
        }

        if (source is not IRegionalPriceSource || Current.Version == 0)
        {
            logger.LogInformation("{Provider}: a scrape of {Count} regions was asked for; scraping every region ({Why})", Provider, regions.Count,
                source is IRegionalPriceSource ? "no catalog yet to merge into" : "the source reads all regions at once");
            return null;
        }

        return regions.ToHashSet(StringComparer.Ordinal);
    }

    private async Task<ScrapeOutcome> ScrapeLockedAsync(IReadOnlySet<string>? regions, CancellationToken cancellationToken)
    {
        var startedAt = time.GetUtcNow();
        var scope = regions?.Order(StringComparer.Ordinal).ToList();
        SourceScrape scrape;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(options.Timeout);
            scrape = regions is null
                ? await source.ScrapeAsync(timeout.Token)
                : await ((IRegionalPriceSource)source).ScrapeRegionsAsync(regions, timeout.Token);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning(ex, "Scrape of {Provider} from {Source} failed; keeping catalog version {Version}", Provider, source.Description, Current.Version);
            RecordAttempt(startedAt, succeeded: false, $"{ex.GetType().Name}: {ex.Message}");
            return new ScrapeOutcome(ScrapeResultKind.Failed, Current.Version, Current.Offers.Count, 0, 0, ex.Message) { Regions = scope };
        }

        foreach (var note in scrape.Notes)
        {
            logger.LogInformation("{Provider} from {Source}: {Note}", Provider, source.Description, note);
        }

        // A regional scrape keeps only the regions it was asked for (a feed may cover them all).
        var candidates = regions is null ? scrape.Candidates : [.. scrape.Candidates.Where(o => regions.Contains(o.Region))];
        var validated = validator.Validate(candidates, scrape.Quarantined);
        var previous = Current;
        // The last good catalog: this process's, else (its first scrape) the one an earlier process saved. A regional
        // scrape is held to what the last good catalog had in the regions it read.
        var (lastGoodVersion, lastGoodOffers, whose) = regions is not null
            ? (previous.Version, previous.Offers.Values.Count(o => regions.Contains(o.Region)), $" in {string.Join(",", scope!)}")
            : previous.Version > 0
                ? (previous.Version, previous.Offers.Count, "")
                : _previousProcess is { } saved ? (saved.Version, saved.Offers, " before this process started") : (0L, 0, "");
        var minimum = (int)Math.Ceiling(lastGoodOffers * options.MinOfferRatio);
        if (lastGoodVersion > 0 && validated.Offers.Count < minimum)
        {
            var error = $"Partial scrape: {validated.Offers.Count} valid offers, the last good catalog (version {lastGoodVersion}{whose}) had {lastGoodOffers}; at least {minimum} required.";
            logger.LogWarning("{Provider}: {Error}", Provider, error);
            RecordAttempt(startedAt, succeeded: false, error);
            return new ScrapeOutcome(ScrapeResultKind.RejectedAsPartial, previous.Version, validated.Offers.Count, 0, validated.Quarantined.Count, error) { Regions = scope };
        }

        // A regional scrape is merged: the regions it read replace theirs, every other region's offers stay as they
        // were (so the diff can only touch the regions read), and the quarantine keeps the previous rows beside the new.
        var (offers, quarantined) = regions is null
            ? (validated.Offers, validated.Quarantined)
            : ([.. previous.Offers.Values.Where(o => !regions.Contains(o.Region)), .. validated.Offers],
               (IReadOnlyList<QuarantinedRow>)[.. validated.Quarantined.Concat(previous.Quarantined).Distinct()]);

        // Commit before publishing: if publishing fails part-way, subscribers see a version gap (or an
        // incomplete version) and resync from this committed snapshot, so nothing is lost.
        var commit = _catalog.Commit(offers, quarantined, scrape.AsOf);
        state?.Save(new LastGoodCatalog(Provider, commit.Current.Version, commit.Current.Offers.Count, time.GetUtcNow()));
        RecordAttempt(startedAt, succeeded: true, null);
        PricingTelemetry.RecordCatalog(Provider, commit.Current.Version, commit.Current.Offers.Count, quarantined.Select(q => q.Rule));

        var observedAt = time.GetUtcNow();
        var version = commit.Current.Version;
        var changes = commit.Changes.Select(change => AcceleratorPriceChanged.From(Provider, version, change, observedAt)).ToList();
        var parts = CatalogVersionChanges.Split(Provider, version, commit.Previous.Version, commit.Current.Offers.Count, quarantined.Count,
            commit.Current.AsOf, changes, Math.Min(options.PublishWindow, PriceEventRules.MaxChangesPerPart));
        var announcement = new CatalogPublished(Provider, version, commit.Previous.Version, commit.Current.Offers.Count,
            commit.Added, commit.Changed, commit.Removed, quarantined.Count, commit.Current.AsOf);
        // Not the caller's token: a committed version is published whole (see ScrapeOnceAsync). The version's parts
        // first (what Quotes consumes), in order, each confirmed before the next; then, behind the versions before it,
        // its per-change messages and CatalogPublished for topic subscribers (see PublishForSubscribers).
        await PublishUntilDeliveredAsync(version, parts, window: 1, stopping);
        await PublishForSubscribersAsync(version, changes, announcement);

        logger.LogInformation(
            "{Provider} catalog version {Version} ({Scope}): {Offers} offers, +{Added} ~{Changed} -{Removed}, {Quarantined} quarantined",
            Provider, commit.Current.Version, scope is null ? "every region" : "regions " + string.Join(",", scope) + " merged",
            commit.Current.Offers.Count, commit.Added, commit.Changed, commit.Removed, quarantined.Count);
        return new ScrapeOutcome(ScrapeResultKind.Published, commit.Current.Version, commit.Current.Offers.Count, commit.Changes.Count, quarantined.Count, null) { Regions = scope };
    }

    /// <summary>
    /// Queues a committed version's per-change <see cref="AcceleratorPriceChanged"/> messages and then its
    /// <see cref="CatalogPublished"/> for topic subscribers, behind every earlier version's: one publishing chain per
    /// provider, so subscribers still get each version's changes, then its announcement, before anything of the next
    /// version. The next scrape does not wait for this chain (Quotes has the version already, as its
    /// <see cref="CatalogVersionChanges"/>), unless <see cref="MaxSubscriberBacklog"/> versions are still queued on it:
    /// then it waits for the oldest, so a broker that cannot keep up slows scrapes down instead of filling memory.
    /// </summary>
    private async Task PublishForSubscribersAsync(long version, IReadOnlyList<AcceleratorPriceChanged> changes, CatalogPublished announcement)
    {
        Task previous;
        lock (_statusLock)
        {
            _subscriberBacklog.RemoveAll(t => t.IsCompleted);
            previous = _subscriberBacklog.Count > 0 ? _subscriberBacklog[^1] : Task.CompletedTask;
        }

        var next = PublishAfterAsync(previous, version, changes, announcement);
        Task? oldest = null;
        lock (_statusLock)
        {
            _subscriberBacklog.Add(next);
            if (_subscriberBacklog.Count > MaxSubscriberBacklog)
            {
                oldest = _subscriberBacklog[0];
            }
        }

        if (oldest is not null)
        {
            await oldest;
        }
    }

    private async Task PublishAfterAsync(Task previous, long version, IReadOnlyList<AcceleratorPriceChanged> changes, CatalogPublished announcement)
    {
        // Off the scrape's flow: the scrape returns while this publishes.
        await Task.Yield();
        try
        {
            await previous;
            await PublishUntilDeliveredAsync(version, changes, options.PublishWindow, stopping);
            await PublishUntilDeliveredAsync(version, [announcement], window: 1, stopping);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // The host is stopping: what was not published is not; subscribers see the version incomplete, as after a crash.
        }
    }

    /// <summary>Versions whose per-change messages may wait for the broker before a scrape waits for them.</summary>
    public const int MaxSubscriberBacklog = 8;

    /// <summary>Completes once every version committed so far has been published to topic subscribers too.</summary>
    public Task SubscribersPublished
    {
        get
        {
            lock (_statusLock)
            {
                return Task.WhenAll(_subscriberBacklog);
            }
        }
    }

    /// <summary>
    /// Publishes <paramref name="messages"/> of a committed version until the broker confirmed every one, with up to
    /// <paramref name="window"/> in flight at once (1: in order, each confirmed before the next; more: each is a different
    /// offer, so their order does not matter, and waiting for each confirm in turn capped a version at a few hundred
    /// changes a second; see <see cref="PublishInWindowAsync"/>). While the broker is away, what was not confirmed is
    /// retried with back-off (publisher confirms make a completed publish a delivered one); a message whose confirm was
    /// lost may go twice, and consumers are idempotent by (provider, version, offer key).
    /// </summary>
    private async Task PublishUntilDeliveredAsync<T>(long version, IReadOnlyList<T> messages, int window, CancellationToken cancellationToken)
        where T : class
    {
        var delay = options.PublishRetryMinDelay;
        IReadOnlyList<object> pending = [.. messages];
        while (pending.Count > 0)
        {
            var failed = new System.Collections.Concurrent.ConcurrentQueue<(object Message, Exception Error)>();
            await PublishInWindowAsync(pending, window, failed, cancellationToken);
            if (failed.IsEmpty)
            {
                break;
            }

            var error = failed.First().Error;
            logger.LogWarning(error, "{Provider} version {Version}: {Failed} of {Count} messages not confirmed; retrying in {Delay}",
                Provider, version, failed.Count, pending.Count, delay);
            lock (_statusLock)
            {
                _lastError = $"Publishing version {version} ({failed.Count} messages not yet delivered): {error.GetType().Name}: {error.Message}";
            }

            await Task.Delay(delay, time, cancellationToken);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, options.PublishRetryMaxDelay.Ticks));
            // In the order they were given (a window of 1 keeps a version's parts in order).
            var again = failed.Select(f => f.Message).ToHashSet(ReferenceEqualityComparer.Instance);
            pending = [.. pending.Where(again.Contains)];
        }

        lock (_statusLock)
        {
            if (_lastError?.StartsWith("Publishing", StringComparison.Ordinal) == true)
            {
                _lastError = null;
            }
        }
    }

    /// <summary>
    /// Publishes <paramref name="batch"/> with up to <see cref="ScrapeOptions.PublishWindow"/> publishes awaiting their
    /// confirms at once: the next starts as soon as one is confirmed, on the caller's flow (no thread-pool hop per
    /// message), so a version's changes stream to the broker back to back and its confirms come back together
    /// (RabbitMQ acknowledges many deliveries in one frame). What was not confirmed lands in <paramref name="failed"/>.
    /// </summary>
    private async Task PublishInWindowAsync(IReadOnlyList<object> batch, int size, System.Collections.Concurrent.ConcurrentQueue<(object Message, Exception Error)> failed,
        CancellationToken cancellationToken)
    {
        using var window = new SemaphoreSlim(Math.Max(1, size));
        var publishes = new List<Task>(batch.Count);
        try
        {
            foreach (var message in batch)
            {
                await window.WaitAsync(cancellationToken);
                publishes.Add(PublishOneAsync(message, window, failed, cancellationToken));
            }
        }
        catch (OperationCanceledException)
        {
            // The host is stopping: the publishes already started are cancelled too; let them end before the window goes.
            try
            {
                await Task.WhenAll(publishes);
            }
            catch (Exception) when (cancellationToken.IsCancellationRequested)
            {
            }

            throw;
        }

        await Task.WhenAll(publishes);
    }

    private async Task PublishOneAsync(object message, SemaphoreSlim window, System.Collections.Concurrent.ConcurrentQueue<(object Message, Exception Error)> failed,
        CancellationToken cancellationToken)
    {
        try
        {
            // A publish whose channel died under it can wait for a confirm that never comes: give up on it after
            // PublishTimeout and send it again (consumers drop the duplicate if the first got through).
            await publisher.Publish(message, message.GetType(), cancellationToken).WaitAsync(options.PublishTimeout, cancellationToken);
            PricingTelemetry.RecordPublished(Provider, message.GetType().Name);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            failed.Enqueue((message, ex));
        }
        finally
        {
            window.Release();
        }
    }

    private void RecordAttempt(DateTimeOffset at, bool succeeded, string? error)
    {
        lock (_statusLock)
        {
            _lastAttempt = at;
            _lastAttemptSucceeded = succeeded;
            _lastError = error;
        }
    }
}
