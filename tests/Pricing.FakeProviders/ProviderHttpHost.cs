using System.Collections.Concurrent;
using System.Globalization;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Pricing.Catalog;
using Pricing.Contracts.Events;
using Pricing.ServiceDefaults;
using Pricing.Sources;

namespace Pricing.FakeProviders;

/// <summary>
/// A provider service's composition for its HTTP tests (as in each provider's Program.cs: service defaults, messaging,
/// <see cref="PriceProviderExtensions.AddPriceProvider"/>) on the in-memory bus with no scheduled scrape (tests call
/// <see cref="ProviderPriceCatalog.ScrapeOnceAsync(CancellationToken)"/>), recording what it publishes in <see cref="Events"/> and every log
/// line, at every level, in <see cref="Logs"/>. One host for every provider and for the shared pipeline's tests.
/// </summary>
public sealed class ProviderHttpHost : IAsyncDisposable
{
    public const int MaxRetries = 3;

    // Long enough that a first request paying start-up compilation on a loaded machine is not retried (tests count
    // requests), short enough that the stall tests finish quickly.
    public static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(4);

    /// <summary>The back-off between retries: short, so only a Retry-After header makes a retry wait a second.</summary>
    public static readonly TimeSpan RetryBaseDelay = TimeSpan.FromMilliseconds(50);

    private readonly IHost _host;

    private ProviderHttpHost(IHost host, CapturedLogs logs)
    {
        _host = host;
        Logs = logs;
        Catalog = host.Services.GetRequiredService<IEnumerable<ProviderPriceCatalog>>().Single();
        Events = host.Services.GetRequiredService<PublishedEvents>();
    }

    public ProviderPriceCatalog Catalog { get; }

    public PublishedEvents Events { get; }

    public CapturedLogs Logs { get; }

    public IServiceProvider Services => _host.Services;

    /// <summary>
    /// The provider reading its live API at <paramref name="baseUrl"/> (<c>{Section}:Source=Http</c>, <c>{Section}:BaseUrl</c>)
    /// with <see cref="MaxRetries"/>, <see cref="AttemptTimeout"/> and <see cref="RetryBaseDelay"/>; <paramref name="settings"/> win.
    /// </summary>
    public static Task<ProviderHttpHost> StartAsync(PriceProvider provider, Uri baseUrl, CancellationToken cancellationToken, IDictionary<string, string?>? settings = null)
    {
        var configuration = new Dictionary<string, string?>
        {
            [$"{provider.Section}:Source"] = PriceProvider.HttpSource,
            [$"{provider.Section}:BaseUrl"] = baseUrl.ToString(),
            [$"{provider.HttpSection}:RetryBaseDelay"] = RetryBaseDelay.ToString("c", CultureInfo.InvariantCulture),
            [$"{provider.HttpSection}:AttemptTimeout"] = AttemptTimeout.ToString("c", CultureInfo.InvariantCulture),
            [$"{provider.HttpSection}:MaxRetries"] = MaxRetries.ToString(CultureInfo.InvariantCulture),
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            configuration[key] = value;
        }

        return StartConfiguredAsync(provider, configuration, cancellationToken);
    }

