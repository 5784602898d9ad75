using Azure.Pricing.Extensions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Pricing.FakeProviders;
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
    // Long enough that a first request paying start-up compilation on a loaded machine is not retried (tests count
    // requests), short enough that the stall tests finish quickly.
    public static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(4);

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
        var host = await ProviderTestHost.StartAsync(new Dictionary<string, string?>
        {
            ["Azure:Source"] = "Http",
            ["Azure:BaseUrl"] = baseUrl.ToString(),
            ["Http:azure-retail-prices:RetryBaseDelay"] = "00:00:00.050",
            ["Http:azure-retail-prices:AttemptTimeout"] = AttemptTimeout.ToString("c"),
            ["Http:azure-retail-prices:MaxRetries"] = MaxRetries.ToString(System.Globalization.CultureInfo.InvariantCulture),
        }, b => b.AddAzurePricing(), cancellationToken);
        return new AzureHttpHost(host);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync(CancellationToken.None);
        _host.Dispose();
    }
}
