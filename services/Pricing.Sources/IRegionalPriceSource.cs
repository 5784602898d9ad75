namespace Pricing.Sources;

/// <summary>
/// A source that can read some of its regions on their own (AWS: one offer file per region). A catalog asked to scrape
/// only some regions (<see cref="ScrapeTrigger"/>) reads them through this and merges them into its last good version;
/// a source without it is scraped whole instead.
/// </summary>
public interface IRegionalPriceSource : IPriceSource
{
    /// <summary>
    /// Reads only <paramref name="regions"/> (each one this source reads in a whole scrape). Candidates of other regions
    /// may come back too (a feed that covers every region); the catalog keeps only the named ones. Throws like
    /// <see cref="IPriceSource.ScrapeAsync"/> when the read fails or is incomplete.
    /// </summary>
    Task<SourceScrape> ScrapeRegionsAsync(IReadOnlySet<string> regions, CancellationToken cancellationToken);
}