    /// <summary>The provider with exactly <paramref name="settings"/> (plus no schedule and the in-memory bus).</summary>
    public static async Task<ProviderHttpHost> StartConfiguredAsync(PriceProvider provider, IDictionary<string, string?> settings, CancellationToken cancellationToken)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, EnvironmentName = "Testing" });
        var configuration = new Dictionary<string, string?>(settings);
        configuration.TryAdd("Scrape:RunOnSchedule", "false");
        configuration.TryAdd("Messaging:Transport", "InMemory");
        builder.Configuration.AddInMemoryCollection(configuration);
        var logs = new CapturedLogs();
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Trace);
        builder.Logging.AddProvider(logs);

        builder.AddServiceDefaults();
        builder.AddPricingMessaging(x => x.AddConsumer<RecordingConsumer>());
        builder.AddPriceProvider(provider);
        builder.Services.AddSingleton<PublishedEvents>();
        builder.Services.Configure<MassTransitHostOptions>(o => o.StopTimeout = TimeSpan.FromSeconds(5));

        var host = builder.Build();
        await host.StartAsync(cancellationToken);
        return new ProviderHttpHost(host, logs);
    }

    /// <summary>Scrapes once and asserts that it published version 1; returns that catalog.</summary>
    public async Task<CatalogSnapshot> PublishFirstVersionAsync(CancellationToken cancellationToken)
    {
        var outcome = await Catalog.ScrapeOnceAsync(cancellationToken);
        Xunit.Assert.Equal(ScrapeResultKind.Published, outcome.Kind);
        Xunit.Assert.Equal(1, outcome.Version);
        return Catalog.Current;
    }

    /// <summary>
    /// Asserts that a failed or rejected scrape kept <paramref name="before"/> (same version, same snapshot, still
    /// <paramref name="offers"/> offers) and marked the catalog stale with its error.
    /// </summary>
    public void AssertKeptAndStale(CatalogSnapshot before, ScrapeOutcome outcome, int offers)
    {
        Xunit.Assert.Equal(before.Version, outcome.Version);
        Xunit.Assert.Same(before, Catalog.Current);
        Xunit.Assert.Equal(offers, Catalog.Current.Offers.Count);
        var status = Catalog.Status();
        Xunit.Assert.True(status.Stale);
        Xunit.Assert.False(status.LastAttemptSucceeded);
        Xunit.Assert.False(string.IsNullOrEmpty(status.LastError));
    }

    /// <summary>Waits for version 1's events, then asserts that no later version was announced and nothing was removed.</summary>
    public async Task AssertNothingPublishedAfterVersion1Async(TimeSpan timeout)
    {
        await Events.WaitForVersionAsync(1, timeout);
        Xunit.Assert.DoesNotContain(Events.Catalogs, c => c.CatalogVersion > 1);
        Xunit.Assert.DoesNotContain(Events.Changes, c => c.Kind == ChangeKind.Removed);
    }

    /// <summary>The handlers of the named client's pipeline, outermost first, as the client factory builds them.</summary>
    public List<HttpMessageHandler> HandlerChain(string clientName)
    {
        var chain = new List<HttpMessageHandler>();
        for (var handler = Services.GetRequiredService<IHttpMessageHandlerFactory>().CreateHandler(clientName); handler is not null;
             handler = (handler as DelegatingHandler)?.InnerHandler)
        {
            chain.Add(handler);
        }

        return chain;
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync(CancellationToken.None);
        _host.Dispose();
    }
}

/// <summary>What the catalog published on the bus.</summary>
public sealed class PublishedEvents
{
    private readonly ConcurrentQueue<CatalogPublished> _catalogs = new();
    private readonly ConcurrentQueue<AcceleratorPriceChanged> _changes = new();
    private readonly ConcurrentQueue<CatalogVersionChanges> _versionParts = new();

    public IReadOnlyList<CatalogPublished> Catalogs => [.. _catalogs];

    public IReadOnlyList<AcceleratorPriceChanged> Changes => [.. _changes];

    /// <summary>Every <see cref="CatalogVersionChanges"/> part, in the order received.</summary>
    public IReadOnlyList<CatalogVersionChanges> VersionParts => [.. _versionParts];

    public void Add(CatalogPublished message) => _catalogs.Enqueue(message);

    public void Add(CatalogVersionChanges message) => _versionParts.Enqueue(message);

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

/// <summary>Records every catalog announcement, change and version part the provider publishes.</summary>
public sealed class RecordingConsumer(PublishedEvents events) : IConsumer<CatalogPublished>, IConsumer<AcceleratorPriceChanged>, IConsumer<CatalogVersionChanges>
{
    public Task Consume(ConsumeContext<CatalogVersionChanges> context)
    {
        events.Add(context.Message);
        return Task.CompletedTask;
    }

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

/// <summary>Every log entry of the host, rendered with its exception, so tests can look for what must never be logged.</summary>
public sealed class CapturedLogs : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _entries = new();

    public IReadOnlyList<string> Entries => [.. _entries];

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _entries);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ConcurrentQueue<string> entries) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            // The structured state too: a key in a logged property (e.g. a URI) leaks as surely as one in the message.
            var properties = state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join(' ', pairs.Select(p => $"{p.Key}={p.Value}")) : "";
            entries.Enqueue($"{logLevel} {category}: {formatter(state, exception)} {properties} {exception}");
        }
    }
}
