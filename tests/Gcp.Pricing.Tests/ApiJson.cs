using System.Text;
using Pricing.Catalog;
using Pricing.Sources;

namespace Gcp.Pricing.Tests;

/// <summary>
/// SKUs and pages in the exact format of the Cloud Billing Catalog API (field names, nesting and types as in the
/// verbatim page opencost/opencost pkg/cloud/gcp/test/skus.json and the bundled services/Gcp.Pricing/Snapshot
/// pages). Prices are given as the API's Money: <c>units</c> (a string) and <c>nanos</c>.
/// </summary>
internal static class ApiJson
{
    public static string Sku(
        string description,
        string units,
        long nanos,
        string skuId = "AAAA-BBBB-CCCC",
        string resourceGroup = "GPU",
        string usageType = "OnDemand",
        string[]? regions = null,
        string? usageUnit = null,
        string currency = "USD",
        string? tieredRates = null,
        string effectiveTime = "2026-01-01T00:00:00Z")
    {
        regions ??= ["us-central1"];
        usageUnit ??= resourceGroup == "RAM" ? "GiBy.h" : "h";
        var regionList = string.Join(", ", regions.Select(r => $"\"{r}\""));
        tieredRates ??= Rate(0, units, nanos, currency);
        return $$"""
            {
              "name": "services/6F81-5844-456A/skus/{{skuId}}",
              "skuId": "{{skuId}}",
              "description": "{{description}}",
              "category": {
                "serviceDisplayName": "Compute Engine",
                "resourceFamily": "Compute",
                "resourceGroup": "{{resourceGroup}}",
                "usageType": "{{usageType}}"
              },
              "serviceRegions": [{{regionList}}],
              "pricingInfo": [
                {
                  "summary": "",
                  "pricingExpression": {
                    "usageUnit": "{{usageUnit}}",
                    "displayQuantity": 1,
                    "tieredRates": [{{tieredRates}}],
                    "usageUnitDescription": "hour",
                    "baseUnit": "s",
                    "baseUnitDescription": "second",
                    "baseUnitConversionFactor": 3600
                  },
                  "currencyConversionRate": 1,
                  "effectiveTime": "{{effectiveTime}}"
                }
              ],
              "serviceProviderName": "Google",
              "geoTaxonomy": { "type": "REGIONAL", "regions": [{{regionList}}] }
            }
            """;
    }

    /// <summary>One tiered rate.</summary>
    public static string Rate(decimal startUsageAmount, string units, long nanos, string currency = "USD") =>
        $$"""{ "startUsageAmount": {{startUsageAmount.ToString(System.Globalization.CultureInfo.InvariantCulture)}}, "unitPrice": { "currencyCode": "{{currency}}", "units": "{{units}}", "nanos": {{nanos}} } }""";

    public static string Page(IEnumerable<string> skus, string nextPageToken = "") =>
        $$"""{ "skus": [{{string.Join(",\n", skus)}}], "nextPageToken": "{{nextPageToken}}" }""";

    public static Stream Stream(string json) => new MemoryStream(Encoding.UTF8.GetBytes(json));

    public static Task<GcpSkuPage> ParseAsync(string json) => GcpSkuPageParser.ParseAsync(Stream(json), TestContext.Current.CancellationToken);

    /// <summary>Parses SKUs (each one API SKU object) as one page; none may be malformed.</summary>
    public static async Task<IReadOnlyList<GcpSku>> SkusAsync(params string[] skus)
    {
        var page = await ParseAsync(Page(skus));
        Assert.Empty(page.Malformed);
        return page.Skus;
    }

    /// <summary>Composes SKUs with the shipped machine-type map.</summary>
    public static async Task<MappingResult> ComposeAsync(params string[] skus) =>
        new GcpOfferComposer(GcpMachineTypeMap.Default).Compose(await SkusAsync(skus));

    public static Offer Single(MappingResult composition, string instanceType, string region, string model) =>
        Assert.Single(composition.Offers, o => o.InstanceType == instanceType && o.Region == region && o.PricingModel == model);

    // ---- The A2 / A100 parts of the verbatim opencost page (us-central1, us-east1, us-west1) ---------------------

    public static readonly string[] Americas = ["us-central1", "us-east1", "us-west1"];

    public static string A100Americas(string usageType = "OnDemand") =>
        Sku("Nvidia Tesla A100 GPU running in Americas", "2", 933908000, "039F-D0DA-4055", "GPU", usageType, Americas);

    public static string A2CoreAmericas() => Sku("A2 Instance Core running in Americas", "0", 31611000, "2922-40C5-B19F", "CPU", regions: Americas);

    public static string A2RamAmericas() => Sku("A2 Instance Ram running in Americas", "0", 4237000, "2390-DCAF-DA38", "RAM", regions: Americas);
}
