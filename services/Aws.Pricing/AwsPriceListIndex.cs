using System.Text.Json;

namespace Aws.Pricing;

/// <summary>
/// The two small index documents of the Price List Bulk API: the offer index (<c>offers/v1.0/aws/index.json</c>,
/// one entry per service with its <c>currentRegionIndexUrl</c>) and a service's region index
/// (<c>regions.{code}.currentVersionUrl</c>, the path of that region's current offer file).
/// </summary>
public static class AwsPriceListIndex
{
    public const string OfferIndexPath = "offers/v1.0/aws/index.json";

    public const string OfferCode = "AmazonEC2";

    /// <summary>EC2's <c>currentRegionIndexUrl</c> (a path from the API's root, e.g. <c>/offers/v1.0/aws/AmazonEC2/current/region_index.json</c>).</summary>
    public static async Task<string> ReadRegionIndexUrlAsync(Stream body, CancellationToken cancellationToken)
    {
        using var document = await ParseAsync(body, "offer index", cancellationToken);
        if (!document.RootElement.TryGetProperty("offers", out var offers) || offers.ValueKind != JsonValueKind.Object
            || !offers.TryGetProperty(OfferCode, out var ec2) || ec2.ValueKind != JsonValueKind.Object
            || !ec2.TryGetProperty("currentRegionIndexUrl", out var url) || url.ValueKind != JsonValueKind.String
            || string.IsNullOrEmpty(url.GetString()))
        {
            throw new InvalidDataException($"The offer index has no offers.{OfferCode}.currentRegionIndexUrl.");
        }

        return url.GetString()!;
    }

    /// <summary>Region code → path of the region's current offer file.</summary>
    public static async Task<IReadOnlyDictionary<string, string>> ReadRegionOfferUrlsAsync(Stream body, CancellationToken cancellationToken)
    {
        using var document = await ParseAsync(body, "region index", cancellationToken);
        if (!document.RootElement.TryGetProperty("regions", out var regions) || regions.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidDataException("The region index has no regions object.");
        }

        var urls = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var region in regions.EnumerateObject())
        {
            if (region.Value.ValueKind != JsonValueKind.Object
                || !region.Value.TryGetProperty("currentVersionUrl", out var url) || url.ValueKind != JsonValueKind.String)
            {
                throw new InvalidDataException($"The region index entry {region.Name} has no currentVersionUrl.");
            }

            var code = region.Value.TryGetProperty("regionCode", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString()! : region.Name;
            urls[code] = url.GetString()!;
        }

        return urls;
    }

    private static async Task<JsonDocument> ParseAsync(Stream body, string what, CancellationToken cancellationToken)
    {
        try
        {
            var document = await JsonDocument.ParseAsync(body, default, cancellationToken);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                document.Dispose();
                throw new InvalidDataException($"The {what} is not a JSON object.");
            }

            return document;
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"The {what} is not complete JSON: {ex.Message}", ex);
        }
    }
}
