using Pricing.Contracts.Events;
using Pricing.Quoting;
using Pricing.ServiceDefaults;
using Quotes.History;

namespace Quotes.Consumers;

/// <summary>
/// What Quotes does with one part of a catalog version (<see cref="CatalogVersionChanges"/>), whichever consumer
/// received it: MassTransit's (<see cref="CatalogVersionChangesConsumer"/>, <see cref="CatalogVersionHistoryConsumer"/>,
/// on the in-memory bus and when <c>Quotes:VersionPartConsumer</c> is <c>MassTransit</c>) or the RabbitMQ.Client one
/// (<see cref="RabbitVersionPartConsumer"/>). Both check the part first (<see cref="PriceEventGate"/>: a forged part
/// throws <see cref="InvalidPriceEventException"/> and goes to the error queue whole, never retried).
/// </summary>
public sealed class VersionPartHandler(PriceView view, PriceChangeFeed feed, IPriceHistoryStore store, CatalogTraceLinks traceLinks,
    PriceEventGate gate, TimeProvider time, ILogger<VersionPartHandler> logger)
{
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(5);

    public void Check(CatalogVersionChanges part) => gate.Check(part);

    /// <summary>
    /// This replica's own queue: watchers first, then the history, then the view. Once the view shows a version, every
    /// change of it has been passed to this replica's watchers (and, unless the history store is down, recorded). With a
    /// shared history the write and the view run behind this call, in part order, while the next part is received (the
    /// shared queue is what makes the history durable; see <see cref="PriceChangeFeed.ReceivePartAsync"/>). Returns how
    /// many changes went to watchers for the first time.
    /// </summary>
    public async Task<int> ReceiveAsync(CatalogVersionChanges part, CancellationToken cancellationToken)
    {
        gate.Check(part);
        var first = await feed.ReceivePartAsync(part, () => ApplyToView(part), cancellationToken);
        if (part.Part == part.Parts)
        {
            // Quotes over this version link to this consume span (and so to the scrape's trace).
            traceLinks.Remember(part.Provider, part.CatalogVersion);
        }

        return first;
    }

    /// <summary>
    /// The queue every replica shares (when the history is in Redis): writes the part to the history once
    /// (<see cref="IPriceHistoryStore.AppendVersionPartAsync"/>: a part some replica already wrote costs one lookup) and
    /// returns only once Redis has it, so the broker acks it only then. While Redis is unreachable it keeps trying (the
    /// part stays unacked, and is redelivered to another replica if this one goes away); cancelled, it throws and the
    /// part stays on the queue.
    /// </summary>
    public async Task RecordAsync(CatalogVersionChanges part, CancellationToken cancellationToken)
    {
        gate.Check(part);
        // Watchers first: the write waits (briefly) for this replica to pass the rest of the version on.
        await feed.WhenVersionPassedOnAsync(part, cancellationToken);
        var backoff = TimeSpan.FromMilliseconds(100);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await store.AppendVersionPartAsync(part, cancellationToken);
                return;
            }
            catch (Exception ex) when (PriceChangeFeed.IsStoreOutage(ex) && !cancellationToken.IsCancellationRequested)
            {
                if (attempt == 1)
                {
                    logger.LogWarning("History store {Store} unavailable; holding {Provider} v{Version} part {Part}/{Parts} ({Count} changes) unacked until it is back: {Error}",
                        store.Name, part.Provider, part.CatalogVersion, part.Part, part.Parts, part.Changes.Length, ex.Message);
                }

                await Task.Delay(backoff, time, cancellationToken);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
            }
        }
    }

    private void ApplyToView(CatalogVersionChanges part)
    {
        var applied = view.ApplyChanges(part.Changes.Select(c => (c.Provider, c.CatalogVersion, c.ToOfferChange())).ToList());
        var result = view.ApplyPublished(part.Provider, part.CatalogVersion, part.ChangeCount, part.AsOf, part.PreviousVersion);
        foreach (var change in part.Changes)
        {
            PricingTelemetry.RecordConsumed(change.Provider, nameof(AcceleratorPriceChanged));
        }

        PricingTelemetry.RecordConsumed(part.Provider, nameof(CatalogVersionChanges));
        if (part.Part == part.Parts)
        {
            logger.LogInformation("{Provider} v{Version} ({Changes} changes in {Parts} parts): {Result}", part.Provider, part.CatalogVersion,
                part.ChangeCount, part.Parts, result);
        }

        logger.LogDebug("{Provider} v{Version} part {Part}/{Parts}: {Applied} applied to the view", part.Provider, part.CatalogVersion,
            part.Part, part.Parts, applied);
    }
}
