using MassTransit;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Pricing.Catalog;
using Pricing.Contracts.Events;
using Pricing.Quoting;
using Pricing.ServiceDefaults;
using Quotes.Caching;
using Quotes.Consumers;
using Quotes.Grpc;
using Quotes.Sync;
using RabbitMQ.Client;
using StackExchange.Redis;

namespace Quotes.Extensions;

public static class QuotesExtensions
{
    /// <summary>The Quotes deployable, composed once: Program.cs and the end-to-end tests both build it here.</summary>
    public static WebApplication BuildQuotesApp(this WebApplicationBuilder builder)
    {
        builder.AddServiceDefaults();
        builder.AddPricingMessaging(RegisterConsumers, ConfigureRabbitEndpoints);
        builder.AddQuotes();
        var app = builder.Build();
        app.MapDefaultEndpoints();
        app.MapQuotes();
        return app;
    }

    public const string RedisConnectionName = "redis";

    /// <summary>The price view, the engine, the quote cache (Redis when ConnectionStrings:redis is set) and catalog sync.</summary>
    public static IHostApplicationBuilder AddQuotes(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<QuotesOptions>().BindConfiguration(QuotesOptions.Section);
        services.TryAddSingleton(AcceleratorRegistry.Default);
        services.TryAddSingleton(EfficiencyModel.Default);
        services.TryAddSingleton(InstanceCapabilities.Default);
        services.TryAddSingleton(ProviderCosts.Default);
        services.TryAddSingleton(EnergyFactors.Default);
        services.TryAddSingleton(ModelDefaults.Default);
        services.TryAddSingleton(sp => new QuoteEngine(
            sp.GetRequiredService<AcceleratorRegistry>(), sp.GetRequiredService<EfficiencyModel>(), sp.GetRequiredService<InstanceCapabilities>(),
            sp.GetRequiredService<ProviderCosts>(), sp.GetRequiredService<EnergyFactors>(), sp.GetRequiredService<ModelDefaults>()));
        services.TryAddSingleton<PriceView>();
        // Sized in bytes: HybridCache gives each L1 entry its serialized length as its size.
        services.AddMemoryCache();
        services.AddOptions<Microsoft.Extensions.Caching.Memory.MemoryCacheOptions>()
            .Configure<IOptions<QuotesOptions>>((memory, quotes) => memory.SizeLimit = quotes.Value.QuoteCacheMemoryBytes);
        services.TryAddSingleton<ICatalogSnapshotClient, GrpcCatalogSnapshotClient>();
        services.AddSingleton<CatalogSyncWorker>();
        services.AddHostedService(sp => sp.GetRequiredService<CatalogSyncWorker>());
        builder.AddPriceChanges();

        // HybridCache: L1 in process (the IMemoryCache above), L2 the IDistributedCache below when Redis is configured.
        services.AddHybridCache(o =>
        {
            // A quote listing many options is tens of kilobytes; never let one bypass the cache for its size.
            o.MaximumPayloadBytes = 16 * 1024 * 1024;
        }).AddSerializer<CachedQuote, CachedQuoteSerializer>();
        var redisConnection = builder.Configuration.GetConnectionString(RedisConnectionName);
        if (!string.IsNullOrWhiteSpace(redisConnection))
        {
            var prefix = builder.Configuration["Redis:KeyPrefix"] ?? "pricing:";
            services.AddSingleton<IConnectionMultiplexer>(_ =>
            {
                var config = ConfigurationOptions.Parse(redisConnection);
                // Never block start-up or a quote on Redis: connect in the background, fail commands fast.
                config.AbortOnConnectFail = false;
                config.ConnectTimeout = 2000;
                config.AsyncTimeout = 1000;
                config.SyncTimeout = 1000;
                return ConnectionMultiplexer.Connect(config);
            });
            services.AddSingleton(sp => new ResilientRedisCache(sp.GetRequiredService<IConnectionMultiplexer>(), prefix,
                sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<ResilientRedisCache>>()));
            services.AddSingleton<IDistributedCache>(sp => sp.GetRequiredService<ResilientRedisCache>());
        }

        services.AddSingleton(sp => new QuoteCache(sp.GetRequiredService<HybridCache>(), sp.GetService<ResilientRedisCache>(),
            sp.GetRequiredService<IOptions<QuotesOptions>>()));

        return builder;
    }

    public static void RegisterConsumers(IBusRegistrationConfigurator x)
    {
        x.AddConsumer<AcceleratorPriceChangedConsumer>();
        x.AddConsumer<CatalogPublishedConsumer>();
    }

    /// <summary>
    /// One durable quorum queue for this instance's price view, bound to every price change ("#") and to
    /// every catalog announcement. Bounded retries, then the error queue: never acked-and-lost.
    /// </summary>
    public static void ConfigureRabbitEndpoints(IBusRegistrationContext context, IRabbitMqBusFactoryConfigurator cfg)
    {
        var options = context.GetRequiredService<IOptions<QuotesOptions>>().Value;
        cfg.ReceiveEndpoint(options.QueueName, e =>
        {
            e.ConfigureConsumeTopology = false;
            e.SetQuorumQueue();
            e.Bind(PriceChangeTopology.ExchangeName, b =>
            {
                b.ExchangeType = ExchangeType.Topic;
                b.RoutingKey = "#";
            });
            e.Bind(PriceChangeTopology.CatalogPublishedExchangeName, b => b.ExchangeType = ExchangeType.Fanout);
            e.UseMessageRetry(r => r.Intervals(100, 500, 1000));
            // Changes of one offer are handled one at a time in arrival order (different offers in parallel),
            // so history and watchers see each offer's changes in version order.
            // Deep prefetch and many partitions: each change waits on a Redis write, so throughput comes from overlap.
            e.PrefetchCount = 512;
            var byOffer = e.CreatePartitioner(64);
            e.ConfigureConsumer<AcceleratorPriceChangedConsumer>(context, c =>
                c.Message<AcceleratorPriceChanged>(m => m.UsePartitioner(byOffer, p => p.Message.OfferKey)));
            e.ConfigureConsumer<CatalogPublishedConsumer>(context);
        });
    }

    public static IEndpointRouteBuilder MapQuotes(this IEndpointRouteBuilder app)
    {
        app.MapGrpcService<TrainingQuotesGrpcService>();
        app.MapPriceChanges();
        return app;
    }
}
