using MassTransit;
using Pricing.Catalog;
using Pricing.Contracts.Events;
using Pricing.Quoting;
using Pricing.ServiceDefaults;
using Quotes.History;

namespace Quotes.Consumers;

/// <summary>
/// Records one offer's change in the history, tells live watchers, then applies it to the price view. Idempotent by (provider, catalog version, offer key), so an
/// at-least-once redelivery changes nothing; the message is acked only after the view holds it.
/// </summary>
public sealed class AcceleratorPriceChangedConsumer(PriceView view, PriceChangeFeed feed, ILogger<AcceleratorPriceChangedConsumer> logger) : IConsumer<AcceleratorPriceChanged>
{
    public async Task Consume(ConsumeContext<AcceleratorPriceChanged> context)
    {
        var m = context.Message;
        if (m.Kind != PriceChangeKind.Removed && m.Offer is null)
        {
            // A poison message: retrying cannot fix it, so it goes to the error queue, visible, not acked-and-lost.
            throw new InvalidOperationException($"{m.Kind} change of {m.OfferKey} (version {m.CatalogVersion}) carries no offer.");
        }

        // History and watchers first, then the view: once the view shows a version, every change of it has
        // been recorded and sent to watchers (the feed drops a change it has already passed on).
        var first = await feed.RecordAsync(m, context.CancellationToken);
        var result = view.ApplyChange(m.Provider, m.CatalogVersion, new OfferChange(m.Kind, m.OfferKey, null, m.Offer));
        PricingTelemetry.RecordConsumed(m.Provider, nameof(AcceleratorPriceChanged));
        logger.LogDebug("{Provider} v{Version} {Kind} {OfferKey}: {Result}, first delivery {First}", m.Provider, m.CatalogVersion, m.Kind, m.OfferKey, result, first);
    }
}

/// <summary>Announces a version's change count; completing it makes the version visible to quotes.</summary>
public sealed class CatalogPublishedConsumer(PriceView view, CatalogTraceLinks traceLinks, ILogger<CatalogPublishedConsumer> logger) : IConsumer<CatalogPublished>
{
    public Task Consume(ConsumeContext<CatalogPublished> context)
    {
        var m = context.Message;
        var result = view.ApplyPublished(m.Provider, m.CatalogVersion, m.ChangeCount, m.AsOf, m.PreviousVersion);
        PricingTelemetry.RecordConsumed(m.Provider, nameof(CatalogPublished));
        // Quotes over this version link to this consume span (and so to the scrape's trace).
        traceLinks.Remember(m.Provider, m.CatalogVersion);
        logger.LogInformation("{Provider} published v{Version} ({Changes} changes): {Result}", m.Provider, m.CatalogVersion, m.ChangeCount, result);
        return Task.CompletedTask;
    }
}
