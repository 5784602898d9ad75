using MassTransit;
using Pricing.Contracts.Events;
using Pricing.Quoting;
using Pricing.ServiceDefaults;
using Quotes.History;
using Quotes.Sync;

namespace Quotes.Consumers;

/// <summary>
/// On this replica's own queue: checks the change, records it in the history (best effort when the history is
/// shared: the shared queue's <see cref="PriceChangeHistoryConsumer"/> is what makes that durable), tells this
/// replica's watchers, then applies it to this replica's price view. Idempotent by (provider, catalog version,
/// offer key), so an at-least-once redelivery changes nothing; the message is acked only after the view holds it.
/// An invalid or forged change throws <see cref="InvalidPriceEventException"/>, which is never retried: it goes to
/// the error queue, never into the view.
/// </summary>
public sealed class AcceleratorPriceChangedConsumer(PriceView view, PriceChangeFeed feed, PriceEventGate gate, ILogger<AcceleratorPriceChangedConsumer> logger) : IConsumer<AcceleratorPriceChanged>
{
    public async Task Consume(ConsumeContext<AcceleratorPriceChanged> context)
    {
        var m = context.Message;
        gate.Check(m);

        // History and watchers first, then the view: once the view shows a version, every change of it has been
        // passed to this replica's watchers (and, unless the history store is down, recorded).
        var first = await feed.RecordAsync(m, context.CancellationToken);
        var result = view.ApplyChange(m.Provider, m.CatalogVersion, m.ToOfferChange());
        PricingTelemetry.RecordConsumed(m.Provider, nameof(AcceleratorPriceChanged));
        logger.LogDebug("{Provider} v{Version} {Kind} {OfferKey}: {Result}, first delivery {First}", m.Provider, m.CatalogVersion, m.Kind, m.OfferKey, result, first);
    }
}

/// <summary>
/// On the queue every replica shares (when the history is in Redis): writes each change to the history and lets the
/// broker ack it only once Redis has it. While Redis is unreachable it keeps trying (the message stays unacked, and
/// is redelivered to another replica if this one goes away), so the history gets every change once Redis is back.
/// </summary>
public sealed class PriceChangeHistoryConsumer(IPriceHistoryStore store, PriceEventGate gate, TimeProvider time, ILogger<PriceChangeHistoryConsumer> logger) : IConsumer<AcceleratorPriceChanged>
{
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(5);

    public async Task Consume(ConsumeContext<AcceleratorPriceChanged> context)
    {
        var m = context.Message;
        gate.Check(m);
        var backoff = TimeSpan.FromMilliseconds(100);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await store.AppendAsync(m, context.CancellationToken);
                return;
            }
            catch (Exception ex) when (PriceChangeFeed.IsStoreOutage(ex) && !context.CancellationToken.IsCancellationRequested)
            {
                if (attempt == 1)
                {
                    logger.LogWarning("History store {Store} unavailable; holding {Provider} v{Version} unacked until it is back: {Error}",
                        store.Name, m.Provider, m.CatalogVersion, ex.Message);
                }

                // Cancelled when the endpoint stops: the message then stays on the queue, unacked.
                await Task.Delay(backoff, time, context.CancellationToken);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
            }
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
