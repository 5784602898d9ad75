using MassTransit;
using Pricing.Contracts.Events;

namespace Quotes.Consumers;

/// <summary>
/// Retry and per-offer ordering for <see cref="AcceleratorPriceChangedConsumer"/>, on whichever transport: MassTransit
/// applies a definition wherever the consumer is configured (<c>ConfigureEndpoints</c> on the in-memory bus, the
/// replica queue's <c>ConfigureConsumer</c> on RabbitMQ). Changes of one offer are handled one at a time in arrival
/// order (different offers in parallel), so watchers see each offer's changes in version order; many partitions,
/// because each change may wait on a history write and throughput comes from overlap.
/// </summary>
public sealed class AcceleratorPriceChangedConsumerDefinition : ConsumerDefinition<AcceleratorPriceChangedConsumer>
{
    public const int OfferPartitions = 64;

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<AcceleratorPriceChangedConsumer> consumerConfigurator, IRegistrationContext context)
    {
        var byOffer = endpointConfigurator.CreatePartitioner(OfferPartitions);
        consumerConfigurator.Message<AcceleratorPriceChanged>(m => m.UsePartitioner(byOffer, p => p.Message.OfferKey));
        consumerConfigurator.RetryUnlessInvalid();
    }
}

/// <summary>Retry for <see cref="CatalogPublishedConsumer"/> on either transport.</summary>
public sealed class CatalogPublishedConsumerDefinition : ConsumerDefinition<CatalogPublishedConsumer>
{
    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<CatalogPublishedConsumer> consumerConfigurator, IRegistrationContext context) =>
        consumerConfigurator.RetryUnlessInvalid();
}

/// <summary>Retry for <see cref="PriceChangeHistoryConsumer"/> on either transport (a Redis outage it waits out itself).</summary>
public sealed class PriceChangeHistoryConsumerDefinition : ConsumerDefinition<PriceChangeHistoryConsumer>
{
    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<PriceChangeHistoryConsumer> consumerConfigurator, IRegistrationContext context) =>
        consumerConfigurator.RetryUnlessInvalid();
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
