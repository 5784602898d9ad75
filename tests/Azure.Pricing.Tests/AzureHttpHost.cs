using System.Collections.Concurrent;
using Azure.Pricing.Extensions;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Pricing.Contracts.Events;
using Pricing.ServiceDefaults;
using Pricing.Sources;

namespace Azure.Pricing.Tests;

/// <summary>
/// The Azure pricing service's composition (as in services/Azure.Pricing/Program.cs: service defaults,
/// messaging on the in-memory bus, <c>AddAzurePricing</c>) with <c>Azure:Source=Http</c> pointed at a fake,
/// short retry delays, and no scheduled scrape: tests call <see cref="ProviderPriceCatalog.ScrapeOnceAsync"/>.
/// Events the catalog publishes are recorded by a consumer on the bus.
/// </summary>
internal sealed class AzureHttpHost : IAsyncDisposable
{
    public const int MaxRetries = 3;
    public static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(2);

    private readonly IHost _host;

    private AzureHttpHost(IHost host)
    {
        _host = host;
        Catalog = host.Services.GetRequiredService<IEnumerable<ProviderPriceCatalog>>().Single();
        Events = host.Services.GetRequiredService<PublishedEvents>();
    }

    public ProviderPriceCatalog Catalog { get; }

    public PublishedEvents Events { get; }

    public static async Task<AzureHttpHost> StartAsync(Uri baseUrl, CancellationToken cancellationToken)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, EnvironmentName = "Testing" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Azure:Source"] = "Http",
            ["Azure:BaseUrl"] = baseUrl.ToString(),
            ["Http:azure-retail-prices:RetryBaseDelay"] = "00:00:00.050",
            ["Http:azure-retail-prices:AttemptTimeout"] = AttemptTimeout.ToString("c"),
            ["Http:azure-retail-prices:MaxRetries"] = MaxRetries.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Scrape:RunOnSchedule"] = "false",
            ["Messaging:Transport"] = "InMemory",
        });
        builder.Logging.ClearProviders();

        builder.AddServiceDefaults();
        builder.AddPricingMessaging(x => x.AddConsumer<RecordingConsumer>());
        builder.AddAzurePricing();
        builder.Services.AddSingleton<PublishedEvents>();
        builder.Services.Configure<MassTransitHostOptions>(o =>
        {
            o.WaitUntilStarted = true;
            o.StopTimeout = TimeSpan.FromSeconds(5);
        });

        var host = builder.Build();
        await host.StartAsync(cancellationToken);
        return new AzureHttpHost(host);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync(CancellationToken.None);
        _host.Dispose();
    }
}

/// <summary>What the catalog published on the bus.</summary>
internal sealed class PublishedEvents
{
    private readonly ConcurrentQueue<CatalogPublished> _catalogs = new();
    private readonly ConcurrentQueue<AcceleratorPriceChanged> _changes = new();

    public IReadOnlyList<CatalogPublished> Catalogs => [.. _catalogs];

    public IReadOnlyList<AcceleratorPriceChanged> Changes => [.. _changes];

    public void Add(CatalogPublished message) => _catalogs.Enqueue(message);

    public void Add(AcceleratorPriceChanged message) => _changes.Enqueue(message);

    /// <summary>
    /// Waits until <see cref="CatalogPublished"/> for <paramref name="version"/> and all the price changes it
    /// counts have arrived (delivery on the bus is asynchronous and unordered).
    /// </summary>
    public async Task<CatalogPublished> WaitForVersionAsync(long version, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var published = _catalogs.FirstOrDefault(c => c.CatalogVersion == version);
            if (published is not null && _changes.Count(c => c.CatalogVersion == version) >= published.ChangeCount)
            {
                return published;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"CatalogPublished for version {version} (with its changes) did not arrive within {timeout}.");
            }

            await Task.Delay(20);
        }
    }
}

internal sealed class RecordingConsumer(PublishedEvents events) : IConsumer<CatalogPublished>, IConsumer<AcceleratorPriceChanged>
{
    public Task Consume(ConsumeContext<CatalogPublished> context)
    {
        events.Add(context.Message);
        return Task.CompletedTask;
    }

    public Task Consume(ConsumeContext<AcceleratorPriceChanged> context)
    {
        events.Add(context.Message);
        return Task.CompletedTask;
    }
}
