using System.Collections.Concurrent;
using System.Globalization;
using Gcp.Pricing.Extensions;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Pricing.FakeProviders;
using Pricing.Contracts.Events;
using Pricing.ServiceDefaults;
using Pricing.Sources;

namespace Gcp.Pricing.Tests;

/// <summary>
/// The GCP pricing service's composition (as in services/Gcp.Pricing/Program.cs: service defaults, messaging on the
/// in-memory bus, <c>AddGcpPricing</c>) with <c>Gcp:Source=Http</c> pointed at a fake, short retry delays, small
/// pages and no scheduled scrape: tests call <see cref="ProviderPriceCatalog.ScrapeOnceAsync"/>. Events the catalog
/// publishes are recorded by a consumer on the bus; every log line, at every level, is captured.
/// </summary>
internal sealed class GcpHttpHost : IAsyncDisposable
{
    public const int MaxRetries = 3;
    public const int PageSize = 25;
    // Long enough that a first request paying start-up compilation on a loaded machine is not retried (tests count
    // requests), short enough that the stall tests finish quickly.
    public static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(4);

    private readonly IHost _host;

    private GcpHttpHost(IHost host, CapturedLogs logs)
    {
        _host = host;
        Logs = logs;
        Catalog = host.Services.GetRequiredService<IEnumerable<ProviderPriceCatalog>>().Single();
        Events = host.Services.GetRequiredService<PublishedEvents>();
    }

    public ProviderPriceCatalog Catalog { get; }

    public PublishedEvents Events { get; }

    public CapturedLogs Logs { get; }

    /// <summary>A host reading the fake with <paramref name="apiKey"/> (none when null); <paramref name="source"/> "Snapshot" reads no fake.</summary>
    public static async Task<GcpHttpHost> StartAsync(Uri baseUrl, string? apiKey, CancellationToken cancellationToken, string source = "Http")
    {
        var logs = new CapturedLogs();
        var host = await ProviderTestHost.StartAsync(new Dictionary<string, string?>
        {
            ["Gcp:Source"] = source,
            ["Gcp:BaseUrl"] = baseUrl.ToString(),
            ["Gcp:ApiKey"] = apiKey,
            ["Gcp:PageSize"] = PageSize.ToString(CultureInfo.InvariantCulture),
            ["Http:gcp-cloud-billing:RetryBaseDelay"] = "00:00:00.050",
            ["Http:gcp-cloud-billing:AttemptTimeout"] = AttemptTimeout.ToString("c", CultureInfo.InvariantCulture),
            ["Http:gcp-cloud-billing:MaxRetries"] = MaxRetries.ToString(CultureInfo.InvariantCulture),
        }, b => b.AddGcpPricing(), cancellationToken, logging =>
        {
            logging.SetMinimumLevel(LogLevel.Trace);
            logging.AddProvider(logs);
        });
        return new GcpHttpHost(host, logs);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync(CancellationToken.None);
        _host.Dispose();
    }
}

/// <summary>Every log entry of the host, rendered with its exception, so tests can look for what must never be logged.</summary>
internal sealed class CapturedLogs : ILoggerProvider
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
