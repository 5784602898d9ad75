using Pricing.Catalog;
using Pricing.Contracts.Events;
using Pricing.Quoting;
using Quotes.History;

namespace Quotes.PastPrices;

public sealed class CatalogAsOfOptions
{
    public const string Section = "AsOf";

    /// <summary>
    /// A rebuild undoing more recorded changes of one provider than this is refused (OUT_OF_RANGE: ask for a later
    /// time): one call never makes the server read and hold an unbounded part of the history.
    /// </summary>
    public int MaxChanges { get; set; } = 200_000;

    /// <summary>The history is read in pages of this many changes.</summary>
    public int PageSize { get; set; } = 5_000;

    /// <summary>
    /// At most this many offers' records before the time are looked up (removals first); beyond it a changed offer's
    /// old offer is built from its change (the price exact, the effective date not).
    /// </summary>
    public int MaxLookups { get; set; } = 10_000;

    /// <summary>At most this many lookups in flight at once.</summary>
    public int LookupConcurrency { get; set; } = 16;
}

/// <summary>
/// Prices as of a past time: each provider's catalog rebuilt (<see cref="CatalogAsOf.Rebuild"/>, pure) from the price
/// view's current one and the changes the history recorded after that time. Reads the history only through
/// <see cref="IPriceHistoryStore"/>: the changes after the time from the per-accelerator indexes (scored by observed
/// time), the first retained version from the provider log, and, for an offer changed or removed after the time, its record at or
/// before it.
/// The time must lie within the retention window and at or after the provider's first retained version.
/// </summary>
public sealed class CatalogAsOfReader(
    PriceView view,
    IPriceHistoryStore history,
    AcceleratorRegistry registry,
    PriceHistoryOptions historyOptions,
    CatalogAsOfOptions options,
    TimeProvider time)
{
    /// <summary>Every provider in the view (or those named), each as of <paramref name="asOf"/>.</summary>
    public async Task<(PriceViewSnapshot Prices, IReadOnlyList<string> Warnings)> GetViewAsOfAsync(
        DateTimeOffset asOf, IReadOnlyCollection<string> providers, CancellationToken cancellationToken)
    {
        var catalogs = new List<PriceViewCatalog>();
        var warnings = new List<string>();
        foreach (var current in view.Current.Catalogs.Where(c => providers.Count == 0 || providers.Contains(c.Provider)))
        {
            var rebuilt = await RebuildAsync(current, asOf, cancellationToken);
            catalogs.Add(rebuilt.Catalog);
            warnings.AddRange(rebuilt.Warnings);
        }

        return (new PriceViewSnapshot(catalogs), warnings);
    }

    /// <summary>One provider's catalog as of <paramref name="asOf"/>; null when the view holds no catalog of it.</summary>
    public async Task<CatalogAsOfResult?> GetCatalogAsOfAsync(string provider, DateTimeOffset asOf, CancellationToken cancellationToken) =>
        view.Current.Catalogs.FirstOrDefault(c => c.Provider == provider) is { } current
            ? await RebuildAsync(current, asOf, cancellationToken)
            : null;

    private async Task<CatalogAsOfResult> RebuildAsync(PriceViewCatalog current, DateTimeOffset asOf, CancellationToken cancellationToken)
    {
        var provableFrom = await ProvableFromAsync(current, cancellationToken);
        if (asOf < provableFrom)
        {
            // Refused before reading any change.
            return CatalogAsOf.Rebuild(current, [], asOf, provableFrom);
        }

        var changes = await ChangesAfterAsync(current, asOf, cancellationToken);
        var lookedUp = await RecordedAtOrBeforeAsync([.. CatalogAsOf.KeysToLookUp(current, changes, asOf).Take(Math.Max(0, options.MaxLookups))], asOf, cancellationToken);
        return CatalogAsOf.Rebuild(current, changes, asOf, provableFrom, lookedUp);
    }

    /// <summary>
    /// The earliest time the history vouches for: the retention window's start, and the first version the provider log
    /// still holds whole (after what its cap trimmed). Without any recorded change, the current catalog's own time.
    /// </summary>
    private async Task<DateTimeOffset> ProvableFromAsync(PriceViewCatalog current, CancellationToken cancellationToken)
    {
        var retained = time.GetUtcNow() - historyOptions.Retention;
        var window = await history.ResumeWindowAsync(current.Provider, 0, cancellationToken);
        DateTimeOffset? first = null;
        await foreach (var change in history.ReadAfterAsync(current.Provider, window.TrimmedThrough ?? 0, cancellationToken))
        {
            first = change.ObservedAt;
            break;
        }

        var recorded = first ?? current.AsOf;
        return recorded > retained ? recorded : retained;
    }

    /// <summary>
    /// The provider's changes observed after <paramref name="asOf"/>, every accelerator's index read newest first in
    /// pages; more than <see cref="CatalogAsOfOptions.MaxChanges"/> is refused.
    /// </summary>
    private async Task<List<RecordedChange>> ChangesAfterAsync(PriceViewCatalog current, DateTimeOffset asOf, CancellationToken cancellationToken)
    {
        var accelerators = registry.All.Select(a => a.Id).Concat(current.Offers.Values.Select(o => o.AcceleratorId)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        var changes = new List<RecordedChange>();
        foreach (var accelerator in accelerators)
        {
            HistoryCursor? before = null;
            do
            {
                var page = await history.QueryAsync(
                    new PriceHistoryQuery(null, accelerator, current.Provider, null, asOf, null, Math.Max(1, options.PageSize), before), cancellationToken);
                changes.AddRange(page.Changes.Where(c => c.ObservedAt > asOf).Select(ToRecorded));
                if (changes.Count > options.MaxChanges)
                {
                    throw new AsOfOutOfRangeException(current.Provider,
                        $"{current.Provider}: more than {options.MaxChanges} recorded changes lie after {asOf.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'}; ask for a later time.", null);
                }

                before = page.Next;
            }
            while (before is not null);
        }

        return changes;
    }

    /// <summary>Each key's latest record at or before the time (null: its latest record there is a removal).</summary>
    private async Task<IReadOnlyDictionary<string, Offer?>> RecordedAtOrBeforeAsync(IReadOnlyList<string> keys, DateTimeOffset asOf, CancellationToken cancellationToken)
    {
        var found = new System.Collections.Concurrent.ConcurrentDictionary<string, Offer?>(StringComparer.Ordinal);
        await Parallel.ForEachAsync(keys, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.LookupConcurrency), CancellationToken = cancellationToken },
            async (key, ct) =>
            {
                var page = await history.QueryAsync(new PriceHistoryQuery(key, null, null, null, null, asOf, 1), ct);
                if (page.Changes is [var latest] && latest.ObservedAt <= asOf)
                {
                    found[key] = latest.Offer?.ToOffer();
                }
            });
        return found;
    }

    private static RecordedChange ToRecorded(AcceleratorPriceChanged c) =>
        new(c.CatalogVersion, c.ObservedAt, c.Kind.ToDomain(), c.OfferKey, c.AcceleratorId, c.Currency, c.OldPricePerInstanceHour, c.Offer?.ToOffer());
}
