using Microsoft.Extensions.Configuration;
using RabbitMQ.Client;

namespace Pricing.ServiceDefaults;

/// <summary>
/// The RabbitMQ.Client connection our own hot paths open beside MassTransit's (Quotes' version-part consumer, the
/// providers' per-change publisher): the same amqp URI (<c>ConnectionStrings:rabbitmq</c>) and the same nodes
/// (<see cref="MessagingExtensions.ClusterNodesKey"/>), so a deployment configures the broker once.
/// </summary>
public static class RabbitConnections
{
    /// <summary>Whether this process talks to RabbitMQ (a connection string, and <c>Messaging:Transport</c> not InMemory).</summary>
    public static bool UsesRabbitMq(IConfiguration configuration) =>
        !string.Equals(configuration["Messaging:Transport"], "InMemory", StringComparison.OrdinalIgnoreCase)
        && !string.IsNullOrWhiteSpace(configuration.GetConnectionString(MessagingExtensions.RabbitMqConnectionName));

    /// <summary>A factory for the configured broker that recovers its connection and channels by itself.</summary>
    public static ConnectionFactory Factory(IConfiguration configuration) => new()
    {
        Uri = new Uri(configuration.GetConnectionString(MessagingExtensions.RabbitMqConnectionName)!),
        AutomaticRecoveryEnabled = true,
        TopologyRecoveryEnabled = true,
        NetworkRecoveryInterval = TimeSpan.FromSeconds(1),
        ConsumerDispatchConcurrency = 1,
    };

    /// <summary>The nodes to try in turn: <c>RabbitMq:ClusterNodes</c> (host or host:port), else the URI's host.</summary>
    public static List<AmqpTcpEndpoint> Endpoints(IConfiguration configuration, ConnectionFactory factory) =>
        (configuration[MessagingExtensions.ClusterNodesKey]?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [])
            .Select(node => AmqpTcpEndpoint.Parse(node.Contains(':', StringComparison.Ordinal) ? node : $"{node}:{factory.Port}"))
            .Select(e => new AmqpTcpEndpoint(e.HostName, e.Port, factory.Ssl))
            .DefaultIfEmpty(factory.Endpoint)
            .ToList();
}
