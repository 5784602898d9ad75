namespace Pricing.Catalog;

/// <summary>The result of committing a scrape: the new version and what changed since the previous one.</summary>
public sealed record CatalogCommit(CatalogSnapshot Previous, CatalogSnapshot Current, IReadOnlyList<OfferChange> Changes)
{
    public int Added => Changes.Count(c => c.Kind == PriceChangeKind.Added);
    public int Changed => Changes.Count(c => c.Kind == PriceChangeKind.Changed);
    public int Removed => Changes.Count(c => c.Kind == PriceChangeKind.Removed);
}

/// <summary>
/// A provider's catalog as a sequence of versions: the first committed scrape gets <paramref name="firstVersion"/>,
/// every later one the next number. The owner serializes commits; <see cref="Current"/> may be read from any thread
/// (snapshots are immutable). Before the first commit the catalog is empty at version 0.
/// </summary>
public sealed class VersionedCatalog(string provider, long firstVersion = 1)
{
    private CatalogSnapshot _current = CatalogSnapshot.Empty(provider);

    public CatalogSnapshot Current
    {
        get => Volatile.Read(ref _current);
        private set => Volatile.Write(ref _current, value);
    }

    public string Provider { get; } = provider;

    public long FirstVersion { get; } = firstVersion >= 1
        ? firstVersion
        : throw new ArgumentOutOfRangeException(nameof(firstVersion), firstVersion, "Catalog versions start at 1 or above.");

    public CatalogCommit Commit(IEnumerable<Offer> offers, IReadOnlyList<QuarantinedRow> quarantined, DateTimeOffset asOf)
    {
        var byKey = new Dictionary<string, Offer>(StringComparer.Ordinal);
        foreach (var offer in offers)
        {
            if (offer.Provider != Provider)
            {
                throw new ArgumentException($"Offer {offer.OfferKey} is not from provider {Provider}.", nameof(offers));
            }

            // Validation has already resolved duplicates; a second row for a key here is a programming error.
            if (!byKey.TryAdd(offer.OfferKey, offer))
            {
                throw new ArgumentException($"Duplicate offer key {offer.OfferKey}; run OfferValidator first.", nameof(offers));
            }
        }

        var previous = Current;
        var next = new CatalogSnapshot(Provider, previous.Version == 0 ? FirstVersion : previous.Version + 1, asOf, byKey, quarantined);
        var changes = CatalogDiff.Compute(previous.Offers, next.Offers);
        Current = next;
        return new CatalogCommit(previous, next, changes);
    }

    /// <summary>Restores a version held elsewhere (e.g. persisted state) without producing changes.</summary>
    public void Restore(CatalogSnapshot snapshot)
    {
        if (snapshot.Provider != Provider)
        {
            throw new ArgumentException("Snapshot from another provider.", nameof(snapshot));
        }

        Current = snapshot;
    }
}
