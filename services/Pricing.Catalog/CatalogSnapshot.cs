namespace Pricing.Catalog;

/// <summary>One committed version of a provider's catalog. Immutable.</summary>
public sealed record CatalogSnapshot(
    string Provider,
    long Version,
    DateTimeOffset AsOf,
    IReadOnlyDictionary<string, Offer> Offers,
    IReadOnlyList<QuarantinedRow> Quarantined)
{
    public static CatalogSnapshot Empty(string provider) =>
        new(provider, 0, DateTimeOffset.MinValue, new Dictionary<string, Offer>(), []);
}

public enum PriceChangeKind
{
    Added = 1,
    Changed = 2,
    Removed = 3,
}

/// <summary>The difference of one offer between two consecutive versions.</summary>
public sealed record OfferChange(PriceChangeKind Kind, string OfferKey, Offer? Old, Offer? New);
