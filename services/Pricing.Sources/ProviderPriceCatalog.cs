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

public sealed record ScrapeOutcome(ScrapeResultKind Kind, long Version, int Offers, int Changes, int Quarantined, string? Error);

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
/// reads, commit the next version, then publish one <see cref="AcceleratorPriceChanged"/> per changed offer
/// followed by <see cref="CatalogPublished"/>. A failed or partial scrape publishes nothing and removes nothing.
/// </summary>
public sealed class ProviderPriceCatalog(
    IPriceSource source,
    OfferValidator validator,
    IPublishEndpoint publisher,
    ScrapeOptions options,
    TimeProvider time,
    ILogger<ProviderPriceCatalog> logger)
{
    private readonly SemaphoreSlim _scrapeGate = new(1, 1);
    private readonly VersionedCatalog _catalog = new(source.Provider, options.ResolveFirstVersion(time));
    private readonly Lock _statusLock = new();
    private DateTimeOffset? _lastAttempt;
    private bool _lastAttemptSucceeded;
    private string? _lastError;

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

    public async Task<ScrapeOutcome> ScrapeOnceAsync(CancellationToken cancellationToken)
    {
        await _scrapeGate.WaitAsync(cancellationToken);
        // One span around scrape + publish: MassTransit's publish spans are its children, and the consumers' spans
        // theirs (the trace context travels in the message headers), so one trace runs from scrape to price view.
        using var activity = PricingTelemetry.StartScrape(Provider);
        var started = time.GetTimestamp();
        var outcome = "error";
        try
        {
            var result = await ScrapeLockedAsync(cancellationToken);
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

    private async Task<ScrapeOutcome> ScrapeLockedAsync(CancellationToken cancellationToken)
    {
        var startedAt = time.GetUtcNow();
        SourceScrape scrape;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(options.Timeout);
            scrape = await source.ScrapeAsync(timeout.Token);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning(ex, "Scrape of {Provider} from {Source} failed; keeping catalog version {Version}", Provider, source.Description, Current.Version);
            RecordAttempt(startedAt, succeeded: false, $"{ex.GetType().Name}: {ex.Message}");
            return new ScrapeOutcome(ScrapeResultKind.Failed, Current.Version, Current.Offers.Count, 0, 0, ex.Message);
        }

        var validated = validator.Validate(scrape.Candidates, scrape.Quarantined);
        var previous = Current;
        var minimum = (int)Math.Ceiling(previous.Offers.Count * options.MinOfferRatio);
        if (previous.Version > 0 && validated.Offers.Count < minimum)
        {
            var error = $"Partial scrape: {validated.Offers.Count} valid offers, the last good catalog (version {previous.Version}) had {previous.Offers.Count}; at least {minimum} required.";
            logger.LogWarning("{Provider}: {Error}", Provider, error);
            RecordAttempt(startedAt, succeeded: false, error);
            return new ScrapeOutcome(ScrapeResultKind.RejectedAsPartial, previous.Version, validated.Offers.Count, 0, validated.Quarantined.Count, error);
        }

        // Commit before publishing: if publishing fails part-way, subscribers see a version gap (or an
        // incomplete version) and resync from this committed snapshot, so nothing is lost.
        var commit = _catalog.Commit(validated.Offers, validated.Quarantined, scrape.AsOf);
        RecordAttempt(startedAt, succeeded: true, null);
        PricingTelemetry.RecordCatalog(Provider, commit.Current.Version, commit.Current.Offers.Count, validated.Quarantined.Select(q => q.Rule));

        var observedAt = time.GetUtcNow();
        var messages = commit.Changes
            .Select(change => (object)AcceleratorPriceChanged.From(Provider, commit.Current.Version, change, observedAt))
            .Append(new CatalogPublished(Provider, commit.Current.Version, commit.Previous.Version, commit.Current.Offers.Count,
                commit.Added, commit.Changed, commit.Removed, validated.Quarantined.Count, commit.Current.AsOf))
            .ToList();
        await PublishUntilDeliveredAsync(commit.Current.Version, messages, cancellationToken);

        logger.LogInformation(
            "{Provider} catalog version {Version}: {Offers} offers, +{Added} ~{Changed} -{Removed}, {Quarantined} quarantined",
            Provider, commit.Current.Version, commit.Current.Offers.Count, commit.Added, commit.Changed, commit.Removed, validated.Quarantined.Count);
        return new ScrapeOutcome(ScrapeResultKind.Published, commit.Current.Version, commit.Current.Offers.Count, commit.Changes.Count, validated.Quarantined.Count, null);
    }

    /// <summary>
    /// Publishes a committed version's events: its changes first, up to <see cref="ScrapeOptions.PublishWindow"/> in
    /// flight at once (each is a different offer, so their order does not matter; waiting for each confirm in turn
    /// capped a version at a few hundred changes a second), then, once every change is confirmed, its
    /// <see cref="CatalogPublished"/>. While the broker is away, what was not confirmed is retried with back-off
    /// (publisher confirms make a completed publish a delivered one); a message whose confirm was lost may go twice,
    /// and consumers are idempotent by (provider, version, offer key). Holding the scrape gate meanwhile keeps
    /// versions in order: the next scrape waits until this version is out.
    /// </summary>
    private async Task PublishUntilDeliveredAsync(long version, IReadOnlyList<object> messages, CancellationToken cancellationToken)
    {
        var changes = messages.Take(messages.Count - 1).ToList();
        var announcement = messages[^1];
        var delay = options.PublishRetryMinDelay;
        IReadOnlyList<object> pending = changes;
        while (true)
        {
            var failed = new System.Collections.Concurrent.ConcurrentQueue<(object Message, Exception Error)>();
            var parallel = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.PublishWindow), CancellationToken = cancellationToken };
            var batch = pending.Count > 0 ? pending : [announcement];
            await Parallel.ForEachAsync(batch, parallel, async (message, token) =>
            {
                try
                {
                    // A publish whose channel died under it can wait for a confirm that never comes: give up on it
                    // after PublishTimeout and send it again (consumers drop the duplicate if the first got through).
                    await publisher.Publish(message, message.GetType(), token).WaitAsync(options.PublishTimeout, token);
                    PricingTelemetry.RecordPublished(Provider, message.GetType().Name);
                }
                catch (Exception ex) when (!token.IsCancellationRequested)
                {
                    failed.Enqueue((message, ex));
                }
            });

            if (failed.IsEmpty)
            {
                if (pending.Count == 0)
                {
                    break;
                }

                // Every change is confirmed: the announcement goes next.
                pending = [];
                delay = options.PublishRetryMinDelay;
                continue;
            }

            var error = failed.First().Error;
            logger.LogWarning(error, "{Provider} version {Version}: {Failed} of {Count} messages not confirmed; retrying in {Delay}",
                Provider, version, failed.Count, batch.Count, delay);
            lock (_statusLock)
            {
                _lastError = $"Publishing version {version} ({failed.Count} messages not yet delivered): {error.GetType().Name}: {error.Message}";
            }

            await Task.Delay(delay, time, cancellationToken);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, options.PublishRetryMaxDelay.Ticks));
            if (pending.Count > 0)
            {
                pending = failed.Select(f => f.Message).ToList();
            }
        }

        lock (_statusLock)
        {
            _lastError = null;
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
