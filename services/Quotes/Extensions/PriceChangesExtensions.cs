using Microsoft.Extensions.DependencyInjection.Extensions;
using Grpc.AspNetCore.Server;
using Microsoft.Extensions.Options;
using Quotes.Grpc;
using Quotes.History;
using StackExchange.Redis;

namespace Quotes.Extensions;

public static class PriceChangesExtensions
{
    /// <summary>
    /// The price-change history (Redis when ConnectionStrings:redis is set, else memory) and the feed that fans
    /// consumed changes out to this replica's gRPC watchers.
    /// </summary>
    public static IHostApplicationBuilder AddPriceChanges(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<PriceHistoryOptions>().BindConfiguration(PriceHistoryOptions.Section);
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<PriceHistoryOptions>>().Value);
        var redisConfigured = !string.IsNullOrWhiteSpace(builder.Configuration.GetConnectionString(QuotesExtensions.RedisConnectionName));
        var prefix = builder.Configuration["Redis:KeyPrefix"] ?? "pricing:";
        services.AddSingleton<IPriceHistoryStore>(sp => redisConfigured
            ? new RedisPriceHistoryStore(sp.GetRequiredService<IConnectionMultiplexer>(), prefix, sp.GetRequiredService<PriceHistoryOptions>(), sp.GetRequiredService<TimeProvider>())
            : new InMemoryPriceHistoryStore(sp.GetRequiredService<PriceHistoryOptions>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<PriceChangeFeed>();
        // Stateless over singletons, like TrainingQuotes: one instance each rather than one per call.
        services.TryAddSingleton<PriceChangesGrpcService>();
        services.TryAddSingleton<PriceChangesErrorInterceptor>();
        services.Configure<GrpcServiceOptions<PriceChangesGrpcService>>(o => o.Interceptors.Add<PriceChangesErrorInterceptor>());
        return builder;
    }

    public static IEndpointRouteBuilder MapPriceChanges(this IEndpointRouteBuilder app)
    {
        app.MapGrpcService<PriceChangesGrpcService>();
        return app;
    }
}
