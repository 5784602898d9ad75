using System.Net;
using Pricing.ServiceDefaults;
using Pricing.Testing;

namespace Observability.Tests;

/// <summary>
/// RabbitMq:ClusterNodes (the prod overlay's list of the RabbitmqCluster's pods): the bus connects through the
/// listed nodes, not the amqp URI's host, while user, password and vhost still come from the URI.
/// </summary>
public sealed class BrokerClusterNodesTests(RabbitMqTestServer rabbit) : IClassFixture<RabbitMqTestServer>
{
    [Fact]
    public async Task The_bus_connects_through_the_cluster_nodes_when_the_URI_host_does_not_resolve()
    {
        rabbit.SkipIfUnavailable();
        var ct = TestContext.Current.CancellationToken;
        // A vhost of its own (deleted with the fixture), so the test's durable queue does not outlive it.
        var broker = new Uri(await rabbit.CreateVirtualHostAsync($"cluster-nodes-{Guid.NewGuid():N}"));
        // The URI keeps the credentials and vhost; its host is a name that never resolves (RFC 2606 ".invalid").
        var unresolvable = new UriBuilder(broker) { Host = "broker-host-from-uri.invalid" }.Uri.ToString();
        // The start waits for the bus to connect (MassTransitHostOptions.WaitUntilStarted), then readiness reports it.
        var (status, checks) = await QuotesReadiness.ReadyAsync(new Dictionary<string, string?>
        {
            ["ConnectionStrings:rabbitmq"] = unresolvable,
            // The first node never resolves either: the client moves on to the next.
            [MessagingExtensions.ClusterNodesKey] = $"unreachable-node.invalid:{broker.Port}, {broker.Host}:{broker.Port}",
            ["Quotes:QueueName"] = $"quotes-cluster-nodes-{Guid.NewGuid():N}",
        }, ct);
        Assert.Equal(HttpStatusCode.OK, status);
        var bus = checks.EnumerateObject().Single(c => c.Value.GetProperty("tags").EnumerateArray().Any(t => t.GetString() == "masstransit"));
        Assert.Equal("Healthy", bus.Value.GetProperty("status").GetString());
    }
}
