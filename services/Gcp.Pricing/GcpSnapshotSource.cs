using System.Globalization;
using Microsoft.Extensions.Options;
using Pricing.Catalog;
using Pricing.Sources;

namespace Gcp.Pricing;

/// <summary>
/// The bundled recording of the Cloud Billing Catalog API (Snapshot/&lt;service id&gt;-page-NNNN.json, the API's
/// exact page format), read through the same parser and composer as the live API. The embedded default runs on it offline.
/// </summary>
public sealed class GcpSnapshotSource(IOptions<GcpPricingOptions> options) : IPriceSource
{
    /// <summary>The date the bundled snapshot was assembled; its prices were captured on or before it (Snapshot/README.md).</summary>
    public static readonly DateTimeOffset SnapshotDate = DateTimeOffset.Parse("2026-11-28T00:00:00Z", CultureInfo.InvariantCulture);

    /// <summary>Prefix of the embedded pages; a service's pages are <c>{prefix}{service id}-page-NNNN.json</c>.</summary>
    public const string ResourcePrefix = "Gcp.Pricing.Snapshot.";

    public GcpSnapshotSource()
        : this(Options.Create(new GcpPricingOptions()))
    {
    }

    public string Provider => GcpOfferComposer.Provider;

    public string Description => $"snapshot:{SnapshotDate:yyyy-MM-dd}";

    public async Task<SourceScrape> ScrapeAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        var assembly = typeof(GcpSnapshotSource).Assembly;
        var skus = new List<GcpSku>();
        var malformed = new List<GcpMalformedSku>();
        foreach (var service in o.ServiceIds())
        {
            var names = EmbeddedData.Names(assembly, $"{ResourcePrefix}{service}-page-").ToList();
            if (names.Count == 0)
            {
                throw new InvalidDataException($"The snapshot has no pages for service {service}.");
            }

            for (var i = 0; i < names.Count; i++)
            {
                await using var stream = EmbeddedData.Open(assembly, names[i]);
                var page = await GcpSkuPageParser.ParseAsync(stream, cancellationToken);
                // The recorded pages must form a complete chain: a token on every page but the last, none on the last.
                if ((page.NextPageToken is null) != (i == names.Count - 1))
                {
                    throw new InvalidDataException($"Snapshot page {names[i]} breaks the nextPageToken chain: a page is missing or extra.");
                }

                skus.AddRange(page.Skus);
                malformed.AddRange(page.Malformed);
            }
        }

        return ScrapeBuilder.Build(SnapshotDate, GcpOfferComposer.Malformed(malformed), new GcpOfferComposer(GcpMachineTypeMap.Default, o.Regions).Compose(skus));
    }
}
