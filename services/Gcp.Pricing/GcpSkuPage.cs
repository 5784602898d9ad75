using System.Globalization;
using System.Text.Json;

namespace Gcp.Pricing;

/// <summary>One rate of a SKU's price: from <see cref="StartUsageAmount"/> usage units on, each unit costs <see cref="UnitPrice"/>.</summary>
public sealed record GcpTieredRate(decimal StartUsageAmount, decimal UnitPrice, string Currency);

/// <summary>
/// One Cloud Billing Catalog SKU with the fields we price from. The price is the last entry of
/// <c>pricingInfo</c> (the API documents it as a timeline in chronological order), kept exact:
/// <c>units + nanos / 10^9</c> as a decimal.
/// </summary>
public sealed record GcpSku(
    string SkuId,
    string Description,
    string ResourceFamily,
    string ResourceGroup,
    string UsageType,
    IReadOnlyList<string> ServiceRegions,
    string UsageUnit,
    IReadOnlyList<GcpTieredRate> TieredRates,
    DateTimeOffset? EffectiveTime)
{
    /// <summary>The fields that identify the SKU in a quarantine record.</summary>
    public string Describe() =>
        $"sku={SkuId} '{Description}' usageType={UsageType} regions={string.Join(' ', ServiceRegions)} unit={UsageUnit} " +
        $"rates={string.Join(' ', TieredRates.Select(r => $"{r.StartUsageAmount}:{r.UnitPrice} {r.Currency}"))}";
}

/// <summary>A SKU object that does not match the API's schema, described by what could be read of it.</summary>
public sealed record GcpMalformedSku(string Row, string Problem);

/// <summary>A page of <c>GET v1/services/{id}/skus</c>: <c>{ skus[], nextPageToken }</c>.</summary>
public sealed record GcpSkuPage(IReadOnlyList<GcpSku> Skus, IReadOnlyList<GcpMalformedSku> Malformed, string? NextPageToken);

public static class GcpSkuPageParser
{
    private const decimal NanosPerUnit = 1_000_000_000m;

