using Pricing.Catalog;

namespace Pricing.Sources;

/// <summary>
/// What a provider's mapper made of one part of a scrape (an offer file, a spot feed, a list of SKUs): offers, rows
/// quarantined with reasons, rows skipped as not ours to price (counted by reason), and notes (where the mapping
/// corrected the API's facts). Every provider's mapper returns this; <see cref="ScrapeBuilder"/> merges them.
/// </summary>
public sealed record MappingResult(
    IReadOnlyList<Offer> Offers,
    IReadOnlyList<QuarantinedRow> Quarantined,
    IReadOnlyDictionary<string, int> Skipped,
    IReadOnlyList<string> Notes)
{
    public MappingResult(IReadOnlyList<Offer> offers, IReadOnlyList<QuarantinedRow> quarantined, IReadOnlyDictionary<string, int> skipped)
        : this(offers, quarantined, skipped, [])
    {
    }

    /// <summary>Only rows rejected before mapping (e.g. items the parser could not bind), or a note.</summary>
    public static MappingResult Rejected(IEnumerable<QuarantinedRow> rows, params IReadOnlyList<string> notes) =>
        new([], [.. rows], new Dictionary<string, int>(), notes);
}

/// <summary>Merges the mapping results of one scrape into the <see cref="SourceScrape"/> the catalog validates.</summary>
public static class ScrapeBuilder
{
    /// <summary>
    /// Offers, quarantined rows and notes in the order of <paramref name="parts"/>; skipped counts summed per reason.
    /// </summary>
    public static SourceScrape Build(DateTimeOffset asOf, params IEnumerable<MappingResult> parts)
    {
        var offers = new List<Offer>();
        var quarantined = new List<QuarantinedRow>();
        var skipped = new Dictionary<string, int>(StringComparer.Ordinal);
        var notes = new List<string>();
        foreach (var part in parts)
        {
            offers.AddRange(part.Offers);
            quarantined.AddRange(part.Quarantined);
            notes.AddRange(part.Notes);
            foreach (var (reason, count) in part.Skipped)
            {
                skipped[reason] = skipped.GetValueOrDefault(reason) + count;
            }
        }

        return new SourceScrape(offers, quarantined, asOf) { Skipped = skipped, Notes = notes };
    }
}
