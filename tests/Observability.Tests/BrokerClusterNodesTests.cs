using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Pricing.ServiceDefaults;
using Pricing.Testing;
using Quotes.Extensions;

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
        var builder = WebApplication.CreateBuilder(["--environment", "Production"]);
        builder.UseFreeLoopbackPort();
        builder.UseFreeLoopbackHttp1Port();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:rabbitmq"] = unresolvable,
            [MessagingExtensions.ClusterNodesKey] = $"unreachable-node.invalid:{broker.Port}, {broker.Host}:{broker.Port}",
            ["Quotes:QueueName"] = $"quotes-cluster-nodes-{Guid.NewGuid():N}",
        });
        builder.Logging.SetMinimumLevel(LogLevel.Error);
        builder.Services.AddSingleton<System.Diagnostics.Metrics.IMeterFactory, NonDisposingMeterFactory>();
        var app = builder.BuildQuotesApp();
        // MassTransitHostOptions.WaitUntilStarted: the start completes only once the bus is connected.
        await app.StartAsync(ct);
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri(app.BoundHttp1Address()) };
            using var response = await http.GetAsync("/health/ready", ct);
            var body = await response.Content.ReadAsStringAsync(ct);
            Assert.True(response.StatusCode == HttpStatusCode.OK, body);
            using var json = JsonDocument.Parse(body);
            var bus = json.RootElement.GetProperty("checks").EnumerateObject()
                .Single(c => c.Value.GetProperty("tags").EnumerateArray().Any(t => t.GetString() == "masstransit"));
            Assert.Equal("Healthy", bus.Value.GetProperty("status").GetString());
        }
        finally
        {
            await app.StopAsync(CancellationToken.None);
            await app.DisposeAsync();
        }
    }
}
