using System.Text.Json;
using System.Text.Json.Serialization;

namespace Azure.Pricing;

/// <summary>One item of the Azure Retail Prices API, with the fields we read (names exactly as the API sends them).</summary>
public sealed record AzureRetailPriceItem
{
    [JsonPropertyName("currencyCode")] public string? CurrencyCode { get; init; }
    [JsonPropertyName("retailPrice")] public decimal? RetailPrice { get; init; }
    [JsonPropertyName("unitPrice")] public decimal? UnitPrice { get; init; }
    [JsonPropertyName("armRegionName")] public string? ArmRegionName { get; init; }
    [JsonPropertyName("effectiveStartDate")] public DateTimeOffset? EffectiveStartDate { get; init; }
    [JsonPropertyName("meterId")] public string? MeterId { get; init; }
    [JsonPropertyName("meterName")] public string? MeterName { get; init; }
    [JsonPropertyName("productName")] public string? ProductName { get; init; }
    [JsonPropertyName("skuId")] public string? SkuId { get; init; }
    [JsonPropertyName("skuName")] public string? SkuName { get; init; }
    [JsonPropertyName("serviceName")] public string? ServiceName { get; init; }
    [JsonPropertyName("unitOfMeasure")] public string? UnitOfMeasure { get; init; }
    [JsonPropertyName("type")] public string? Type { get; init; }
    [JsonPropertyName("isPrimaryMeterRegion")] public bool? IsPrimaryMeterRegion { get; init; }
    [JsonPropertyName("armSkuName")] public string? ArmSkuName { get; init; }
    [JsonPropertyName("reservationTerm")] public string? ReservationTerm { get; init; }
}

/// <summary>A page of the API: <c>{ BillingCurrency, Items[], NextPageLink, Count }</c>.</summary>
public sealed record AzureRetailPricePage(IReadOnlyList<AzureRetailPriceItem> Items, IReadOnlyList<string> MalformedItems, string? NextPageLink, int Count);

public static class AzureRetailPricePageParser
{
    /// <summary>
    /// Parses a page. A body that is not a complete page (truncated, not JSON, no <c>Items</c>) throws
    /// <see cref="InvalidDataException"/>: the whole scrape then fails rather than publish a partial catalog.
    /// A single item that does not bind is kept aside as malformed, and the rest of the page still counts.
    /// </summary>
    public static async Task<AzureRetailPricePage> ParseAsync(Stream body, CancellationToken cancellationToken)
    {
        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(body, default, cancellationToken);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"Azure Retail Prices page is not complete JSON: {ex.Message}", ex);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("Items", out var itemsElement) || itemsElement.ValueKind != JsonValueKind.Array)
            {
                throw new InvalidDataException("Azure Retail Prices page has no Items array.");
            }

            var items = new List<AzureRetailPriceItem>(itemsElement.GetArrayLength());
            var malformed = new List<string>();
            foreach (var element in itemsElement.EnumerateArray())
            {
                try
                {
                    items.Add(element.Deserialize<AzureRetailPriceItem>() ?? throw new JsonException("null item"));
                }
                catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException)
                {
                    malformed.Add($"armSkuName={Text(element, "armSkuName")} region={Text(element, "armRegionName")} meterId={Text(element, "meterId")}: {ex.Message}");
                }
            }

            var next = root.TryGetProperty("NextPageLink", out var link) && link.ValueKind == JsonValueKind.String ? link.GetString() : null;
            var count = root.TryGetProperty("Count", out var countElement) && countElement.TryGetInt32(out var c) ? c : items.Count;
            if (count != itemsElement.GetArrayLength())
            {
                throw new InvalidDataException($"Azure Retail Prices page says Count={count} but holds {itemsElement.GetArrayLength()} items.");
            }

            return new AzureRetailPricePage(items, malformed, string.IsNullOrEmpty(next) ? null : next, count);
        }
    }

    /// <summary>A field of a malformed item as raw text, so its quarantine record names the row.</summary>
    private static string Text(JsonElement item, string name) =>
        item.ValueKind == JsonValueKind.Object && item.TryGetProperty(name, out var value) ? value.ToString() : "?";
}
