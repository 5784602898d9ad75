using System.Globalization;
using Aws.Pricing.Extensions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Pricing.FakeProviders;
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
    // Long enough that a first request paying start-up compilation on a loaded machine is not retried (tests count
    // requests), short enough that the stall tests finish quickly.
    public static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(4);

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
        var host = await ProviderTestHost.StartAsync(settings, b => b.AddAwsPricing(), cancellationToken);
        return new AwsHttpHost(host);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync(CancellationToken.None);
        _host.Dispose();
    }
}
