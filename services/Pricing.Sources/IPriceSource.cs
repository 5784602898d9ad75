using Pricing.Catalog;

namespace Pricing.Sources;

/// <summary>
/// Where a provider's prices come from. Two implementations per provider: HTTP against the provider's
/// API, and a recorded snapshot in exactly the API's format. Both go through the same parser.
/// </summary>
public interface IPriceSource
{
    string Provider { get; }

    /// <summary>"http &lt;base url&gt;" or "snapshot:&lt;date&gt;", shown in scrape status.</summary>
    string Description { get; }

    /// <summary>
    /// Reads every page. Throws when the read fails or is incomplete (a failed page, a truncated body):
    /// a partial read must never become a catalog.
    /// </summary>
    Task<SourceScrape> ScrapeAsync(CancellationToken cancellationToken);
}

/// <summary>Normalized candidate offers (not yet validated) and rows already rejected while mapping.</summary>
public sealed record SourceScrape(IReadOnlyList<Offer> Candidates, IReadOnlyList<QuarantinedRow> Quarantined, DateTimeOffset AsOf);
