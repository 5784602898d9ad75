using System.Collections.Concurrent;
using System.Globalization;
using Aws.Pricing.Extensions;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Pricing.Contracts.Events;
using Pricing.ServiceDefaults;
using Pricing.Sources;

namespace Aws.Pricing.Tests;

/// <summary>
/// The AWS pricing service's composition (as in services/Aws.Pricing/Program.cs: service defaults, messaging on
/// the in-memory bus, <c>AddAwsPricing</c>) with <c>Aws:Source=Http</c> pointed at a fake, short retry delays
/// and attempt timeout, and no scheduled scrape: tests call <see cref="ProviderPriceCatalog.ScrapeOnceAsync"/>.
/// </summary>
internal sealed class AwsHttpHost : IAsyncDisposable
{
    public const int MaxRetries = 3;
    public static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(2);

    private readonly IHost _host;

    private AwsHttpHost(IHost host)
    {
        _host = host;
        Catalog = host.Services.GetRequiredService<IEnumerable<ProviderPriceCatalog>>().Single();
        Events = host.Services.GetRequiredService<PublishedEvents>();
    }

    public ProviderPriceCatalog Catalog { get; }

    public PublishedEvents Events { get; }

    public IServiceProvider Services => _host.Services;

    public static async Task<AwsHttpHost> StartAsync(Uri baseUrl, Uri spotFeedUrl, IEnumerable<string> regions, CancellationToken cancellationToken,
        bool spotEnabled = true)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Aws:Source"] = "Http",
            ["Aws:BaseUrl"] = baseUrl.ToString(),
            ["Aws:SpotFeedUrl"] = spotFeedUrl.ToString(),
            ["Aws:SpotEnabled"] = spotEnabled ? "true" : "false",
            ["Http:aws-price-list:RetryBaseDelay"] = "00:00:00.050",
            ["Http:aws-price-list:AttemptTimeout"] = AttemptTimeout.ToString("c"),
            ["Http:aws-price-list:MaxRetries"] = MaxRetries.ToString(CultureInfo.InvariantCulture),
            ["Scrape:RunOnSchedule"] = "false",
            ["Messaging:Transport"] = "InMemory",
        };
        var i = 0;
        foreach (var region in regions)
        {
            settings[$"Aws:Regions:{i++}"] = region;
        }

        return await StartAsync(settings, cancellationToken);
    }

    /// <summary>The composition with the given configuration (plus no schedule and the in-memory bus).</summary>
    public static async Task<AwsHttpHost> StartAsync(Dictionary<string, string?> settings, CancellationToken cancellationToken)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, EnvironmentName = "Testing" });
        settings.TryAdd("Scrape:RunOnSchedule", "false");
        settings.TryAdd("Messaging:Transport", "InMemory");
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.ClearProviders();

        builder.AddServiceDefaults();
        builder.AddPricingMessaging(x => x.AddConsumer<RecordingConsumer>());
        builder.AddAwsPricing();
        builder.Services.AddSingleton<PublishedEvents>();
        builder.Services.Configure<MassTransitHostOptions>(o =>
        {
            o.WaitUntilStarted = true;
            o.StopTimeout = TimeSpan.FromSeconds(5);
        });

        var host = builder.Build();
        await host.StartAsync(cancellationToken);
        return new AwsHttpHost(host);
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

    /// <summary>Waits until <see cref="CatalogPublished"/> for <paramref name="version"/> and all the changes it counts have arrived.</summary>
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