    /// <summary>
    /// Parses a page. A body that is not a complete page (truncated, not JSON, <c>skus</c> not an array) throws
    /// <see cref="InvalidDataException"/>, so the whole scrape fails rather than publish a partial catalog. A single
    /// SKU that does not match the schema is kept aside as malformed and the rest of the page still counts.
    /// </summary>
    public static async Task<GcpSkuPage> ParseAsync(Stream body, CancellationToken cancellationToken)
    {
        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(body, default, cancellationToken);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"Cloud Billing SKU page is not complete JSON: {ex.Message}", ex);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidDataException("Cloud Billing SKU page is not a JSON object.");
            }

            // An empty result is '{}' or '{"skus": []}'; anything else under "skus" is not a page.
            var skus = new List<GcpSku>();
            var malformed = new List<GcpMalformedSku>();
            if (root.TryGetProperty("skus", out var skusElement))
            {
                if (skusElement.ValueKind != JsonValueKind.Array)
                {
                    throw new InvalidDataException("Cloud Billing SKU page has a 'skus' that is not an array.");
                }

                foreach (var element in skusElement.EnumerateArray())
                {
                    try
                    {
                        skus.Add(ReadSku(element));
                    }
                    catch (FormatException ex)
                    {
                        malformed.Add(new GcpMalformedSku(
                            $"sku={Text(element, "skuId")} '{Text(element, "description")}'", ex.Message));
                    }
                }
            }

            var next = root.TryGetProperty("nextPageToken", out var token) && token.ValueKind == JsonValueKind.String ? token.GetString() : null;
            return new GcpSkuPage(skus, malformed, string.IsNullOrEmpty(next) ? null : next);
        }
    }

    /// <summary>An exact decimal from the API's Money: <c>units</c> (int64 as a string) plus <c>nanos</c> (same sign, |nanos| &lt; 10^9).</summary>
    public static decimal ToDecimal(string units, long nanos)
    {
        if (!long.TryParse(units, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var whole))
        {
            throw new FormatException($"unitPrice.units '{units}' is not an integer.");
        }

        if (nanos is <= -1_000_000_000 or >= 1_000_000_000)
        {
            throw new FormatException($"unitPrice.nanos {nanos} is outside (-10^9, 10^9).");
        }

        if ((whole > 0 && nanos < 0) || (whole < 0 && nanos > 0))
        {
            throw new FormatException($"unitPrice units {units} and nanos {nanos} have different signs.");
        }

        return whole + nanos / NanosPerUnit;
    }

    private static GcpSku ReadSku(JsonElement sku)
    {
        if (sku.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException("SKU is not an object.");
        }

        var category = Required(sku, "category", JsonValueKind.Object);
        var pricingInfo = Required(sku, "pricingInfo", JsonValueKind.Array);
        if (pricingInfo.GetArrayLength() == 0)
        {
            throw new FormatException("pricingInfo is empty.");
        }

        // The API documents pricingInfo as "a timeline of pricing info for this SKU in chronological order": the last is current.
        var current = pricingInfo[pricingInfo.GetArrayLength() - 1];
        var expression = Required(current, "pricingExpression", JsonValueKind.Object);
        var rates = Required(expression, "tieredRates", JsonValueKind.Array);
        if (rates.GetArrayLength() == 0)
        {
            throw new FormatException("tieredRates is empty.");
        }

        var tiered = new List<GcpTieredRate>(rates.GetArrayLength());
        foreach (var rate in rates.EnumerateArray())
        {
            var unitPrice = Required(rate, "unitPrice", JsonValueKind.Object);
            var units = unitPrice.TryGetProperty("units", out var u) ? u : default;
            // proto3 JSON omits zero values: a missing units or nanos is 0.
            var unitsText = units.ValueKind switch
            {
                JsonValueKind.Undefined => "0",
                JsonValueKind.String => u.GetString()!,
                JsonValueKind.Number => u.GetRawText(),
                _ => throw new FormatException($"unitPrice.units is a {units.ValueKind}."),
            };
            long nanos = 0;
            if (unitPrice.TryGetProperty("nanos", out var n) && (n.ValueKind != JsonValueKind.Number || !n.TryGetInt64(out nanos)))
            {
                throw new FormatException($"unitPrice.nanos '{n.GetRawText()}' is not an integer.");
            }

            var start = rate.TryGetProperty("startUsageAmount", out var s) ? s : default;
            decimal startAmount = 0;
            if (start.ValueKind != JsonValueKind.Undefined && (start.ValueKind != JsonValueKind.Number || !start.TryGetDecimal(out startAmount)))
            {
                throw new FormatException($"startUsageAmount '{start.GetRawText()}' is not a number.");
            }

            tiered.Add(new GcpTieredRate(startAmount, ToDecimal(unitsText, nanos), RequiredString(unitPrice, "currencyCode")));
        }

        var regions = new List<string>();
        if (sku.TryGetProperty("serviceRegions", out var regionElement))
        {
            if (regionElement.ValueKind != JsonValueKind.Array)
            {
                throw new FormatException("serviceRegions is not an array.");
            }

            foreach (var region in regionElement.EnumerateArray())
            {
                regions.Add(region.ValueKind == JsonValueKind.String ? region.GetString()! : throw new FormatException("serviceRegions holds a non-string."));
            }
        }

        return new GcpSku(
            RequiredString(sku, "skuId"),
            RequiredString(sku, "description"),
            OptionalString(category, "resourceFamily"),
            OptionalString(category, "resourceGroup"),
            RequiredString(category, "usageType"),
            regions,
            RequiredString(expression, "usageUnit"),
            tiered,
            EffectiveTime(current));
    }

    /// <summary>The API writes <c>effectiveTime</c>; some recorded pages carry <c>EffectiveTime</c>. Neither is required to price.</summary>
    private static DateTimeOffset? EffectiveTime(JsonElement pricingInfo)
    {
        foreach (var name in (string[])["effectiveTime", "EffectiveTime"])
        {
            if (pricingInfo.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
                && DateTimeOffset.TryParse(value.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
            {
                return parsed;
            }
        }

        return null;
    }

    private static JsonElement Required(JsonElement parent, string name, JsonValueKind kind) =>
        parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out var value) && value.ValueKind == kind
            ? value
            : throw new FormatException($"'{name}' is missing or not a {kind}.");

    private static string RequiredString(JsonElement parent, string name)
    {
        var value = Required(parent, name, JsonValueKind.String).GetString();
        return string.IsNullOrWhiteSpace(value) ? throw new FormatException($"'{name}' is empty.") : value;
    }

    private static string OptionalString(JsonElement parent, string name) =>
        parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() ?? "" : "";

    /// <summary>A field of a malformed SKU as raw text, so its quarantine record names the row.</summary>
    private static string Text(JsonElement sku, string name) =>
        sku.ValueKind == JsonValueKind.Object && sku.TryGetProperty(name, out var value) ? value.ToString() : "?";
}
