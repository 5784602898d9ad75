using Pricing.Catalog;

namespace Pricing.Quoting;

/// <summary>
/// One recorded change of a provider's catalog as the as-of rebuild reads it: the offer after the change
/// (<see cref="New"/>, null for a removal) and the instance price before it (null for an addition).
/// </summary>
public sealed record RecordedChange(
    long Version,
    DateTimeOffset ObservedAt,
    PriceChangeKind Kind,
    string OfferKey,
    string AcceleratorId,
    string Currency,
    decimal? OldPricePerInstanceHour,
    Offer? New);

/// <summary>
/// A provider's catalog as it stood at <see cref="AsOf"/>: the version live then (<see cref="Catalog"/>), how many
/// recorded changes were undone to get there, and what could not be restored exactly.
/// </summary>
public sealed record CatalogAsOfResult(PriceViewCatalog Catalog, DateTimeOffset AsOf, int ChangesUndone, IReadOnlyList<string> Warnings);

/// <summary>
/// A time the history cannot vouch for: before what it still holds (retention, the first recorded version) or before a
/// version that replaced the catalog whole. <see cref="Earliest"/> is the earliest time that can be rebuilt, when known.
/// </summary>
public sealed class AsOfOutOfRangeException(string provider, string message, DateTimeOffset? earliest) : Exception(message)
{
    public string Provider { get; } = provider;

    public DateTimeOffset? Earliest { get; } = earliest;
}

/// <summary>
/// A provider's catalog at a past time, rebuilt from the current one by undoing, newest first, every recorded change
/// observed after that time: an addition is dropped, a change gets its old price back, a removal gets its offer back.
/// Pure: the caller reads the current catalog and the history.
/// <para>
/// Undoing, not replaying: the history starts wherever Quotes started recording (often not at a whole catalog), while
/// the current catalog is always whole. Two things the changes alone cannot say are never guessed:
/// a time before <c>provableFrom</c> (the retention window, the first recorded version) and a version that replaced the
/// catalog whole (a provider restart publishes every offer as added and what it replaced silently vanishes) both throw
/// <see cref="AsOfOutOfRangeException"/>. A version is whole exactly when it removed nothing and added every offer of
/// the catalog it produced: a diff against a non-empty previous catalog cannot do that.
/// </para>
/// <para>
/// The offer a change or removal replaced is, in order: the offer an older recorded change of that key carried
/// (exact); the offer recorded for it at or before the time (<c>recordedAtOrBefore</c>, exact); else, built from the
/// change itself: a change's offer with its old price (the price exact, the accelerator facts the same, the effective
/// date at most the time), a removal's key and old price with the facts of another offer of the same instance type.
/// A removed offer with neither is left out and named in a warning.
/// </para>
/// </summary>
public static class CatalogAsOf
{
    /// <summary>Warnings name at most this many offers.</summary>
    private const int MaxNamed = 5;

    public static CatalogAsOfResult Rebuild(
        PriceViewCatalog current,
        IReadOnlyList<RecordedChange> changes,
        DateTimeOffset asOf,
        DateTimeOffset provableFrom,
        IReadOnlyDictionary<string, Offer?>? recordedAtOrBefore = null)
    {
        if (asOf < provableFrom)
        {
            throw new AsOfOutOfRangeException(current.Provider,
                $"{current.Provider}: {Show(asOf)} is before the history can vouch for ({Show(provableFrom)}: the retention window or the first recorded version); ask for a later time.",
                provableFrom);
        }

        var undo = Undone(changes, asOf, current.Version);
        if (undo.Count == 0)
        {
            return new CatalogAsOfResult(current with { AsOf = Min(current.AsOf, asOf) }, asOf, 0, []);
        }

        // Older recorded changes of each key, for the offer a later change replaced.
        var byKey = undo.GroupBy(c => c.OfferKey, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.OrderBy(c => c.Version).ToList(), StringComparer.Ordinal);
        var offers = new Dictionary<string, Offer>(current.Offers, StringComparer.Ordinal);
        var derived = new List<string>();
        var lost = new List<string>();
        foreach (var version in undo.GroupBy(c => c.Version).OrderByDescending(g => g.Key))
        {
            if (IsWhole(version.ToList(), offers))
            {
                var observed = version.Max(c => c.ObservedAt);
                throw new AsOfOutOfRangeException(current.Provider,
                    $"{current.Provider}: version {version.Key} (observed {Show(observed)}) replaced the catalog whole (a provider restart publishes every offer anew), "
                    + $"and what it replaced is not in the history; the earliest time that can be rebuilt is {Show(observed)}.",
                    observed);
            }

            foreach (var change in version)
            {
                if (change.Kind == PriceChangeKind.Added)
                {
                    offers.Remove(change.OfferKey);
                    continue;
                }

                if (Replaced(change, byKey[change.OfferKey], recordedAtOrBefore, offers, current.Offers, asOf) is { } before)
                {
                    offers[change.OfferKey] = before.Offer;
                    if (before.Derived)
                    {
                        derived.Add(change.OfferKey);
                    }
                }
                else
                {
                    offers.Remove(change.OfferKey);
                    lost.Add(change.OfferKey);
                }
            }
        }

        var warnings = new List<string>();
        if (lost.Count > 0)
        {
            warnings.Add($"{current.Provider}: {lost.Count} offers removed after {Show(asOf)} are left out: the history holds no full record of them "
                + $"and no other offer of their instance type (e.g. {string.Join(", ", lost.Take(MaxNamed))}).");
        }

        if (derived.Count > 0)
        {
            warnings.Add($"{current.Provider}: {derived.Count} offers unchanged since before the history began show the price their first recorded change "
                + $"replaced; their effective date is unknown (shown as at most {Show(asOf)}).");
        }

        // The catalog then is the version just before the oldest one undone (versions of one process are consecutive;
        // the first of a process is whole, which stopped the rebuild above).
        var live = current with { Version = undo.Min(c => c.Version) - 1, AsOf = asOf, Offers = offers };
        return new CatalogAsOfResult(live, asOf, undo.Count, warnings);
    }

