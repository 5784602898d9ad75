using System.Text.Json;

namespace Aws.Pricing;

/// <summary>EC2's entry of the offer index.</summary>
public sealed record AwsOfferIndex(string RegionIndexUrl, string? SavingsPlanIndexUrl);

/// <summary>
/// The small index documents of the Price List Bulk API: the offer index (<c>offers/v1.0/aws/index.json</c>,
/// one entry per service with its <c>currentRegionIndexUrl</c> and, for EC2, <c>currentSavingsPlanIndexUrl</c>),
/// a service's region index (<c>regions.{code}.currentVersionUrl</c>, the path of that region's current offer
/// file) and the Savings Plans region index (<c>regions[{regionCode, versionUrl}]</c>, an array, the path of each
/// region's rate file).
/// </summary>
public static class AwsPriceListIndex
{
    public const string OfferIndexPath = "offers/v1.0/aws/index.json";

    public const string OfferCode = "AmazonEC2";

    /// <summary>
    /// EC2's entry of the offer index: <c>currentRegionIndexUrl</c> (required) and <c>currentSavingsPlanIndexUrl</c>
    /// (e.g. <c>/savingsPlan/v1.0/aws/AWSComputeSavingsPlan/current/region_index.json</c>, the index of the Compute and
    /// EC2 Instance Savings Plans rate files; null when the entry has none).
    /// </summary>
    public static async Task<AwsOfferIndex> ReadOfferIndexAsync(Stream body, CancellationToken cancellationToken)
    {
        using var document = await ParseAsync(body, "offer index", cancellationToken);
        if (!document.RootElement.TryGetProperty("offers", out var offers) || offers.ValueKind != JsonValueKind.Object
            || !offers.TryGetProperty(OfferCode, out var ec2) || ec2.ValueKind != JsonValueKind.Object
            || !ec2.TryGetProperty("currentRegionIndexUrl", out var url) || url.ValueKind != JsonValueKind.String
            || string.IsNullOrEmpty(url.GetString()))
        {
            throw new InvalidDataException($"The offer index has no offers.{OfferCode}.currentRegionIndexUrl.");
        }

        var savingsPlans = ec2.TryGetProperty("currentSavingsPlanIndexUrl", out var sp) && sp.ValueKind == JsonValueKind.String && !string.IsNullOrEmpty(sp.GetString())
            ? sp.GetString()
            : null;
        return new AwsOfferIndex(url.GetString()!, savingsPlans);
    }

    /// <summary>
    /// Region code → path of the region's Savings Plans rate file, from the Savings Plans region index, whose
    /// <c>regions</c> is an array of <c>{regionCode, versionUrl}</c> (not EC2's object keyed by region).
    /// </summary>
    public static async Task<IReadOnlyDictionary<string, string>> ReadSavingsPlanRegionUrlsAsync(Stream body, CancellationToken cancellationToken)
    {
        using var document = await ParseAsync(body, "savings plan region index", cancellationToken);
        if (!document.RootElement.TryGetProperty("regions", out var regions) || regions.ValueKind != JsonValueKind.Array)
        {
            throw new InvalidDataException("The savings plan region index has no regions array.");
        }

        var urls = new Dictionary<string, string>(StringComparer.Ordinal);
        var index = 0;
        foreach (var region in regions.EnumerateArray())
        {
            if (region.ValueKind != JsonValueKind.Object
                || !region.TryGetProperty("regionCode", out var code) || code.ValueKind != JsonValueKind.String || string.IsNullOrEmpty(code.GetString())
                || !region.TryGetProperty("versionUrl", out var url) || url.ValueKind != JsonValueKind.String || string.IsNullOrEmpty(url.GetString()))
            {
                throw new InvalidDataException($"The savings plan region index entry {index} has no regionCode and versionUrl.");
            }

            urls[code.GetString()!] = url.GetString()!;
            index++;
        }

        return urls;
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
