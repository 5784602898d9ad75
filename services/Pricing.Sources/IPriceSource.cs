using Pricing.Catalog;

namespace Pricing.Sources;

/// <summary>
/// Where a provider's prices come from. Two implementations per provider: HTTP against the provider's
/// API, and a recorded snapshot in exactly the API's format. Both go through the same parser and mapper.
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

/// <summary>
/// Normalized candidate offers (not yet validated) and rows already rejected while parsing and mapping, as of
/// <see cref="AsOf"/>; <see cref="Skipped"/> and <see cref="Notes"/> say what else the mapping did (logged by the
/// catalog). Built from <see cref="MappingResult"/>s by <see cref="ScrapeBuilder"/>.
/// </summary>
public sealed record SourceScrape(IReadOnlyList<Offer> Candidates, IReadOnlyList<QuarantinedRow> Quarantined, DateTimeOffset AsOf)
{
    /// <summary>Rows that are not ours to price (another OS, a reservation class we do not sell), counted by reason.</summary>
    public IReadOnlyDictionary<string, int> Skipped { get; init; } = new Dictionary<string, int>();

    /// <summary>Where the mapping corrected the API's facts, or left a part out on purpose (e.g. spot disabled).</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];
}
