using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Pricing.Testing;

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
        // Anonymous probes learn that Redis is down, not where it lives.
        var description = checks.GetProperty("redis").GetProperty("description").GetString();
        Assert.StartsWith("Redis unreachable", description);
        Assert.DoesNotContain("127.0.0.1", description);
    }

    private static Task<(HttpStatusCode Status, JsonElement Checks)> ReadyAsync(string redisConnection) =>
        QuotesReadiness.ReadyAsync(new Dictionary<string, string?>
        {
            ["ConnectionStrings:redis"] = redisConnection,
            ["Redis:KeyPrefix"] = $"otel-test-{Guid.NewGuid():N}:",
            ["Quotes:QueueName"] = $"quotes-otel-{Guid.NewGuid():N}",
        }, TestContext.Current.CancellationToken);

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
