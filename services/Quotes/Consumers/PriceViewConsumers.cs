using MassTransit;
using Pricing.Contracts.Events;
using Pricing.Quoting;
using Pricing.ServiceDefaults;
using Quotes.History;
using Quotes.Sync;

namespace Quotes.Consumers;

/// <summary>
/// On this replica's own queue, a batch of changes at a time (see <see cref="AcceleratorPriceChangedConsumerDefinition"/>
/// for the batch limits; every change in it has passed <see cref="PriceEventGate"/> on its own first): records the batch
/// in the history in one write (best effort when the history is shared: the shared queue's
/// <see cref="PriceChangeHistoryConsumer"/> is what makes that durable), tells this replica's watchers in one fan-out,
/// then applies it to this replica's price view under one lock. Within a batch the changes go in catalog-version order;
/// batches run one at a time, in the order they were collected, so watchers see each offer's changes in version order.
/// Idempotent by (provider, catalog version, offer key), so an at-least-once redelivery changes nothing; the batch's
/// messages are acked only after the view holds them.
/// </summary>
public sealed class AcceleratorPriceChangedConsumer(PriceView view, PriceChangeFeed feed, ILogger<AcceleratorPriceChangedConsumer> logger) : IConsumer<Batch<AcceleratorPriceChanged>>
{
    public async Task Consume(ConsumeContext<Batch<AcceleratorPriceChanged>> context)
    {
        var changes = PriceChangeBatches.InVersionOrder(context.Message);

        // History and watchers first, then the view: once the view shows a version, every change of it has been
        // passed to this replica's watchers (and, unless the history store is down, recorded).
        var first = await feed.RecordManyAsync(changes, context.CancellationToken);
        var applied = view.ApplyChanges(changes.Select(m => (m.Provider, m.CatalogVersion, m.ToOfferChange())).ToList());
        PriceChangeBatches.RecordConsumed(changes);
        logger.LogDebug("Batch of {Count} changes: {Applied} applied to the view, {First} first deliveries", changes.Count, applied, first);
    }
}

/// <summary>
/// On the queue every replica shares (when the history is in Redis): writes each batch of changes to the history in one
/// write and lets the broker ack them only once Redis has them. While Redis is unreachable it keeps trying (the messages
/// stay unacked, and are redelivered to another replica if this one goes away), so the history gets every change once
/// Redis is back.
/// </summary>
public sealed class PriceChangeHistoryConsumer(IPriceHistoryStore store, TimeProvider time, ILogger<PriceChangeHistoryConsumer> logger) : IConsumer<Batch<AcceleratorPriceChanged>>
{
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(5);

    public async Task Consume(ConsumeContext<Batch<AcceleratorPriceChanged>> context)
    {
        var changes = PriceChangeBatches.InVersionOrder(context.Message);
        var backoff = TimeSpan.FromMilliseconds(100);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await store.AppendManyAsync(changes, context.CancellationToken);
                return;
            }
            catch (Exception ex) when (PriceChangeFeed.IsStoreOutage(ex) && !context.CancellationToken.IsCancellationRequested)
            {
                if (attempt == 1)
                {
                    logger.LogWarning("History store {Store} unavailable; holding a batch of {Count} changes ({Provider} v{Version} first) unacked until it is back: {Error}",
                        store.Name, changes.Count, changes[0].Provider, changes[0].CatalogVersion, ex.Message);
                }

                // Cancelled when the endpoint stops: the messages then stay on the queue, unacked.
                await Task.Delay(backoff, time, context.CancellationToken);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
            }
        }
    }
}

/// <summary>What both batch consumers do with a consumed batch.</summary>
public static class PriceChangeBatches
{
    /// <summary>
    /// The batch's changes ordered by catalog version (stable, so otherwise in the order MassTransit collected them): a
    /// batch can hold two versions of one offer, and the older goes first.
    /// </summary>
    public static List<AcceleratorPriceChanged> InVersionOrder(Batch<AcceleratorPriceChanged> batch) =>
        [.. batch.Select(context => context.Message).OrderBy(change => change.CatalogVersion)];

    public static void RecordConsumed(List<AcceleratorPriceChanged> changes)
    {
        foreach (var change in changes)
        {
            PricingTelemetry.RecordConsumed(change.Provider, nameof(AcceleratorPriceChanged));
        }
    }
}

/// <summary>Announces a version's change count; completing it makes the version visible to quotes.</summary>
public sealed class CatalogPublishedConsumer(PriceView view, CatalogTraceLinks traceLinks, PriceEventGate gate, ILogger<CatalogPublishedConsumer> logger) : IConsumer<CatalogPublished>
{
    public Task Consume(ConsumeContext<CatalogPublished> context)
    {
        var m = context.Message;
        gate.Check(m);
        var result = view.ApplyPublished(m.Provider, m.CatalogVersion, m.ChangeCount, m.AsOf, m.PreviousVersion);
        PricingTelemetry.RecordConsumed(m.Provider, nameof(CatalogPublished));
        // Quotes over this version link to this consume span (and so to the scrape's trace).
        traceLinks.Remember(m.Provider, m.CatalogVersion);
        logger.LogInformation("{Provider} published v{Version} ({Changes} changes): {Result}", m.Provider, m.CatalogVersion, m.ChangeCount, result);
        return Task.CompletedTask;
    }
}

/// <summary>
/// <see cref="PriceEventRules"/> plus the providers this Quotes follows (those it can resync from, when configured):
/// an event of any other provider is forged or misrouted. Throws <see cref="InvalidPriceEventException"/>.
/// </summary>
public sealed class PriceEventGate(PriceEventRules rules, ICatalogSnapshotClient snapshots, ILogger<PriceEventGate> logger)
{
    public void Check(AcceleratorPriceChanged change) => Reject(nameof(AcceleratorPriceChanged), change.Provider, rules.Check(change));

    public void Check(CatalogPublished published) => Reject(nameof(CatalogPublished), published.Provider, rules.Check(published));

    private void Reject(string eventName, string? provider, IReadOnlyList<string> problems)
    {
        if (problems.Count == 0 && (snapshots.Providers.Count == 0 || provider is null || snapshots.Providers.Contains(provider)))
        {
            return;
        }

        var all = problems.Count > 0 ? problems : ["provider is not one this Quotes follows (Quotes:Providers)"];
        logger.LogWarning("Rejected {Event} to the error queue: {Problems}", eventName, string.Join("; ", all.Take(10)));
        throw new InvalidPriceEventException(eventName, all);
    }
}
