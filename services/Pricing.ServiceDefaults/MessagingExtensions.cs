using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Pricing.Contracts.Events;
using RabbitMQ.Client;

namespace Pricing.ServiceDefaults;

public static class MessagingExtensions
{
    /// <summary>Connection string name holding the amqp URI (ConnectionStrings:rabbitmq).</summary>
    public const string RabbitMqConnectionName = "rabbitmq";

    /// <summary>
    /// Optional broker cluster nodes, comma-separated <c>host</c> or <c>host:port</c> (e.g. the three pods of a
    /// RabbitmqCluster): the client connects to one and moves to the next when its connection drops. User, password
    /// and vhost still come from the amqp URI in <c>ConnectionStrings:rabbitmq</c>; unset, its host is the only node.
    /// </summary>
    public const string ClusterNodesKey = "RabbitMq:ClusterNodes";

    /// <summary>
    /// MassTransit on RabbitMQ when <c>ConnectionStrings:rabbitmq</c> is set, else the in-memory transport.
    /// On RabbitMQ, <see cref="AcceleratorPriceChanged"/> goes to the durable topic exchange
    /// <see cref="PriceChangeTopology.ExchangeName"/> with routing key {provider}.{region}.{accelerator}.{model};
    /// publisher confirms stay on (MassTransit's default), so a publish completes only once the broker has it.
    /// How a consumer is handled (retry, partitioning) belongs in its <see cref="ConsumerDefinition{TConsumer}"/>, which
    /// applies on both transports; <paramref name="configureRabbitEndpoints"/> adds only what the broker needs (queues,
    /// bindings, prefetch). On the in-memory bus each consumer gets an endpoint of its own, named by the kebab-case formatter.
    /// </summary>
    public static IHostApplicationBuilder AddPricingMessaging(
        this IHostApplicationBuilder builder,
        Action<IBusRegistrationConfigurator>? registerConsumers = null,
        Action<IBusRegistrationContext, IRabbitMqBusFactoryConfigurator>? configureRabbitEndpoints = null)
    {
        var connectionString = builder.Configuration.GetConnectionString(RabbitMqConnectionName);
        // Messaging:Transport=InMemory forces the in-memory bus even with a broker configured.
        var useRabbit = RabbitConnections.UsesRabbitMq(builder.Configuration);
        var clusterNodes = builder.Configuration[ClusterNodesKey]?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];

        // The host counts as started only once the bus is connected and its queues are bound, so nothing a
        // service publishes right after start-up can miss a consumer that was declared in the same process.
        builder.Services.AddOptions<MassTransitHostOptions>().Configure(o =>
        {
            o.WaitUntilStarted = true;
            o.StartTimeout = TimeSpan.FromSeconds(60);
            o.StopTimeout = TimeSpan.FromSeconds(30);
        });
        builder.Services.AddMassTransit(x =>
        {
            x.SetKebabCaseEndpointNameFormatter();
            // MassTransit 8.5 reports usage to its vendor by default; a price service has no business calling out.
            x.DisableUsageTelemetry();
            registerConsumers?.Invoke(x);

            if (useRabbit)
            {
                x.UsingRabbitMq((context, cfg) =>
                {
                    cfg.Host(new Uri(connectionString!), h =>
                    {
                        if (clusterNodes.Length > 0)
                        {
                            h.UseCluster(c =>
                            {
                                foreach (var node in clusterNodes)
                                {
                                    c.Node(node);
                                }
                            });
                        }
                    });
                    cfg.Message<AcceleratorPriceChanged>(m => m.SetEntityName(PriceChangeTopology.ExchangeName));
                    cfg.Publish<AcceleratorPriceChanged>(p => p.ExchangeType = ExchangeType.Topic);
                    cfg.Send<AcceleratorPriceChanged>(s => s.UseRoutingKeyFormatter(c => c.Message.RoutingKey));
                    cfg.Message<CatalogPublished>(m => m.SetEntityName(PriceChangeTopology.CatalogPublishedExchangeName));
                    cfg.Message<CatalogVersionChanges>(m => m.SetEntityName(PriceChangeTopology.CatalogVersionsExchangeName));
                    configureRabbitEndpoints?.Invoke(context, cfg);
                });
            }
            else
            {
                x.UsingInMemory((context, cfg) => cfg.ConfigureEndpoints(context));
            }
        });

        return builder;
    }
}
