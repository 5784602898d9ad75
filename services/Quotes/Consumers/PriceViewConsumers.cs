using MassTransit;
using Pricing.Contracts.Events;
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
public sealed class CatalogVersionChangesConsumer(VersionPartHandler handler, ILogger<CatalogVersionChangesConsumer> logger) : IConsumer<CatalogVersionChanges>
{
    public async Task Consume(ConsumeContext<CatalogVersionChanges> context)
    {
        var part = context.Message;
        var first = await handler.ReceiveAsync(part, context.CancellationToken);
        logger.LogDebug("{Provider} v{Version} part {Part}/{Parts}: {First} first deliveries to watchers",
            part.Provider, part.CatalogVersion, part.Part, part.Parts, first);
    }
}

/// <summary>
/// On the queue every replica shares (when the history is in Redis): writes each version part to the history once and
/// lets the broker ack it only once Redis has it (<see cref="VersionPartHandler.RecordAsync"/>; a Redis outage it waits out).
/// </summary>
public sealed class CatalogVersionHistoryConsumer(VersionPartHandler handler) : IConsumer<CatalogVersionChanges>
{
    public Task Consume(ConsumeContext<CatalogVersionChanges> context) => handler.RecordAsync(context.Message, context.CancellationToken);
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
