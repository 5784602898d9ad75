using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Pricing.Catalog;
using Offer = Pricing.Catalog.Offer;
using Pricing.Contracts.V1;
using Pricing.Quoting;
using Pricing.ServiceDefaults;
using Quotes.Caching;
using Quotes.Extensions;
using Quotes.Sync;

namespace Quotes.Tests;

/// <summary>
/// The Quotes gRPC service alone on a loopback port, with a price view the test owns (no provider, no bus), so a
/// test can change prices without touching the shared embedded server. Optional Redis for the cache's L2.
/// </summary>
public sealed class QuotesTestHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private QuotesTestHost(WebApplication app)
    {
        _app = app;
        Channel = GrpcChannel.ForAddress(app.BoundAddress());
    }

    public GrpcChannel Channel { get; }

    public TrainingQuotes.TrainingQuotesClient Quotes => new(Channel);

    public PriceView View => _app.Services.GetRequiredService<PriceView>();

    public QuoteCache Cache => _app.Services.GetRequiredService<QuoteCache>();

    public IServiceProvider Services => _app.Services;

    /// <summary>Empties the in-process L1, so the next lookup goes to Redis.</summary>
    public void ClearMemoryCache() => ((MemoryCache)_app.Services.GetRequiredService<IMemoryCache>()).Clear();

    /// <param name="redis">Redis for the cache's L2, or null for the in-process cache only.</param>
    /// <param name="redisPrefix">The Redis key prefix of this host.</param>
    /// <param name="settings">Extra configuration, e.g. a TestTokenIssuer's HostSettings to run with auth on (off by default: open on loopback).</param>
    public static async Task<QuotesTestHost> StartAsync(string? redis = null, string? redisPrefix = null, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var builder = WebApplication.CreateBuilder();
        builder.UseFreeLoopbackPort();
        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }

        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        if (redis is not null)
        {
            builder.Configuration["ConnectionStrings:" + QuotesExtensions.RedisConnectionName] = redis;
            builder.Configuration["Redis:KeyPrefix"] = redisPrefix ?? $"quotes-test-{Guid.NewGuid():N}:";
        }

        builder.AddServiceDefaults();
        builder.AddQuotes();
        builder.Services.Replace(ServiceDescriptor.Singleton<ICatalogSnapshotClient, NoCatalogs>());
        var app = builder.Build();
        app.MapQuotes();
        await app.StartAsync(TestContext.Current.CancellationToken);
        return new QuotesTestHost(app);
    }

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }

    /// <summary>The test loads the price view itself.</summary>
    private sealed class NoCatalogs : ICatalogSnapshotClient
    {
        public IReadOnlyCollection<string> Providers => [];

        public Task LoadAsync(string provider, PriceView view, CancellationToken cancellationToken) => Task.CompletedTask;
    }
}

/// <summary>Offers for hosts the tests load by hand.</summary>
public static class TestOffers
{
    public static readonly DateTimeOffset AsOf = new(2026, 11, 28, 0, 0, 0, TimeSpan.Zero);

    public static Offer H100(decimal price = 98.32m, string region = "eastus") =>
        new("azure", region, null, "Standard_ND96isr_H100_v5", "nvidia-h100-80gb", 8m, 96, 1900m, PricingModels.OnDemand, price, "USD", AsOf, "sku-h100", "meter-h100");

    public static Offer A100(decimal price = 32.77m) =>
        new("azure", "eastus", null, "Standard_ND96amsr_A100_v4", "nvidia-a100-80gb", 8m, 96, 1900m, PricingModels.OnDemand, price, "USD", AsOf, "sku-a100", "meter-a100");
}
