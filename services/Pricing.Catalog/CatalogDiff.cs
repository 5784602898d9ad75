namespace Pricing.Catalog;

public static class CatalogDiff
{
    /// <summary>
    /// Added, changed (price or accelerator facts differ) and removed offers from <paramref name="previous"/>
    /// to <paramref name="next"/>, ordered by offer key so the same inputs always give the same event order.
    /// </summary>
    public static IReadOnlyList<OfferChange> Compute(
        IReadOnlyDictionary<string, Offer> previous,
        IReadOnlyDictionary<string, Offer> next)
    {
        var changes = new List<OfferChange>();
        foreach (var (key, offer) in next)
        {
            if (!previous.TryGetValue(key, out var old))
            {
                changes.Add(new OfferChange(PriceChangeKind.Added, key, null, offer));
            }
            else if (!old.SamePriceAs(offer))
            {
                changes.Add(new OfferChange(PriceChangeKind.Changed, key, old, offer));
            }
        }

        foreach (var (key, old) in previous)
        {
            if (!next.ContainsKey(key))
            {
                changes.Add(new OfferChange(PriceChangeKind.Removed, key, old, null));
            }
        }

        changes.Sort((a, b) => string.CompareOrdinal(a.OfferKey, b.OfferKey));
        return changes;
    }
}