    /// <summary>
    /// The keys whose offer before their change cannot come from an older change in <paramref name="changes"/> (their
    /// oldest change to undo is a change or a removal): the caller looks up each one's latest record at or before
    /// <paramref name="asOf"/> in the history. Removals first: a change's old offer can be built from the change itself.
    /// </summary>
    public static IReadOnlyList<string> KeysToLookUp(PriceViewCatalog current, IReadOnlyList<RecordedChange> changes, DateTimeOffset asOf) =>
        Undone(changes, asOf, current.Version)
            .GroupBy(c => c.OfferKey, StringComparer.Ordinal)
            .Select(g => (Key: g.Key, Oldest: g.MinBy(c => c.Version)!.Kind))
            .Where(e => e.Oldest != PriceChangeKind.Added)
            .OrderBy(e => e.Oldest == PriceChangeKind.Removed ? 0 : 1)
            .ThenBy(e => e.Key, StringComparer.Ordinal)
            .Select(e => e.Key)
            .ToList();

    /// <summary>The changes to undo: observed after the time, and part of a version the catalog already holds.</summary>
    private static List<RecordedChange> Undone(IReadOnlyList<RecordedChange> changes, DateTimeOffset asOf, long currentVersion)
    {
        // A change recorded twice (a redelivery, two indexes) is undone once.
        var seen = new HashSet<(long, string)>();
        return changes.Where(c => c.ObservedAt > asOf && c.Version <= currentVersion && seen.Add((c.Version, c.OfferKey))).ToList();
    }

    /// <summary>Removed nothing and added every offer it left: diffed against nothing, so what came before is unknown.</summary>
    private static bool IsWhole(List<RecordedChange> version, Dictionary<string, Offer> offersAfter) =>
        offersAfter.Count > 0
        && version.All(c => c.Kind == PriceChangeKind.Added)
        && version.Count == offersAfter.Count
        && version.All(c => offersAfter.ContainsKey(c.OfferKey));

    private static (Offer Offer, bool Derived)? Replaced(
        RecordedChange change,
        List<RecordedChange> ofKey,
        IReadOnlyDictionary<string, Offer?>? recordedAtOrBefore,
        Dictionary<string, Offer> offers,
        IReadOnlyDictionary<string, Offer> current,
        DateTimeOffset asOf)
    {
        var older = ofKey.LastOrDefault(c => c.Version < change.Version);
        if (older?.New is { } olderOffer)
        {
            return (olderOffer, false);
        }

        if (older is null && recordedAtOrBefore is not null && recordedAtOrBefore.TryGetValue(change.OfferKey, out var recorded) && recorded is not null)
        {
            return (recorded, false);
        }

        var price = change.OldPricePerInstanceHour;
        if (price is not { } oldPrice)
        {
            return null;
        }

        if (change.New is { } changed)
        {
            return (changed with { PricePerInstanceHour = oldPrice, EffectiveDate = Min(changed.EffectiveDate, asOf) }, true);
        }

        if (!OfferKey.TryParse(change.OfferKey, out var key))
        {
            return null;
        }

        // An instance type's accelerators, vCPUs and memory are the same in every region and pricing model.
        var sibling = offers.Values.Concat(current.Values)
            .FirstOrDefault(o => o.Provider == key.Provider && o.InstanceType == key.InstanceType && o.AcceleratorId == change.AcceleratorId);
        return sibling is null
            ? null
            : (new Offer(key.Provider, key.Region, key.Zone, key.InstanceType, change.AcceleratorId, sibling.AcceleratorsPerInstance, sibling.Vcpus,
                sibling.MemoryGib, key.PricingModel, oldPrice, change.Currency, asOf, "", ""), true);
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    /// <summary>A time as people read it in a message (UTC, to the millisecond).</summary>
    private static string Show(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);
}
