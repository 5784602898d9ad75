using Microsoft.Extensions.Options;
using Pricing.Quoting;

namespace Quotes.Sync;

/// <summary>
/// Bootstraps the price view from every provider's snapshot, then watches for gaps (a version announced
/// but not completed within the grace period) and resyncs those providers. Events keep flowing meanwhile:
/// the view buffers them and drops what the snapshot already covers.
/// </summary>
public sealed class CatalogSyncWorker(
    ICatalogSnapshotClient snapshots,
    PriceView view,
    IOptions<QuotesOptions> options,
    TimeProvider time,
    ILogger<CatalogSyncWorker> logger) : BackgroundService
{
    private readonly HashSet<string> _loaded = [];

    public int Resyncs { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            foreach (var provider in snapshots.Providers.Where(p => !_loaded.Contains(p)))
            {
                if (await TryLoadAsync(provider, "bootstrap", stoppingToken))
                {
                    _loaded.Add(provider);
                }
            }

            foreach (var provider in view.ProvidersBehind(options.Value.ResyncGrace).Where(snapshots.Providers.Contains))
            {
                if (await TryLoadAsync(provider, "gap resync", stoppingToken))
                {
                    Resyncs++;
                }
            }

            try
            {
                await Task.Delay(options.Value.SyncInterval, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task<bool> TryLoadAsync(string provider, string why, CancellationToken cancellationToken)
    {
        try
        {
            await snapshots.LoadAsync(provider, view, cancellationToken);
            logger.LogInformation("{Why}: {Provider} catalog loaded at version {Version}", why, provider, view.VersionOf(provider));
            return true;
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning("{Why} of {Provider} failed, will retry: {Error}", why, provider, ex.Message);
            return false;
        }
    }
}
