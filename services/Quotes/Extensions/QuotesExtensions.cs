using Grpc.AspNetCore.Server;
using MassTransit;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Pricing.Catalog;
using Pricing.Contracts.Events;
using Pricing.Quoting;
using Pricing.Quoting.Levers;
using Pricing.ServiceDefaults;
using Quotes.PastPrices;
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
        services.TryAddSingleton(sp => QuotesReplica.From(sp.GetRequiredService<IOptions<QuotesOptions>>().Value));
        services.TryAddSingleton(sp => new PriceEventRules(sp.GetRequiredService<AcceleratorRegistry>(), sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<PriceEventGate>();
        services.TryAddSingleton<VersionPartHandler>();
        services.TryAddSingleton<VersionPartObservers>();
        if (RabbitVersionPartConsumer.IsUsed(builder.Configuration))
        {
            // On RabbitMQ the version parts skip MassTransit's receive pipeline (see RabbitVersionPartConsumer).
            services.AddSingleton<RabbitVersionPartConsumer>();
            services.AddHostedService(sp => sp.GetRequiredService<RabbitVersionPartConsumer>());
        }

        services.TryAddSingleton(AcceleratorRegistry.Default);
        services.TryAddSingleton(EfficiencyModel.Default);
        services.TryAddSingleton(InstanceCapabilities.Default);
        services.TryAddSingleton(ProviderCosts.Default);
        services.TryAddSingleton(EnergyFactors.Default);
        services.TryAddSingleton(ModelDefaults.Default);
        services.TryAddSingleton(sp => new QuoteEngine(
            sp.GetRequiredService<AcceleratorRegistry>(), sp.GetRequiredService<EfficiencyModel>(), sp.GetRequiredService<InstanceCapabilities>(),
            sp.GetRequiredService<ProviderCosts>(), sp.GetRequiredService<EnergyFactors>(), sp.GetRequiredService<ModelDefaults>()));
        services.TryAddSingleton(sp => new LeverSet(sp.GetRequiredService<QuoteEngine>(), AcceleratorGenerations.Default, sp.GetRequiredService<ModelDefaults>(),
            sp.GetRequiredService<AcceleratorRegistry>()));
        services.TryAddSingleton<PriceView>();
        services.TryAddSingleton<QuoteRequestMemo>();
        // The service and its interceptors hold nothing per call (their dependencies are singletons): one instance each,
        // so a cached quote's call does not build a scope's worth of objects first (docs/benchmarks.md, quote-throughput).
        services.TryAddSingleton<TrainingQuotesGrpcService>();
        services.TryAddSingleton<QuoteMetricsInterceptor>();
        services.TryAddSingleton<AsOfErrorInterceptor>();
        services.Configure<GrpcServiceOptions<TrainingQuotesGrpcService>>(o =>
        {
            o.Interceptors.Add<QuoteMetricsInterceptor>();
            o.Interceptors.Add<AsOfErrorInterceptor>();
        });
        // Prices as of a past time, rebuilt from the history (OfferCatalog, and a quote's as_of).
        services.AddOptions<CatalogAsOfOptions>().BindConfiguration(CatalogAsOfOptions.Section);
        services.TryAddSingleton(sp => sp.GetRequiredService<IOptions<CatalogAsOfOptions>>().Value);
        services.TryAddSingleton<CatalogAsOfReader>();
        services.Configure<GrpcServiceOptions<OfferCatalogGrpcService>>(o => o.Interceptors.Add<AsOfErrorInterceptor>());
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
        // The definitions carry ordering (one part at a time) and retry, so the in-memory bus has them as RabbitMQ does.
        x.AddConsumer<CatalogVersionChangesConsumer, CatalogVersionChangesConsumerDefinition>();
        x.AddConsumer<CatalogVersionHistoryConsumer, CatalogVersionHistoryConsumerDefinition>();
    }

    /// <summary>
    /// Two queues, both bound to the fanout exchange of catalog versions (<see cref="CatalogVersionChanges"/>: a version's
    /// changes in one message, or a few parts), never to the per-change topic exchange, which is for outside
    /// subscribers: each change reaches a replica once, inside its version. This replica's own queue
    /// (<see cref="QuotesReplica.QueueName"/>) feeds its price view and its watchers: each replica sees every version,
    /// whichever replica writes the history. It is a durable quorum queue (it survives a broker restart with its
    /// messages) that RabbitMQ deletes once no replica has consumed from it for <see cref="QuotesOptions.ReplicaQueueExpiry"/>.
    /// The shared one (<see cref="QuotesOptions.QueueName"/>), consumed by every replica in turn, feeds the history when it
    /// is shared (Redis): a version part is acked only once Redis has it, and written once (a part a replica already
    /// wrote costs one lookup). With the history in memory, each replica records from its own queue. Ordering (one
    /// part at a time) and retry come from the consumers' definitions, as on the in-memory bus; only the broker's
    /// topology is configured here. Never acked-and-lost.
    /// </summary>
    public static void ConfigureRabbitEndpoints(IBusRegistrationContext context, IRabbitMqBusFactoryConfigurator cfg)
    {
        var options = context.GetRequiredService<IOptions<QuotesOptions>>().Value;
        var replica = context.GetRequiredService<QuotesReplica>();
        if (RabbitVersionPartConsumer.IsUsed(context.GetRequiredService<IConfiguration>()))
        {
            // RabbitVersionPartConsumer declares and consumes the same two queues itself.
            return;
        }

        var sharedHistory = context.GetRequiredService<Quotes.History.IPriceHistoryStore>().IsShared;
        cfg.ReceiveEndpoint(replica.QueueName, e =>
        {
            ConfigureVersionQueue(e);
            e.QueueExpiration = options.ReplicaQueueExpiry;
            e.ConfigureConsumer<CatalogVersionChangesConsumer>(context);
        });

        if (!sharedHistory)
        {
            // The replica's own consumer records into its own (memory) history; nothing is shared to feed.
            return;
        }

        cfg.ReceiveEndpoint(options.QueueName, e =>
        {
            ConfigureVersionQueue(e);
            e.ConfigureConsumer<CatalogVersionHistoryConsumer>(context);
        });
    }

    private static void ConfigureVersionQueue(IRabbitMqReceiveEndpointConfigurator e)
    {
        e.ConfigureConsumeTopology = false;
        e.SetQuorumQueue();
        e.Bind(PriceChangeTopology.CatalogVersionsExchangeName, b => b.ExchangeType = ExchangeType.Fanout);
        // One part at a time keeps versions in order; the next few are prefetched while one is handled.
        e.PrefetchCount = VersionPartConsumption.Prefetch;
        e.ConcurrentMessageLimit = 1;
    }

    public static IEndpointRouteBuilder MapQuotes(this IEndpointRouteBuilder app)
    {
        app.MapGrpcService<TrainingQuotesGrpcService>();
        app.MapGrpcService<OfferCatalogGrpcService>();
        app.MapPriceChanges();
        return app;
    }
}

/// <summary>This process as one of N Quotes replicas: its id and the name of the queue that is its own.</summary>
public sealed record QuotesReplica(string Id, string QueueName)
{
    public static QuotesReplica From(QuotesOptions options)
    {
        var id = options.ReplicaId is { Length: > 0 } configured
            ? configured
            : $"{Environment.MachineName}-{Guid.NewGuid().ToString("N")[..8]}";
        var safe = new string(id.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '-').ToArray());
        if (safe.Length is 0 or > 100)
        {
            throw new InvalidOperationException($"{QuotesOptions.Section}:ReplicaId must be 1 to 100 characters (it names a queue).");
        }

        return new QuotesReplica(safe, $"{options.QueueName}-replica-{safe}");
    }
}
