using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace Pricing.ServiceDefaults;

/// <summary>
/// PINGs Redis when the service uses it (an <see cref="IConnectionMultiplexer"/> is registered; otherwise Healthy,
/// "not configured"). An unreachable Redis is <b>Degraded</b>, not Unhealthy: Redis only caches quotes and keeps
/// history, and "Redis down means slower, never wrong and never failed", so the instance keeps receiving traffic
/// (Degraded answers 200 on /health/ready) while the body and the gRPC health service name the problem.
/// </summary>
public sealed class RedisHealthCheck(IServiceProvider services, Microsoft.Extensions.Logging.ILogger<RedisHealthCheck> logger) : IHealthCheck
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (services.GetService<IConnectionMultiplexer>() is not { } redis)
        {
            return HealthCheckResult.Healthy("Redis is not configured.");
        }

        try
        {
            var latency = await redis.GetDatabase().PingAsync().WaitAsync(Timeout, cancellationToken);
            return HealthCheckResult.Healthy($"PING {latency.TotalMilliseconds:F1} ms");
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            // /health/ready is anonymous: the answer names the failure's kind only; its text (endpoints, client names)
            // goes to the log.
            Microsoft.Extensions.Logging.LoggerExtensions.LogWarning(logger, "Redis health check failed: {Error}", ex.Message);
            return new HealthCheckResult(context.Registration.FailureStatus, $"Redis unreachable ({ex.GetType().Name}); details in the service log.");
        }
    }
}

/// <summary>The health report as JSON: overall status and one entry per check, so operators see what is degraded.</summary>
public static class HealthResponse
{
    public static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        var body = new
        {
            status = report.Status.ToString(),
            durationMs = Math.Round(report.TotalDuration.TotalMilliseconds, 1),
            checks = report.Entries.ToDictionary(e => e.Key, e => new
            {
                status = e.Value.Status.ToString(),
                description = e.Value.Description,
                durationMs = Math.Round(e.Value.Duration.TotalMilliseconds, 1),
                tags = e.Value.Tags,
            }),
        };
        return context.Response.WriteAsync(JsonSerializer.Serialize(body));
    }
}
