using System.Globalization;
using Microsoft.Extensions.Options;
using Pricing.Catalog;
using Pricing.Sources;

namespace Aws.Pricing;

/// <summary>
/// The bundled recording of the Price List Bulk API and the spot feed (Snapshot/*, in the APIs' exact formats),
/// read through the same index readers, offer-file parser and mappers as the live API. Every region the
/// snapshot holds is read. The embedded default runs on it offline.
/// </summary>
public sealed class AwsSnapshotSource(IOptions<AwsPricingOptions>? options = null) : IPriceSource
{
    /// <summary>The date the bundled snapshot was assembled; its prices were captured on or before it (Snapshot/README.md).</summary>
    public static readonly DateTimeOffset SnapshotDate = DateTimeOffset.Parse("2026-11-28T00:00:00Z", CultureInfo.InvariantCulture);

    public const string ResourcePrefix = "Aws.Pricing.Snapshot.";
    public const string OfferIndexResource = ResourcePrefix + "offer-index.json";
    public const string RegionIndexResource = ResourcePrefix + "region-index.json";
    public const string SpotFeedResource = ResourcePrefix + "spot.js";
    public const string SavingsPlanRegionIndexResource = ResourcePrefix + "savings-plan-region-index.json";

    private readonly AwsInstanceTypeMap _map = AwsInstanceTypeMap.Default;

    public string Provider => AwsOfferMapper.Provider;

    private bool SpotEnabled => options?.Value.SpotEnabled ?? true;

    private bool SavingsPlansEnabled => options?.Value.SavingsPlansEnabled ?? true;

    public string Description => $"snapshot:{SnapshotDate:yyyy-MM-dd}{(SpotEnabled ? "" : " (spot disabled: no spot offers)")}"
        + (SavingsPlansEnabled ? "" : " (savings plans disabled)");

    /// <summary>The resource holding a region's offer file.</summary>
    public static string OfferFileResource(string region) => $"{ResourcePrefix}offer-file-{region}.json";

    /// <summary>The resource holding a region's Savings Plans rate file.</summary>
    public static string SavingsPlanFileResource(string region) => $"{ResourcePrefix}savings-plan-{region}.json";

    public async Task<SourceScrape> ScrapeAsync(CancellationToken cancellationToken)
    {
        var assembly = typeof(AwsSnapshotSource).Assembly;
        await using (var index = EmbeddedData.Open(assembly, OfferIndexResource))
        {
            // Read for its shape only: the snapshot's region indexes are bundled under fixed names.
            await AwsPriceListIndex.ReadOfferIndexAsync(index, cancellationToken);
        }

        IReadOnlyDictionary<string, string> regions;
        await using (var regionIndex = EmbeddedData.Open(assembly, RegionIndexResource))
        {
            regions = await AwsPriceListIndex.ReadRegionOfferUrlsAsync(regionIndex, cancellationToken);
        }

        var parser = new AwsOfferFileParser(new AwsProductFilter(_map));
        var files = new List<AwsRegionOfferFile>();
        foreach (var region in regions.Keys.Order(StringComparer.Ordinal))
        {
            await using var stream = EmbeddedData.Open(assembly, OfferFileResource(region));
            files.Add(new AwsRegionOfferFile(region, await parser.ParseAsync(stream, cancellationToken)));
        }

        AwsSpotFeed? spot = null;
        if (SpotEnabled)
        {
            await using var stream = EmbeddedData.Open(assembly, SpotFeedResource);
            spot = await AwsSpotFeedParser.ParseAsync(stream, cancellationToken);
        }

        List<AwsRegionSavingsPlanFile>? savingsPlans = null;
        if (SavingsPlansEnabled)
        {
            IReadOnlyDictionary<string, string> planRegions;
            await using (var planIndex = EmbeddedData.Open(assembly, SavingsPlanRegionIndexResource))
            {
                planRegions = await AwsPriceListIndex.ReadSavingsPlanRegionUrlsAsync(planIndex, cancellationToken);
            }

            // The index lists every region AWS has (local zones too); the snapshot holds the rate files it recorded.
            var recorded = EmbeddedData.Names(assembly, ResourcePrefix + "savings-plan-").ToHashSet(StringComparer.Ordinal);
            var planParser = new AwsSavingsPlanFileParser(_map);
            savingsPlans = [];
            foreach (var region in planRegions.Keys.Where(r => recorded.Contains(SavingsPlanFileResource(r))).Order(StringComparer.Ordinal))
            {
                await using var stream = EmbeddedData.Open(assembly, SavingsPlanFileResource(region));
                savingsPlans.Add(new AwsRegionSavingsPlanFile(region, await planParser.ParseAsync(stream, cancellationToken)));
            }
        }

        return AwsOfferMapper.MapScrape(_map, files, spot, SnapshotDate, savingsPlans, AwsCapacityBlockRates.Default);
    }
}
