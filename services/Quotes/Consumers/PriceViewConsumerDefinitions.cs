using MassTransit;
using Pricing.Contracts.Events;

namespace Quotes.Consumers;

/// <summary>
/// One version part at a time, in queue order, and retry, for a version-part consumer on whichever transport:
/// MassTransit applies a definition wherever the consumer is configured (<c>ConfigureEndpoints</c> on the in-memory
/// bus, the queue's <c>ConfigureConsumer</c> on RabbitMQ).
/// </summary>
public abstract class VersionPartConsumerDefinition<TConsumer> : ConsumerDefinition<TConsumer>
    where TConsumer : class, IConsumer
{
    protected VersionPartConsumerDefinition()
    {
        ConcurrentMessageLimit = 1;
        Endpoint(e =>
        {
            e.ConcurrentMessageLimit = 1;
            e.PrefetchCount = VersionPartConsumption.Prefetch;
        });
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<TConsumer> consumerConfigurator, IRegistrationContext context) =>
        consumerConfigurator.RetryUnlessInvalid();
}

/// <summary>The replica's view and watchers: <see cref="CatalogVersionChangesConsumer"/>.</summary>
public sealed class CatalogVersionChangesConsumerDefinition : VersionPartConsumerDefinition<CatalogVersionChangesConsumer>;

/// <summary>The shared history: <see cref="CatalogVersionHistoryConsumer"/> (a Redis outage it waits out itself).</summary>
public sealed class CatalogVersionHistoryConsumerDefinition : VersionPartConsumerDefinition<CatalogVersionHistoryConsumer>;

/// <summary>
/// How version parts are consumed: one at a time per queue (what keeps every offer's changes in version order: a
/// provider publishes version N+1 only once every part of N is confirmed, so they are queued in that order), with a
/// prefetch of <see cref="Prefetch"/> parts so the next is already here while one is handled. A part holds up to a
/// thousand or so changes, so MassTransit's per-message cost is paid once per part, not once per change.
/// </summary>
public static class VersionPartConsumption
{
    public const int Prefetch = 8;
}

public static class PriceEventRetry
{
    /// <summary>Three retries (100 ms, 500 ms, 1 s), then the error queue; an event that breaks the rules goes there at once.</summary>
    public static readonly TimeSpan[] Intervals = [TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(1)];

    public static void RetryUnlessInvalid<TConsumer>(this IConsumerConfigurator<TConsumer> consumer)
        where TConsumer : class =>
        consumer.UseMessageRetry(r =>
        {
            r.Ignore<InvalidPriceEventException>();
            r.Intervals(Intervals);
        });
}
