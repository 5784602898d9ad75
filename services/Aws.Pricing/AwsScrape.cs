using Pricing.Catalog;
using Pricing.Sources;

namespace Aws.Pricing;

/// <summary>One region's offer file as parsed, with the region it was requested for.</summary>
public sealed record AwsRegionOfferFile(string Region, AwsOfferFile File);

/// <summary>A scrape before validation, with what was skipped and corrected (for logs and tests).</summary>
public sealed record AwsScrapeResult(SourceScrape Scrape, IReadOnlyDictionary<string, int> Skipped, IReadOnlyList<string> Corrections, bool SpotIncluded);

/// <summary>The part both sources share: the offer files and the spot feed, mapped into one scrape.</summary>
public static class AwsScrape
{
    public static AwsScrapeResult Build(AwsInstanceTypeMap map, IReadOnlyList<AwsRegionOfferFile> files, AwsSpotFeed? spot, DateTimeOffset asOf)
    {
        var mapper = new AwsOfferMapper(map);
        var offers = new List<Offer>();
        var quarantined = new List<QuarantinedRow>();
        var skipped = new Dictionary<string, int>(StringComparer.Ordinal);
        var corrections = new List<string>();

        void Add(AwsMappingResult result)
        {
            offers.AddRange(result.Offers);
            quarantined.AddRange(result.Quarantined);
            corrections.AddRange(result.Corrections);
            foreach (var (reason, count) in result.Skipped)
            {
                skipped[reason] = skipped.GetValueOrDefault(reason) + count;
            }
        }

        foreach (var file in files)
        {
            Add(mapper.Map(file.File, file.Region));
        }

        if (spot is not null)
        {
            // Spot offers only where the catalog has the region's offer file: a region is scraped whole or not at all.
            var regions = files.Select(f => f.Region).ToHashSet(StringComparer.Ordinal);
            Add(new AwsSpotMapper(map).Map(spot, regions, asOf));
        }

        return new AwsScrapeResult(new SourceScrape(offers, quarantined, asOf), skipped, corrections, spot is not null);
    }
}
