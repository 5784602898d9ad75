namespace Pricing.Contracts.Events;

/// <summary>
/// A provider's catalog version as one message: every change of version <c>CatalogVersion</c> (diffed against
/// <c>PreviousVersion</c>; 0 means the provider's whole catalog), in parts of at most a few thousand changes each when
/// the version is large. Part <c>Part</c> of <c>Parts</c> (from 1); the parts of a version are published in order, each
/// confirmed before the next, and <c>ChangeCount</c> (every part says it) is the version's whole change count, so a
/// consumer knows when it holds all of them. Published to the fanout exchange
/// <see cref="PriceChangeTopology.CatalogVersionsExchangeName"/> before the version's per-change
/// <see cref="AcceleratorPriceChanged"/> messages: it is how the Quotes service receives changes (one delivery per
/// version part instead of one per change); the per-change messages stay the contract for subscribers who bind a topic
/// pattern. Each change in <c>Changes</c> is exactly the <see cref="AcceleratorPriceChanged"/> published on its own.
/// </summary>
public sealed record CatalogVersionChanges(
    string Provider,
    long CatalogVersion,
    long PreviousVersion,
    int Part,
    int Parts,
    int ChangeCount,
    int OfferCount,
    int Quarantined,
    DateTimeOffset AsOf,
    AcceleratorPriceChanged[] Changes)
{
    /// <summary>
    /// The version's changes in parts of at most <paramref name="partSize"/>, in the diff's order; a version without
    /// changes is one empty part (it still announces the version).
    /// </summary>
    public static IReadOnlyList<CatalogVersionChanges> Split(string provider, long version, long previousVersion, int offerCount, int quarantined,
        DateTimeOffset asOf, IReadOnlyList<AcceleratorPriceChanged> changes, int partSize)
    {
        var size = Math.Max(1, partSize);
        var parts = Math.Max(1, (changes.Count + size - 1) / size);
        var result = new List<CatalogVersionChanges>(parts);
        for (var part = 0; part < parts; part++)
        {
            var slice = changes.Skip(part * size).Take(size).ToArray();
            result.Add(new CatalogVersionChanges(provider, version, previousVersion, part + 1, parts, changes.Count, offerCount, quarantined, asOf, slice));
        }

        return result;
    }
}
