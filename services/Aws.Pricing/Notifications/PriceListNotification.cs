using System.Text.Json;
using System.Text.RegularExpressions;

namespace Aws.Pricing.Notifications;

/// <summary>
/// What one AWS Price List notification (the SNS <c>Message</c> of topic <c>price-list-api</c>) says changed: a service's
/// offer file (<see cref="OfferCode"/>, e.g. AmazonEC2) and, for a regional offer file, its <see cref="Region"/>.
/// AWS Billing's "Setting up price update notifications" describes the message as JSON naming the service
/// (<c>offerCode</c>), its new <c>version</c>, and the new offer file's URLs (<c>url.JSON</c>, <c>url.CSV</c>); a regional
/// file carries <c>regionCode</c>, and its URL ends <c>/{offerCode}/{version}/{region}/index.json</c>
/// (https://docs.aws.amazon.com/awsaccountbilling/latest/aboutv2/notifications-price-list-api.html). The documentation shows
/// the message only loosely, so both forms are read: the region from <c>regionCode</c>, else from the URL's path; no region
/// at all is the whole-service form (every region may have changed).
/// </summary>
public sealed partial record PriceListNotification(string OfferCode, string? Region, string? Version)
{
    public const string Ec2OfferCode = "AmazonEC2";

    private static readonly JsonDocumentOptions Strict = new() { MaxDepth = 8 };

    /// <summary>The change the message names, or null when it is not a price-list notification we can read.</summary>
    public static PriceListNotification? TryParse(string message)
    {
        try
        {
            using var document = JsonDocument.Parse(message, Strict);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            var url = FirstUrl(root);
            var fromUrl = url is null ? null : OfferFilePath().Match(url.AbsolutePath);
            var offerCode = StringOf(root, "offerCode") ?? StringOf(root, "serviceCode") ?? (fromUrl is { Success: true } ? fromUrl.Groups["offer"].Value : null);
            if (offerCode is null || !OfferCodeShape().IsMatch(offerCode))
            {
                return null;
            }

            var region = StringOf(root, "regionCode") ?? (fromUrl is { Success: true, Groups: var g } && g["region"].Success ? g["region"].Value : null);
            if (region is not null && !RegionShape().IsMatch(region))
            {
                return null;
            }

            var version = StringOf(root, "version") ?? (fromUrl is { Success: true } ? fromUrl.Groups["version"].Value : null);
            return new PriceListNotification(offerCode, region, version);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The offer file's URL: <c>url.JSON</c> (or <c>url.CSV</c>), or <c>url</c> itself when it is a string.</summary>
    private static Uri? FirstUrl(JsonElement root)
    {
        if (!root.TryGetProperty("url", out var url))
        {
            return null;
        }

        var text = url.ValueKind switch
        {
            JsonValueKind.String => url.GetString(),
            JsonValueKind.Object => StringOf(url, "JSON") ?? StringOf(url, "json") ?? StringOf(url, "CSV") ?? StringOf(url, "csv"),
            _ => null,
        };
        return Uri.TryCreate(text, UriKind.Absolute, out var absolute) ? absolute
            : Uri.TryCreate(new Uri("https://pricing.us-east-1.amazonaws.com/"), text, out var relative) ? relative : null;
    }

    private static string? StringOf(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    [GeneratedRegex(@"^/offers/v1\.0/aws/(?<offer>[A-Za-z0-9]+)/(?<version>[0-9]{1,20}|current)/(?:(?<region>[a-z0-9-]{1,40})/)?index\.(?:json|csv)$")]
    private static partial Regex OfferFilePath();

    [GeneratedRegex(@"^[A-Za-z0-9]{1,64}$")]
    private static partial Regex OfferCodeShape();

    [GeneratedRegex(@"^[a-z]{2}(?:-[a-z]+){1,3}-[0-9]{1,2}$")]
    private static partial Regex RegionShape();
}
