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

    /// <summary>
    /// One warning per age and version, naming every stale provider it holds for ("aws, azure and gcp prices are 9 days
    /// old (catalog version 1)."): the same fact once, however many providers share it.
    /// </summary>
    public static IEnumerable<string> StaleWarnings(IEnumerable<PriceViewCatalog> catalogs, DateTimeOffset now, TimeSpan staleAfter) =>
        catalogs.Where(c => PriceAge.IsStale(c.AsOf, now, staleAfter))
            .GroupBy(c => (Age: PriceAge.Describe(now - c.AsOf), c.Version))
            .Select(g => $"{Names(g.Select(c => c.Provider).ToList())} prices are {g.Key.Age} (catalog version {g.Key.Version}).");

    private static string Names(List<string> names) =>
        names.Count == 1 ? names[0] : string.Join(", ", names.Take(names.Count - 1)) + " and " + names[^1];

    public static long AgeSeconds(DateTimeOffset now, DateTimeOffset asOf) => (long)Math.Max(0, (now - asOf).TotalSeconds);
}
