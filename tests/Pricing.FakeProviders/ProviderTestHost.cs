using System.Collections.Concurrent;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Pricing.Contracts.Events;
using Pricing.ServiceDefaults;

namespace Pricing.FakeProviders;

/// <summary>
/// A provider service's composition for its HTTP tests (as in each provider's Program.cs: service defaults,
/// messaging, the provider) on the in-memory bus with no scheduled scrape, recording what it publishes in
/// <see cref="PublishedEvents"/>. Each provider's test host adds its own settings and <c>Add…Pricing</c>.
/// </summary>
public static class ProviderTestHost
{
    public static async Task<IHost> StartAsync(
        IDictionary<string, string?> settings,
        Action<IHostApplicationBuilder> addProvider,
        CancellationToken cancellationToken,
        Action<ILoggingBuilder>? logging = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, EnvironmentName = "Testing" });
        var configuration = new Dictionary<string, string?>(settings);
        configuration.TryAdd("Scrape:RunOnSchedule", "false");
        configuration.TryAdd("Messaging:Transport", "InMemory");
        builder.Configuration.AddInMemoryCollection(configuration);
        builder.Logging.ClearProviders();
        logging?.Invoke(builder.Logging);

        builder.AddServiceDefaults();
        builder.AddPricingMessaging(x => x.AddConsumer<RecordingConsumer>());
        addProvider(builder);
        builder.Services.AddSingleton<PublishedEvents>();
        builder.Services.Configure<MassTransitHostOptions>(o => o.StopTimeout = TimeSpan.FromSeconds(5));

        var host = builder.Build();
        await host.StartAsync(cancellationToken);
        return host;
    }
}

/// <summary>What the catalog published on the bus.</summary>
public sealed class PublishedEvents
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

/// <summary>Records every catalog announcement and change the provider publishes.</summary>
public sealed class RecordingConsumer(PublishedEvents events) : IConsumer<CatalogPublished>, IConsumer<AcceleratorPriceChanged>
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
