using Microsoft.Extensions.Options;
using Pricing.Catalog;
using Pricing.Contracts.Events;
using Pricing.Quoting;
using Quotes.History;

namespace Quotes.Sync;

/// <summary>
/// Bootstraps the price view from every provider's snapshot, then watches for gaps (a version announced
/// but not completed within the grace period) and resyncs those providers. Events keep flowing meanwhile:
/// the view buffers them and drops what the snapshot already covers. A gap resync also backfills the history and
/// this replica's watchers with what the snapshot shows changed (see <see cref="BackfillAsync"/>).
/// </summary>
public sealed class CatalogSyncWorker(
    ICatalogSnapshotClient snapshots,
    PriceView view,
    PriceChangeFeed feed,
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
                var before = view.Current.Catalogs.FirstOrDefault(c => c.Provider == provider);
                if (await TryLoadAsync(provider, "gap resync", stoppingToken))
                {
                    Resyncs++;
                    if (before is not null)
                    {
                        await BackfillAsync(before, stoppingToken);
                    }
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

    /// <summary>
    /// The changes a gap hid: every offer whose price differs between the catalog held before the resync and the one
    /// loaded, recorded (idempotently) at the loaded version and passed to this replica's watchers, unless the history
    /// already has that offer at this price from a version after the one held (it arrived; only its version did not
    /// complete). Best effort: the view is already right, so a failure here is logged, not retried.
    /// </summary>
    private async Task BackfillAsync(PriceViewCatalog before, CancellationToken cancellationToken)
    {
        var after = view.Current.Catalogs.FirstOrDefault(c => c.Provider == before.Provider);
        if (after is null || after.Version <= before.Version)
        {
            return;
        }

        var observedAt = time.GetUtcNow();
        var backfilled = 0;
        try
        {
            foreach (var change in CatalogDiff.Compute(before.Offers, after.Offers))
            {
                var recorded = await feed.Store.QueryAsync(new PriceHistoryQuery(change.OfferKey, null, null, null, null, null, 1), cancellationToken);
                if (recorded.Changes is [var newest] && newest.CatalogVersion > before.Version && newest.NewPricePerInstanceHour == change.New?.PricePerInstanceHour)
                {
                    continue;
                }

                await feed.RecordAsync(AcceleratorPriceChanged.From(after.Provider, after.Version, change, observedAt), cancellationToken);
                backfilled++;
            }

            logger.LogInformation("gap resync: {Provider} v{From}→v{To}, {Count} changes backfilled into the history", after.Provider, before.Version, after.Version, backfilled);
        }
        catch (Exception ex) when (PriceChangeFeed.IsStoreOutage(ex))
        {
            logger.LogWarning("gap resync: backfill of {Provider} stopped after {Count} changes, the history is unreachable: {Error}", after.Provider, backfilled, ex.Message);
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
