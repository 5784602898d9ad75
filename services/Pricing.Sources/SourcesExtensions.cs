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
        builder.Services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<ScrapeOptions>>().Value;
            var logger = sp.GetRequiredService<ILogger<ProviderPriceCatalog>>();
            return new ProviderPriceCatalog(
                sp.GetRequiredService<TSource>(),
                sp.GetRequiredService<OfferValidator>(),
                sp.GetRequiredService<IBus>(),
                options,
                sp.GetRequiredService<TimeProvider>(),
                logger,
                string.IsNullOrWhiteSpace(options.StateDirectory) ? null : new ScrapeState(options.StateDirectory, logger),
                sp.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping,
                sp.GetService<ISubscriberChangePublisher>());
        });
        if (RabbitSubscriberChangePublisher.IsUsed(builder.Configuration))
        {
            // One per process, however many providers it hosts.
            builder.Services.TryAddSingleton<ISubscriberChangePublisher, RabbitSubscriberChangePublisher>();
        }
        // Once per process however many providers it hosts: AddHostedService de-duplicates.
        builder.Services.AddHostedService<ScrapeWorker>();
        // "Scrape now (these regions)": one queue and one worker per process, for every hosted provider.
        builder.Services.TryAddSingleton<ScrapeTrigger>();
        builder.Services.AddHostedService<TriggeredScrapeWorker>();

        return builder;
    }

    /// <summary>
    /// The resilience every provider HTTP client gets: retries with jittered exponential back-off that honour
    /// <c>Retry-After</c>, a per-attempt timeout, a total timeout and a circuit breaker.
    /// Settings bind from <c>Http:{name}</c>. Below the resilience handler, each body is read whole (into memory, or
    /// large ones to disk, as <paramref name="bodies"/> says), so the per-attempt timeout covers the body too.
    /// </summary>
    public static IHttpClientBuilder AddProviderHttpClient(this IHostApplicationBuilder builder, string name, ResponseBodies bodies = ResponseBodies.Buffered)
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
        client.AddHttpMessageHandler(() => bodies == ResponseBodies.SpooledToDisk ? new SpooledBodyHandler() : new BufferedBodyHandler());
        return client;
    }

    public static IEndpointRouteBuilder MapProviderCatalog(this IEndpointRouteBuilder app)
    {
        app.MapGrpcService<ProviderCatalogGrpcService>();
        // For operators and tests: scrape every hosted provider now, and say what happened. Changes state, so admin
        // only (and rate-limited per caller under /admin, see PricingRateLimits).
        app.MapPost("/admin/scrape", ScrapeOnDemandAsync).RequireAuthorization(PricingAuthOptions.AdminPolicy);
        return app;
    }

    /// <summary>
    /// Starts (or joins) an on-demand scrape of every hosted provider and waits for the outcomes. At most one per
    /// provider runs at a time and they start at most every <see cref="ScrapeOptions.OnDemandMinInterval"/> (429 with
    /// Retry-After otherwise). The scrapes do not run on the request: a caller that disconnects stops nothing.
    /// </summary>
    private static async Task<IResult> ScrapeOnDemandAsync(IEnumerable<ProviderPriceCatalog> catalogs, HttpContext http, CancellationToken ct)
    {
        var started = new List<(ProviderPriceCatalog Catalog, Task<ScrapeOutcome> Scrape)>();
        var wait = TimeSpan.Zero;
        foreach (var catalog in catalogs)
        {
            if (catalog.TryScrapeOnDemand(out var scrape, out var retryAfter))
            {
                started.Add((catalog, scrape));
            }
            else
            {
                wait = retryAfter > wait ? retryAfter : wait;
            }
        }

        if (started.Count == 0)
        {
            var seconds = (int)Math.Ceiling(wait.TotalSeconds);
            http.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return Results.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Scraped moments ago",
                detail: $"An on-demand scrape started less than the minimum interval ago; retry in {seconds} s.");
        }

        var outcomes = new List<object>();
        foreach (var (catalog, scrape) in started)
        {
            var outcome = await scrape.WaitAsync(ct);
            outcomes.Add(new { catalog.Provider, Result = outcome.Kind.ToString(), outcome.Version, outcome.Offers, outcome.Changes, outcome.Quarantined, outcome.Error });
        }

        return Results.Ok(outcomes);
    }
}
