using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Polly;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Pricing.Catalog;
using Pricing.ServiceDefaults;
using Pricing.Sources.Grpc;

namespace Pricing.Sources;

public static class SourcesExtensions
{
    /// <summary>
    /// Numbers catalog versions from the clock unless configured otherwise, so a restarted provider continues above
    /// the versions its consumers already hold (they would drop lower ones as already seen).
    /// </summary>
    public static IHostApplicationBuilder UseRestartSafeCatalogVersions(this IHostApplicationBuilder builder)
    {
        builder.Configuration[$"{ScrapeOptions.Section}:{nameof(ScrapeOptions.FirstVersion)}"] ??= ScrapeOptions.ClockVersions;
        return builder;
    }

    /// <summary>Hosts one provider's catalog: scraped from <typeparamref name="TSource"/>, served over gRPC.</summary>
    public static IHostApplicationBuilder AddProviderCatalog<TSource>(this IHostApplicationBuilder builder)
        where TSource : class, IPriceSource
    {
        builder.Services.AddOptions<ScrapeOptions>().BindConfiguration(ScrapeOptions.Section);
        builder.Services.TryAddSingleton(AcceleratorRegistry.Default);
        builder.Services.TryAddSingleton(sp => new OfferValidator(sp.GetRequiredService<AcceleratorRegistry>()));
        builder.Services.TryAddSingleton<TSource>();
        builder.Services.AddSingleton(sp => new ProviderPriceCatalog(
            sp.GetRequiredService<TSource>(),
            sp.GetRequiredService<OfferValidator>(),
            sp.GetRequiredService<IBus>(),
            sp.GetRequiredService<IOptions<ScrapeOptions>>().Value,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<ProviderPriceCatalog>>()));
        // Once per process however many providers it hosts: AddHostedService de-duplicates.
        builder.Services.AddHostedService<ScrapeWorker>();

        return builder;
    }

    /// <summary>
    /// The resilience every provider HTTP client gets: retries with jittered exponential back-off that honour
    /// <c>Retry-After</c>, a per-attempt timeout, a total timeout and a circuit breaker.
    /// Settings bind from <c>Http:{name}</c>.
    /// </summary>
    public static IHttpClientBuilder AddProviderHttpClient(this IHostApplicationBuilder builder, string name)
    {
        // A named client taken from IHttpClientFactory per scrape, so handlers rotate (DNS changes are seen).
        var client = builder.Services.AddHttpClient(name);
        client.AddResilienceHandler(name, (pipeline, context) =>
        {
            var settings = context.ServiceProvider.GetRequiredService<IConfiguration>().GetSection($"Http:{name}");
            var retries = settings.GetValue("MaxRetries", 4);
            var baseDelay = settings.GetValue("RetryBaseDelay", TimeSpan.FromSeconds(1));
            var attemptTimeout = settings.GetValue("AttemptTimeout", TimeSpan.FromSeconds(30));
            var totalTimeout = settings.GetValue("TotalTimeout", TimeSpan.FromMinutes(3));

            pipeline.AddTimeout(totalTimeout);
            pipeline.AddRetry(new HttpRetryStrategyOptions
            {
                MaxRetryAttempts = retries,
                Delay = baseDelay,
                BackoffType = Polly.DelayBackoffType.Exponential,
                UseJitter = true,
                ShouldRetryAfterHeader = true,
            });
            pipeline.AddCircuitBreaker(new HttpCircuitBreakerStrategyOptions
            {
                FailureRatio = 0.9,
                MinimumThroughput = 10,
                SamplingDuration = TimeSpan.FromSeconds(60),
                BreakDuration = TimeSpan.FromSeconds(15),
            });
            pipeline.AddTimeout(attemptTimeout);
        });
        client.AddHttpMessageHandler(() => new BufferedBodyHandler());
        return client;
    }

    public static IEndpointRouteBuilder MapProviderCatalog(this IEndpointRouteBuilder app)
    {
        app.MapGrpcService<ProviderCatalogGrpcService>();
        // For operators and tests: scrape every hosted provider now, and say what happened. Changes state, so admin
        // only (and rate-limited per caller under /admin, see PricingRateLimits).
        app.MapPost("/admin/scrape", async (IEnumerable<ProviderPriceCatalog> catalogs, CancellationToken ct) =>
        {
            var outcomes = new List<object>();
            foreach (var catalog in catalogs)
            {
                var outcome = await catalog.ScrapeOnceAsync(ct);
                outcomes.Add(new { catalog.Provider, Result = outcome.Kind.ToString(), outcome.Version, outcome.Offers, outcome.Changes, outcome.Quarantined, outcome.Error });
            }

            return Results.Ok(outcomes);
        }).RequireAuthorization(PricingAuthOptions.AdminPolicy);
        return app;
    }
}
