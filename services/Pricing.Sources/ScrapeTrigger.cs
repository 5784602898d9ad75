using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Pricing.Sources;

/// <summary>
/// "Scrape now": a provider-agnostic request to scrape one provider at once, optionally only some of its regions (a
/// provider's change notification names them). Requests are coalesced: the first starts a window of
/// <see cref="ScrapeOptions.TriggerCoalesceWindow"/>, every request of the same provider inside it joins (the union of
/// regions; one request for the whole provider makes it whole), and <see cref="TriggeredScrapeWorker"/> then runs one
/// scrape per provider. A burst of notifications is one scrape. Bounded: past <see cref="MaxRegionsPerProvider"/> regions
/// a provider's pending scrape becomes a whole one, and at most <see cref="MaxPendingProviders"/> providers wait.
/// The scheduled scrape (<see cref="ScrapeWorker"/>) stays the fallback for anything a notification never says.
/// </summary>
public sealed class ScrapeTrigger
{
    public const int MaxRegionsPerProvider = 256;
    public const int MaxPendingProviders = 64;

    private readonly Lock _gate = new();
    private readonly Dictionary<string, HashSet<string>?> _pending = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _signal = new(0, 1);

    /// <summary>
    /// Asks for a scrape of <paramref name="provider"/>: of <paramref name="regions"/> only, or of everything when null.
    /// False (nothing queued) when <see cref="MaxPendingProviders"/> other providers already wait.
    /// </summary>
    public bool Request(string provider, IEnumerable<string>? regions)
    {
        lock (_gate)
        {
            if (!_pending.TryGetValue(provider, out var pending))
            {
                if (_pending.Count >= MaxPendingProviders)
                {
                    return false;
                }

                pending = regions is null ? null : new HashSet<string>(StringComparer.Ordinal);
                _pending[provider] = pending;
            }

            if (pending is not null)
            {
                if (regions is null)
                {
                    _pending[provider] = null;
                }
                else
                {
                    pending.UnionWith(regions);
                    if (pending.Count > MaxRegionsPerProvider)
                    {
                        _pending[provider] = null;
                    }
                }
            }

            if (_signal.CurrentCount == 0)
            {
                _signal.Release();
            }

            return true;
        }
    }

    /// <summary>
    /// Waits for a first request, then <paramref name="window"/> more for the rest of its burst, and takes everything
    /// pending: per provider, the regions to scrape (null: the whole provider).
    /// </summary>
    public async Task<IReadOnlyDictionary<string, IReadOnlySet<string>?>> NextBatchAsync(TimeSpan window, TimeProvider time, CancellationToken cancellationToken)
    {
        await _signal.WaitAsync(cancellationToken);
        if (window > TimeSpan.Zero)
        {
            await Task.Delay(window, time, cancellationToken);
        }

        lock (_gate)
        {
            var batch = _pending.ToDictionary(p => p.Key, p => (IReadOnlySet<string>?)p.Value, StringComparer.Ordinal);
            _pending.Clear();
            // A request that arrived after the delay but before this lock is in the batch; its signal is spent here.
            if (_signal.CurrentCount > 0)
            {
                _signal.Wait(0);
            }

            return batch;
        }
    }
}

/// <summary>Runs the scrapes <see cref="ScrapeTrigger"/> asks for, one coalesced batch at a time.</summary>
public sealed class TriggeredScrapeWorker(
    ScrapeTrigger trigger,
    IEnumerable<ProviderPriceCatalog> catalogs,
    IOptions<ScrapeOptions> options,
    TimeProvider time,
    ILogger<TriggeredScrapeWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var byProvider = catalogs.ToDictionary(c => c.Provider, StringComparer.Ordinal);
        while (!stoppingToken.IsCancellationRequested)
        {
            IReadOnlyDictionary<string, IReadOnlySet<string>?> batch;
            try
            {
                batch = await trigger.NextBatchAsync(options.Value.TriggerCoalesceWindow, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            await Task.WhenAll(batch.Select(async request =>
            {
                if (!byProvider.TryGetValue(request.Key, out var catalog))
                {
                    logger.LogWarning("A scrape of provider {Provider} was requested, which this process does not host; ignored", request.Key);
                    return;
                }

                try
                {
                    var outcome = await catalog.ScrapeOnceAsync(request.Value, stoppingToken);
                    logger.LogInformation("Requested scrape of {Provider} ({Regions}): {Result}, version {Version}",
                        catalog.Provider, request.Value is null ? "all regions" : string.Join(",", request.Value.Order(StringComparer.Ordinal)), outcome.Kind, outcome.Version);
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    logger.LogError(ex, "Requested scrape of {Provider} failed", catalog.Provider);
                }
            }));
        }
    }
}
