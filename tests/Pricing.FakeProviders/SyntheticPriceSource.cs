using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Pricing.Catalog;
using Pricing.ServiceDefaults;
using Pricing.Sources;

namespace Pricing.FakeProviders;

/// <summary>
/// A provider with as many offers as a test needs (Synthetic:Offers, default 1,000) whose every price moves
/// when the test calls <see cref="Bump"/>: the next scrape then yields one catalog version in which every offer
/// changed. Offers spread over 10 regions and two pricing models so routing-key filters have something to select.
/// Configuration: Synthetic:Provider (default "synthetic"), Synthetic:Offers.
/// </summary>
public sealed class SyntheticPriceSource(IConfiguration configuration) : IPriceSource
{
    public const string AcceleratorId = "nvidia-h100-80gb";
    // Each generation moves the catalog's date a minute on: a long benchmark bumps hundreds of times, and a day per bump
    // soon dated versions past what the event rules accept as plausible (more than a day ahead of the clock).
    private static readonly DateTimeOffset Epoch = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);

    private int _generation;

    public string Provider { get; } = configuration["Synthetic:Provider"] ?? "synthetic";

    public int OfferCount { get; } = configuration.GetValue("Synthetic:Offers", 1000);

    public string Description => $"synthetic:{OfferCount}";

    public int Generation => Volatile.Read(ref _generation);

    /// <summary>Moves every price; the next scrape publishes <see cref="OfferCount"/> changes.</summary>
    public void Bump() => Interlocked.Increment(ref _generation);

    public static string RegionOf(int index) => $"region-{index % 10}";

    public static string PricingModelOf(int index) => index % 2 == 0 ? PricingModels.OnDemand : PricingModels.Spot;

    /// <summary>The price of offer <paramref name="index"/> at <paramref name="generation"/>: spot stays below on-demand.</summary>
    public static decimal PriceOf(int index, int generation) =>
        (PricingModelOf(index) == PricingModels.OnDemand ? 80m : 30m) + index * 0.001m + generation * 0.01m;

    public Task<SourceScrape> ScrapeAsync(CancellationToken cancellationToken)
    {
        var generation = Generation;
        var offers = Enumerable.Range(0, OfferCount).Select(i => new Offer(
            Provider,
            RegionOf(i),
            Zone: null,
            $"synthetic.{i.ToString(CultureInfo.InvariantCulture)}",
            AcceleratorId,
            8,
            96,
            1024,
            PricingModelOf(i),
            PriceOf(i, generation),
            "USD",
            Epoch.AddMinutes(generation),
            $"sku-{i}",
            $"meter-{i}")).ToList();
        return Task.FromResult(new SourceScrape(offers, [], Epoch.AddMinutes(generation)));
    }
}

/// <summary>A provider deployable around <see cref="SyntheticPriceSource"/>, composed like the real ones.</summary>
public static class SyntheticProviderHost
{
    public static async Task<WebApplication> StartAsync(IDictionary<string, string?> settings, CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateBuilder();
        builder.UseFreeLoopbackPort();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Configuration["Scrape:RunOnSchedule"] ??= "false";
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.AddServiceDefaults();
        builder.AddPricingMessaging();
        builder.AddProviderCatalog<SyntheticPriceSource>();
        var app = builder.Build();
        app.MapDefaultEndpoints();
        app.MapProviderCatalog();
        await app.StartAsync(cancellationToken);
        return app;
    }

    public static SyntheticPriceSource Source(this WebApplication app) => app.Services.GetRequiredService<SyntheticPriceSource>();

    public static ProviderPriceCatalog Catalog(this WebApplication app) => app.Services.GetServices<ProviderPriceCatalog>().Single();
}
