using System.Globalization;
using Pricing.Catalog;
using Pricing.Sources;

namespace Azure.Pricing;

/// <summary>
/// The bundled recording of the Retail Prices API (Snapshot/page-*.json, the API's exact page format),
/// read through the same parser and mapper as the live API. The embedded default runs on it offline.
/// </summary>
public sealed class AzureSnapshotSource : IPriceSource
{
    /// <summary>The date the bundled snapshot was assembled; its prices were captured on or before it (Snapshot/README.md).</summary>
    public static readonly DateTimeOffset SnapshotDate = DateTimeOffset.Parse("2026-11-28T00:00:00Z", CultureInfo.InvariantCulture);

    private const string Prefix = "Azure.Pricing.Snapshot.page-";
    private readonly AzureOfferMapper _mapper = new(AzureVmSizeMap.Default);

    public string Provider => AzureOfferMapper.Provider;

    public string Description => $"snapshot:{SnapshotDate:yyyy-MM-dd}";

    public async Task<SourceScrape> ScrapeAsync(CancellationToken cancellationToken)
    {
        var assembly = typeof(AzureSnapshotSource).Assembly;
        var items = new List<AzureRetailPriceItem>();
        var malformed = new List<string>();
        foreach (var name in EmbeddedData.Names(assembly, Prefix))
        {
            await using var stream = EmbeddedData.Open(assembly, name);
            var page = await AzureRetailPricePageParser.ParseAsync(stream, cancellationToken);
            items.AddRange(page.Items);
            malformed.AddRange(page.MalformedItems);
        }

        return ScrapeBuilder.Build(SnapshotDate, _mapper.Map(items), AzureOfferMapper.Malformed(malformed));
    }
}
