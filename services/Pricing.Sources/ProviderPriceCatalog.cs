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
    CancellationToken stopping = default,
    ISubscriberChangePublisher? subscriberPublisher = null)
{
    private readonly SemaphoreSlim _scrapeGate = new(1, 1);
    private readonly VersionedCatalog _catalog = new(source.Provider, options.ResolveFirstVersion(time));
    private readonly Lock _statusLock = new();
    // The last good catalog of an earlier process: what the guard holds this process's first scrape to.
    private readonly LastGoodCatalog? _previousProcess = state?.Load(source.Provider);
    private DateTimeOffset? _lastAttempt;
    private bool _lastAttemptSucceeded;
    private string? _lastError;
    private readonly VersionPublisher _publisher = new(source.Provider, publisher, options, time, logger, stopping, subscriberPublisher);
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
            return new ProviderStatus(Provider, source.Description, current, _lastAttempt, _lastAttemptSucceeded, _publisher.Error ?? _lastError, stale);
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
            commit.Current.AsOf, changes, options.PartSize(PriceEventRules.MaxChangesPerPart));
        var announcement = new CatalogPublished(Provider, version, commit.Previous.Version, commit.Current.Offers.Count,
            commit.Added, commit.Changed, commit.Removed, quarantined.Count, commit.Current.AsOf);
        // Whatever the caller's token: a committed version is published whole (see ScrapeOnceAsync and VersionPublisher).
        await _publisher.PublishAsync(version, parts, changes, announcement);

        logger.LogInformation(
            "{Provider} catalog version {Version} ({Scope}): {Offers} offers, +{Added} ~{Changed} -{Removed}, {Quarantined} quarantined",
            Provider, commit.Current.Version, scope is null ? "every region" : "regions " + string.Join(",", scope) + " merged",
            commit.Current.Offers.Count, commit.Added, commit.Changed, commit.Removed, quarantined.Count);
        return new ScrapeOutcome(ScrapeResultKind.Published, commit.Current.Version, commit.Current.Offers.Count, commit.Changes.Count, quarantined.Count, null) { Regions = scope };
    }

    /// <summary>Completes once every version committed so far has been published to topic subscribers too.</summary>
    public Task SubscribersPublished => _publisher.SubscribersPublished;

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
