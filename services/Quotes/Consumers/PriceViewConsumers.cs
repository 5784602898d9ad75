using MassTransit;
using Pricing.Contracts.Events;
using Pricing.Quoting;
using Pricing.ServiceDefaults;
using Quotes.History;
using Quotes.Sync;

namespace Quotes.Consumers;

/// <summary>
/// On this replica's own queue, one part of a catalog version at a time (<see cref="CatalogVersionChanges"/>: a version's
/// changes in one message, or a few parts in order; see <see cref="CatalogVersionChangesConsumerDefinition"/>): checks it
/// (<see cref="PriceEventGate"/>: a forged part goes to the error queue whole, never retried), tells this replica's
/// watchers in one fan-out, records it in the history (once per part, best effort when the history is shared: the
/// shared queue's <see cref="CatalogVersionHistoryConsumer"/> is what makes that durable), then applies it to this
/// replica's price view; the version becomes visible once it holds all <see cref="CatalogVersionChanges.ChangeCount"/>
/// changes. Parts run one at a time in queue order, and a provider publishes version N+1 only after every part of N is
/// confirmed, so watchers see each offer's changes in version order. With a shared history the write and the view run
/// behind the consume, in part order (<see cref="PriceChangeFeed.ReceivePartAsync"/>), so the part is acked once its
/// watchers have it: the view is this process's own and a resync rebuilds it, the shared queue keeps the history's copy.
/// Idempotent by (provider, catalog version, offer key), so an at-least-once redelivery changes nothing.
/// </summary>
public sealed class CatalogVersionChangesConsumer(PriceView view, PriceChangeFeed feed, CatalogTraceLinks traceLinks, PriceEventGate gate,
    ILogger<CatalogVersionChangesConsumer> logger) : IConsumer<CatalogVersionChanges>
{
    public async Task Consume(ConsumeContext<CatalogVersionChanges> context)
    {
        var part = context.Message;
        gate.Check(part);

        // Watchers first, then the history, then the view: once the view shows a version, every change of it has been
        // passed to this replica's watchers (and, unless the history store is down, recorded). With a shared history the
        // write and the view run behind this consume, in part order, while the next part is received (the shared
        // queue's consumer is what makes the history durable; see PriceChangeFeed.ReceivePartAsync).
        var first = await feed.ReceivePartAsync(part, () => ApplyToView(part), context.CancellationToken);
        if (part.Part == part.Parts)
        {
            // Quotes over this version link to this consume span (and so to the scrape's trace).
            traceLinks.Remember(part.Provider, part.CatalogVersion);
        }

        logger.LogDebug("{Provider} v{Version} part {Part}/{Parts}: {First} first deliveries to watchers",
            part.Provider, part.CatalogVersion, part.Part, part.Parts, first);
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

/// <summary>
/// On the queue every replica shares (when the history is in Redis): writes each version part to the history once
/// (<see cref="IPriceHistoryStore.AppendVersionPartAsync"/>: a part some replica already wrote costs one lookup) and lets
/// the broker ack it only once Redis has it. While Redis is unreachable it keeps trying (the part stays unacked, and is
/// redelivered to another replica if this one goes away), so the history gets every change once Redis is back.
/// </summary>
public sealed class CatalogVersionHistoryConsumer(IPriceHistoryStore store, PriceEventGate gate, TimeProvider time,
    ILogger<CatalogVersionHistoryConsumer> logger) : IConsumer<CatalogVersionChanges>
{
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(5);

    public async Task Consume(ConsumeContext<CatalogVersionChanges> context)
    {
        var part = context.Message;
        gate.Check(part);
        var backoff = TimeSpan.FromMilliseconds(100);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await store.AppendVersionPartAsync(part, context.CancellationToken);
                return;
            }
            catch (Exception ex) when (PriceChangeFeed.IsStoreOutage(ex) && !context.CancellationToken.IsCancellationRequested)
            {
                if (attempt == 1)
                {
                    logger.LogWarning("History store {Store} unavailable; holding {Provider} v{Version} part {Part}/{Parts} ({Count} changes) unacked until it is back: {Error}",
                        store.Name, part.Provider, part.CatalogVersion, part.Part, part.Parts, part.Changes.Length, ex.Message);
                }

                // Cancelled when the endpoint stops: the part then stays on the queue, unacked.
                await Task.Delay(backoff, time, context.CancellationToken);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
            }
        }
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

    public void Check(CatalogVersionChanges part) => Reject(nameof(CatalogVersionChanges), part.Provider, rules.Check(part));

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
