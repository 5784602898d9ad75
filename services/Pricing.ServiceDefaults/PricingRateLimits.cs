using System.Globalization;
using System.Threading.RateLimiting;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection;

namespace Pricing.ServiceDefaults;

/// <summary>
/// Per-caller rate limits (ASP.NET Core rate limiting, partitioned by <see cref="CallerIdentity"/>): a token bucket
/// for every request, a fixed window per minute for <c>/admin/*</c>, none for health and metrics. A refused gRPC call
/// gets <c>ResourceExhausted</c> with <c>google.rpc.RetryInfo</c>; a refused HTTP request 429 with <c>Retry-After</c>.
/// </summary>
public static class PricingRateLimits
{
    public static IServiceCollection AddPricingRateLimits(this IServiceCollection services, PricingLimitsOptions limits)
    {
        services.AddRateLimiter(o =>
        {
            o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
            {
                var path = context.Request.Path;
                if (IsUnlimited(path))
                {
                    return RateLimitPartition.GetNoLimiter("unlimited");
                }

                var caller = CallerIdentity.KeyOf(context);
                return path.StartsWithSegments("/admin")
                    ? RateLimitPartition.GetFixedWindowLimiter("admin " + caller, _ => new FixedWindowRateLimiterOptions
                    {
                        PermitLimit = limits.AdminRequestsPerMinutePerCaller,
                        Window = TimeSpan.FromMinutes(1),
                        QueueLimit = 0,
                    })
                    : RateLimitPartition.GetTokenBucketLimiter(caller, _ => new TokenBucketRateLimiterOptions
                    {
                        TokenLimit = limits.RequestBurstPerCaller,
                        TokensPerPeriod = limits.RequestsPerSecondPerCaller,
                        ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                        QueueLimit = 0,
                    });
            });
            o.OnRejected = async (rejected, _) =>
            {
                var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : TimeSpan.FromSeconds(1);
                var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
                var context = rejected.HttpContext;
                var message = $"Rate limit reached for this caller; retry in {seconds} s.";
                if (GrpcErrorResponse.IsGrpc(context.Request))
                {
                    await GrpcErrorResponse.WriteAsync(context, StatusCode.ResourceExhausted, message, RequestLimitsInterceptor.RetryInfoOf(TimeSpan.FromSeconds(seconds)));
                    return;
                }

                context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
                context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                await context.Response.WriteAsync(message);
            };
        });
        return services;
    }

    private static bool IsUnlimited(PathString path) =>
        path.StartsWithSegments("/health") || path.StartsWithSegments("/metrics") || path.StartsWithSegments("/grpc.health.v1.Health");
}

/// <summary>
/// Puts the unary deadline, authentication, the open-access gate and the rate limiter in front of every app that uses the service
/// defaults, before routing: a caller is identified before it is counted, and nothing is served on an open
/// non-loopback port. (Authorization itself runs after routing, where it sees each endpoint's policy.)
/// </summary>
internal sealed class PricingSecurityStartupFilter(PricingAuthOptions auth, PricingLimitsOptions limits) : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        var deadlines = new UnaryDeadlines(app.ApplicationServices.GetRequiredService<Microsoft.AspNetCore.Routing.EndpointDataSource>(), limits.MaxUnaryCallDuration);
        app.Use((context, nextMiddleware) =>
        {
            deadlines.Apply(context.Request);
            return nextMiddleware(context);
        });
        if (auth.Enabled)
        {
            app.UseAuthentication();
        }
        else
        {
            var guard = app.ApplicationServices.GetRequiredService<OpenAccessGuard>();
            app.Use((context, nextMiddleware) =>
            {
                if (guard.Checked)
                {
                    return nextMiddleware(context);
                }

                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                return Task.CompletedTask;
            });
        }

        app.UseRateLimiter();
        next(app);
    };
}
