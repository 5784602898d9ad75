using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Pricing.Sources;

/// <summary>Scrapes every hosted provider at start, then on the configured interval.</summary>
public sealed class ScrapeWorker(
    IEnumerable<ProviderPriceCatalog> catalogs,
    IOptions<ScrapeOptions> options,
    TimeProvider time,
    ILogger<ScrapeWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.RunOnSchedule)
        {
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            await Task.WhenAll(catalogs.Select(c => ScrapeQuietlyAsync(c, stoppingToken)));
            try
            {
                await Task.Delay(options.Value.Interval, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task ScrapeQuietlyAsync(ProviderPriceCatalog catalog, CancellationToken cancellationToken)
    {
        try
        {
            await catalog.ScrapeOnceAsync(cancellationToken);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // Publishing failures land here; the catalog is committed and subscribers resync on the gap.
            logger.LogError(ex, "Scrape cycle of {Provider} failed", catalog.Provider);
        }
    }
}
