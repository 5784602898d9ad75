using Pricing.Catalog;
using Pricing.Contracts;
using Pricing.Contracts.V1;
using Pricing.Quoting;

namespace Quotes.Grpc;

/// <summary>
/// The catalog versions an answer used, as every answer reports them (quote, comparison, offer listing): age and
/// <c>stale</c> against the one <see cref="Sync.QuotesOptions.StaleAfter"/> setting, and the warnings for stale ones.
/// </summary>
public static class CatalogVersionsProto
{
    public static IEnumerable<CatalogVersionUsed> Used(IEnumerable<PriceViewCatalog> catalogs, DateTimeOffset now, TimeSpan staleAfter) =>
        catalogs.Select(c => new CatalogVersionUsed
        {
            Provider = c.Provider,
            Version = c.Version,
            AsOf = c.AsOf.ToProtoTimestamp(),
            AgeSeconds = AgeSeconds(now, c.AsOf),
            Stale = PriceAge.IsStale(c.AsOf, now, staleAfter),
        });

    public static IEnumerable<string> StaleWarnings(IEnumerable<PriceViewCatalog> catalogs, DateTimeOffset now, TimeSpan staleAfter) =>
        catalogs.Where(c => PriceAge.IsStale(c.AsOf, now, staleAfter))
            .Select(c => $"{c.Provider} prices are {PriceAge.Describe(now - c.AsOf)} (catalog version {c.Version}).");

    public static long AgeSeconds(DateTimeOffset now, DateTimeOffset asOf) => (long)Math.Max(0, (now - asOf).TotalSeconds);
}
