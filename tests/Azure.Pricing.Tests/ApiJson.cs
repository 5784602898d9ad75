using System.Text;

namespace Azure.Pricing.Tests;

/// <summary>
/// Items and pages in the exact format of the Azure Retail Prices API (field names, order and types as the
/// API sends them; compare the verbatim page joelverhagen/az-retail-prices snapshot/2022-06-06/page0.json and
/// the bundled services/Azure.Pricing/Snapshot pages). Prices are passed as JSON number text so their printed
/// precision is kept.
/// </summary>
internal static class ApiJson
{
    public static string Item(
        string armSkuName = "Standard_ND96isr_H100_v5",
        string region = "eastus",
        string type = "Consumption",
        string retailPrice = "98.32",
        string meterName = "ND96isrH100v5",
        string productName = "Virtual Machines NDsr H100 v5 Series",
        string skuName = "ND96isrH100v5",
        string unitOfMeasure = "1 Hour",
        string isPrimaryMeterRegion = "true",
        string? reservationTerm = null,
        string serviceName = "Virtual Machines",
        string meterId = "f7c0d858-46f8-5e29-a489-c3de0430734c",
        string skuId = "DZH318Z13791/00F5")
    {
        var term = reservationTerm is null ? "" : $"\n  \"reservationTerm\": \"{reservationTerm}\",";
        return $$"""
            {
              "currencyCode": "USD",
              "tierMinimumUnits": 0.0,{{term}}
              "retailPrice": {{retailPrice}},
              "unitPrice": {{retailPrice}},
              "armRegionName": "{{region}}",
              "location": "US East",
              "effectiveStartDate": "2026-01-01T00:00:00Z",
              "meterId": "{{meterId}}",
              "meterName": "{{meterName}}",
              "productId": "DZH318Z13791",
              "skuId": "{{skuId}}",
              "productName": "{{productName}}",
              "skuName": "{{skuName}}",
              "serviceName": "{{serviceName}}",
              "serviceId": "DZH313Z7MMC8",
              "serviceFamily": "Compute",
              "unitOfMeasure": "{{unitOfMeasure}}",
              "type": "{{type}}",
              "isPrimaryMeterRegion": {{isPrimaryMeterRegion}},
              "armSkuName": "{{armSkuName}}"
            }
            """;
    }

    /// <summary>A page envelope around <paramref name="items"/>; <c>Count</c> is the item count unless given.</summary>
    public static string Page(IReadOnlyCollection<string> items, string? nextPageLink = null, int? count = null)
    {
        var next = nextPageLink is null ? "null" : $"\"{nextPageLink}\"";
        return $$"""
            {
              "BillingCurrency": "USD",
              "CustomerEntityId": "Default",
              "CustomerEntityType": "Retail",
              "Items": [{{string.Join(",\n", items)}}],
              "NextPageLink": {{next}},
              "Count": {{count ?? items.Count}}
            }
            """;
    }

    public static Stream Stream(string json) => new MemoryStream(Encoding.UTF8.GetBytes(json));

    public static Task<AzureRetailPricePage> ParseAsync(string json) =>
        AzureRetailPricePageParser.ParseAsync(Stream(json), TestContext.Current.CancellationToken);
}
