using MassTransit;
using MassTransit.Configuration;
using Microsoft.Extensions.Options;
using Quotes.Sync;
using Pricing.Contracts.Events;

namespace Quotes.Consumers;

/// <summary>
/// Batching, the gate and retry for <see cref="AcceleratorPriceChangedConsumer"/>, on whichever transport: MassTransit
/// applies a definition wherever the consumer is configured (<c>ConfigureEndpoints</c> on the in-memory bus, the
/// replica queue's <c>ConfigureConsumer</c> on RabbitMQ). See <see cref="PriceChangeBatching"/>.
/// </summary>
public sealed class AcceleratorPriceChangedConsumerDefinition : ConsumerDefinition<AcceleratorPriceChangedConsumer>
{
    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<AcceleratorPriceChangedConsumer> consumerConfigurator, IRegistrationContext context) =>
        PriceChangeBatching.Configure(endpointConfigurator, consumerConfigurator, context);
}

/// <summary>Batching, the gate and retry for <see cref="PriceChangeHistoryConsumer"/> on either transport (a Redis outage it waits out itself).</summary>
public sealed class PriceChangeHistoryConsumerDefinition : ConsumerDefinition<PriceChangeHistoryConsumer>
{
    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<PriceChangeHistoryConsumer> consumerConfigurator, IRegistrationContext context) =>
        PriceChangeBatching.Configure(endpointConfigurator, consumerConfigurator, context);
}

/// <summary>
/// How price changes are consumed: in batches (<c>IConsumer&lt;Batch&lt;AcceleratorPriceChanged&gt;&gt;</c>), so a burst
/// of a thousand changes costs a few history writes, fan-outs and view updates instead of a thousand of each.
/// <list type="bullet">
/// <item>Each change passes <see cref="PriceEventGate"/> on its own, before it joins a batch
/// (<see cref="PriceEventGateFilter"/>): a forged change goes to the error queue alone, never taking the genuine changes
/// batched with it.</item>
/// <item>A batch is delivered when it holds <see cref="QuotesOptions.PriceChangeBatchSize"/> changes (1,000) or
/// <see cref="QuotesOptions.PriceChangeBatchTimeLimit"/> (5 ms) after its first change arrived, whichever is first: under load,
/// batches grow; a lone change waits at most the time limit. MassTransit closes a batch at the time limit even while the
/// one before it is still being handled, so one batch's handling (a Redis round trip plus the per-change work) should
/// fit in about that time, or small batches queue up behind each other.</item>
/// <item>One batch at a time per endpoint (<c>ConcurrencyLimit</c> 1), in the order they were collected, and each in
/// version order: every offer's changes reach the history, the watchers and the view in version order (what per-offer
/// partitioning did per message).</item>
/// <item>Retry (<see cref="PriceEventRetry"/>) retries the whole batch; appends and the fan-out are idempotent by
/// (provider, version, offer), so what made it the first time is not repeated. A batch that still fails sends each of
/// its messages to the error queue.</item>
/// </list>
/// </summary>
public static class PriceChangeBatching
{
    public static void Configure<TConsumer>(IReceiveEndpointConfigurator endpoint, IConsumerConfigurator<TConsumer> consumer, IRegistrationContext context)
        where TConsumer : class, IConsumer<Batch<AcceleratorPriceChanged>>
    {
        // The gate is resolved when the first change arrives, not here: the bus is being built now, and the gate's own
        // dependencies (the catalog snapshot clients; in the embedded default, the provider catalogs that publish on
        // this bus) would wait for it.
        endpoint.AddPipeSpecification(new PriceEventGateFilter(new Lazy<PriceEventGate>(context.GetRequiredService<PriceEventGate>)));
        // Quotes:PriceChangeBatchSize and Quotes:PriceChangeBatchTimeLimit; one batch at a time keeps every offer's changes in order.
        var options = context.GetRequiredService<IOptions<QuotesOptions>>().Value;
        consumer.Options<BatchOptions>(o => o.SetMessageLimit(Math.Max(1, options.PriceChangeBatchSize)).SetConcurrencyLimit(1)
            .SetTimeLimit(options.PriceChangeBatchTimeLimit > TimeSpan.Zero ? options.PriceChangeBatchTimeLimit : TimeSpan.FromMilliseconds(1)));
        consumer.RetryUnlessInvalid();
    }
}

/// <summary>
/// Checks each <see cref="AcceleratorPriceChanged"/> against <see cref="PriceEventGate"/> as the endpoint receives it,
/// before any consumer (or batch) sees it: an invalid one faults alone and goes to the error queue, never retried.
/// </summary>
public sealed class PriceEventGateFilter(Lazy<PriceEventGate> gate) : IFilter<ConsumeContext<AcceleratorPriceChanged>>, IPipeSpecification<ConsumeContext<AcceleratorPriceChanged>>
{
    public Task Send(ConsumeContext<AcceleratorPriceChanged> context, IPipe<ConsumeContext<AcceleratorPriceChanged>> next)
    {
        gate.Value.Check(context.Message);
        return next.Send(context);
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("priceEventGate");

    public void Apply(IPipeBuilder<ConsumeContext<AcceleratorPriceChanged>> builder) => builder.AddFilter(this);

    public IEnumerable<ValidationResult> Validate() => [];
}

/// <summary>Retry for <see cref="CatalogPublishedConsumer"/> on either transport.</summary>
public sealed class CatalogPublishedConsumerDefinition : ConsumerDefinition<CatalogPublishedConsumer>
{
    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<CatalogPublishedConsumer> consumerConfigurator, IRegistrationContext context) =>
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
