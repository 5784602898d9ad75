using System.Globalization;
using System.Text.Json.Nodes;
using Pricing.FakeProviders;

namespace Cluster.Tests;

/// <summary>
/// Moves every price the three fake provider APIs serve by one factor, so the next scrape of each provider is one
/// catalog version in which (nearly) every offer changed: together well over a thousand changes in flight at once.
/// Spot prices in AWS's spot feed stay as they are (the fake has no bulk mutation for them).
/// </summary>
public static class PriceMoves
{
    public static void MoveAll(FakeAwsPriceListApi aws, FakeGcpCloudBillingApi gcp, FakeAzureRetailPricesApi azure, decimal factor)
    {
        foreach (var region in aws.Regions)
        {
            aws.MutateOfferFile(region, file => ScaleUsd(file["terms"], factor));
        }

        gcp.MutateSkus(_ => true, sku =>
        {
            foreach (var info in sku["pricingInfo"]?.AsArray() ?? [])
            {
                foreach (var rate in info?["pricingExpression"]?["tieredRates"]?.AsArray() ?? [])
                {
                    if (rate?["unitPrice"] is JsonObject price)
                    {
                        var units = decimal.Parse(price["units"]?.ToString() ?? "0", CultureInfo.InvariantCulture);
                        var nanos = price["nanos"]?.GetValue<long>() ?? 0;
                        var scaled = decimal.Round((units + nanos / 1_000_000_000m) * factor, 9);
                        var whole = decimal.Truncate(scaled);
                        price["units"] = whole.ToString(CultureInfo.InvariantCulture);
                        price["nanos"] = (long)((scaled - whole) * 1_000_000_000m);
                    }
                }
            }
        });

        azure.MutateItems(_ => true, item =>
        {
            foreach (var field in new[] { "retailPrice", "unitPrice" })
            {
                if (item[field] is JsonValue value && value.TryGetValue<decimal>(out var price))
                {
                    item[field] = decimal.Round(price * factor, 6);
                }
            }
        });
    }

    /// <summary>Every <c>pricePerUnit.USD</c> under <paramref name="node"/> (AWS offer-file terms), scaled.</summary>
    private static void ScaleUsd(JsonNode? node, decimal factor)
    {
        switch (node)
        {
            case JsonObject obj:
                if (obj["pricePerUnit"] is JsonObject { } perUnit && perUnit["USD"] is JsonValue usd && usd.TryGetValue<string>(out var text)
                    && decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var price))
                {
                    perUnit["USD"] = decimal.Round(price * factor, 6).ToString(CultureInfo.InvariantCulture);
                }

                foreach (var (_, child) in obj.ToList())
                {
                    ScaleUsd(child, factor);
                }

                break;
            case JsonArray array:
                foreach (var child in array)
                {
                    ScaleUsd(child, factor);
                }

                break;
        }
    }
}
