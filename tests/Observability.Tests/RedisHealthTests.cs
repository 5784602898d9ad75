using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Pricing.ServiceDefaults;
using Pricing.Testing;
using Quotes.Extensions;

namespace Observability.Tests;

/// <summary>/health/ready with Redis configured: Healthy when it answers PING, Degraded (still 200) when it does not.</summary>
public sealed class RedisHealthTests(RedisTestServer redis) : IClassFixture<RedisTestServer>
{
    [Fact]
    public async Task Ready_is_healthy_when_Redis_answers()
    {
        redis.SkipIfUnavailable();
        var (status, checks) = await ReadyAsync(redis.ConnectionString);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("Healthy", checks.GetProperty("redis").GetProperty("status").GetString());
    }

    [Fact]
    public async Task Ready_is_degraded_but_200_when_Redis_is_down()
    {
        var (status, checks) = await ReadyAsync($"127.0.0.1:{ClosedPort()}");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("Degraded", checks.GetProperty("redis").GetProperty("status").GetString());
    }

    private static async Task<(HttpStatusCode Status, JsonElement Checks)> ReadyAsync(string redisConnection)
    {
        var ct = TestContext.Current.CancellationToken;
        var builder = WebApplication.CreateBuilder(["--environment", "Production"]);
        builder.UseFreeLoopbackPort();
        builder.UseFreeLoopbackHttp1Port();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:redis"] = redisConnection,
            ["Redis:KeyPrefix"] = $"otel-test-{Guid.NewGuid():N}:",
            ["Quotes:QueueName"] = $"quotes-otel-{Guid.NewGuid():N}",
        });
        builder.Logging.SetMinimumLevel(LogLevel.Error);
        builder.Services.AddSingleton<System.Diagnostics.Metrics.IMeterFactory, NonDisposingMeterFactory>();
        var app = builder.BuildQuotesApp();
        await app.StartAsync(ct);
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri(app.BoundHttp1Address()) };
            using var response = await http.GetAsync("/health/ready", ct);
            var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
            return (response.StatusCode, json.RootElement.GetProperty("checks").Clone());
        }
        finally
        {
            await app.StopAsync(CancellationToken.None);
            await app.DisposeAsync();
        }
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
