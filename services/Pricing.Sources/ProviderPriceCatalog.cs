using MassTransit;
using Microsoft.Extensions.Logging;
using Pricing.Catalog;
using Pricing.Contracts.Events;

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
    private readonly VersionedCatalog _catalog = new(source.Provider);
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
        try
        {
            return await ScrapeLockedAsync(cancellationToken);
        }
        finally
        {
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
    /// Publishes a committed version's events in order, retrying from the first undelivered one while the broker
    /// is away (publisher confirms make a completed publish a delivered one). A message whose confirm was lost may
    /// go twice; consumers are idempotent by (provider, version, offer key). Holding the scrape gate meanwhile keeps
    /// versions in order: the next scrape waits until this version is out.
    /// </summary>
    private async Task PublishUntilDeliveredAsync(long version, IReadOnlyList<object> messages, CancellationToken cancellationToken)
    {
        var next = 0;
        var delay = options.PublishRetryMinDelay;
        while (next < messages.Count)
        {
            try
            {
                await publisher.Publish(messages[next], messages[next].GetType(), cancellationToken);
                next++;
                delay = options.PublishRetryMinDelay;
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                logger.LogWarning(ex, "{Provider} version {Version}: publishing message {Index} of {Count} failed; retrying in {Delay}",
                    Provider, version, next + 1, messages.Count, delay);
                lock (_statusLock)
                {
                    _lastError = $"Publishing version {version} ({next} of {messages.Count} delivered): {ex.GetType().Name}: {ex.Message}";
                }

                await Task.Delay(delay, time, cancellationToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, options.PublishRetryMaxDelay.Ticks));
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
