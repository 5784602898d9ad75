using System.Globalization;
using System.Net;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Pricing.FakeProviders;

/// <summary>One request the fake received, as it decoded it.</summary>
public sealed record FakeRequest(string PathAndQuery, int Skip, string? ApiVersion, string? Filter);

/// <summary>
/// A fake Azure Retail Prices API (<c>GET /api/retail/prices</c>) on a real Kestrel server bound to
/// 127.0.0.1 on a free port. It serves its items in the API's page format
/// (<c>{BillingCurrency, CustomerEntityId, CustomerEntityType, Items[], NextPageLink, Count}</c>), one page per
/// <c>$skip</c>, with <c>NextPageLink</c> rewritten to point back at itself. Items are kept as the JSON objects
/// they were loaded as (field names, numbers and their printed precision unchanged). Tests change items
/// (<see cref="SetRetailPrice"/>, <see cref="RemoveItems"/>, <see cref="CorruptItems"/>) and queue faults for
/// upcoming requests, for one page (by its <c>$skip</c>) or any (<see cref="FakeProviderApi{TSelf, TTarget, TRequest}.FailNext"/>, …).
/// Create with <see cref="FromPages"/>, <see cref="FromDirectory"/> or <see cref="FromEmbeddedSnapshot"/>,
/// then <see cref="FakeProviderApi{TSelf, TTarget, TRequest}.StartAsync"/>.
/// </summary>
public sealed class FakeAzureRetailPricesApi : FakeProviderApi<FakeAzureRetailPricesApi, int?, FakeRequest>
{
    /// <summary>The API's page size when a fake is built from no items at all.</summary>
    public const int DefaultPageSize = 100;

    /// <summary>Prefix of the Azure.Pricing assembly's embedded snapshot pages.</summary>
    public const string SnapshotResourcePrefix = "Azure.Pricing.Snapshot.page-";


    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly List<JsonObject> _items;
    private readonly string _billingCurrency;
    private readonly string _customerEntityId;
    private readonly string _customerEntityType;

    private FakeAzureRetailPricesApi(List<JsonObject> items, int pageSize, JsonObject? envelope)
    {
        if (pageSize <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(pageSize), pageSize, "Page size must be positive.");
        }

        _items = items;
        PageSize = pageSize;
        _billingCurrency = envelope?["BillingCurrency"]?.GetValue<string>() ?? "USD";
        _customerEntityId = envelope?["CustomerEntityId"]?.GetValue<string>() ?? "Default";
        _customerEntityType = envelope?["CustomerEntityType"]?.GetValue<string>() ?? "Retail";
    }

    /// <summary>Items per page: the item count of the largest recorded page, unless given.</summary>
    public int PageSize { get; }

    /// <summary>How many items the fake serves now (over all pages).</summary>
    public int ItemCount
    {
        get
        {
            lock (Gate)
            {
                return _items.Count;
            }
        }
    }

    /// <summary>Copies of the items the fake serves now, in page order.</summary>
    public IReadOnlyList<JsonObject> Items
    {
        get
        {
            lock (Gate)
            {
                return [.. _items.Select(i => (JsonObject)i.DeepClone())];
            }
        }
    }

    /// <summary>
    /// A fake serving the items of the given pages (each a complete API page with an <c>Items</c> array), in
    /// order. The page size is the item count of the largest given page unless <paramref name="pageSize"/> is set,
    /// so an unchanged set of recorded pages is served with the same page boundaries.
    /// </summary>
    public static FakeAzureRetailPricesApi FromPages(IEnumerable<string> pageJson, int? pageSize = null)
    {
        var items = new List<JsonObject>();
        var largestPage = 0;
        JsonObject? firstEnvelope = null;
        foreach (var json in pageJson)
        {
            var page = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip }) as JsonObject
                ?? throw new InvalidDataException("A page is not a JSON object.");
            if (page["Items"] is not JsonArray pageItems)
            {
                throw new InvalidDataException("A page has no Items array.");
            }

            firstEnvelope ??= page;
            var count = 0;
            foreach (var item in pageItems)
            {
                items.Add(item as JsonObject ?? throw new InvalidDataException("An item is not a JSON object."));
                count++;
            }

            largestPage = Math.Max(largestPage, count);
        }

        // Detach the items from their pages so they can be written and moved on their own.
        var detached = items.Select(i => (JsonObject)i.DeepClone()).ToList();
        return new FakeAzureRetailPricesApi(detached, pageSize ?? (largestPage > 0 ? largestPage : DefaultPageSize), firstEnvelope);
    }

    /// <summary>A fake serving the given items (each one API item object as JSON), <paramref name="pageSize"/> per page.</summary>
    public static FakeAzureRetailPricesApi FromItems(IEnumerable<string> itemJson, int pageSize = DefaultPageSize)
    {
        var items = itemJson
            .Select(j => JsonNode.Parse(j) as JsonObject ?? throw new InvalidDataException("An item is not a JSON object."))
            .ToList();
        return new FakeAzureRetailPricesApi(items, pageSize, null);
    }

    /// <summary>A fake serving the pages <c>page-*.json</c> of a directory, in ordinal file-name order.</summary>
    public static FakeAzureRetailPricesApi FromDirectory(string directory, int? pageSize = null)
    {
        var files = Directory.GetFiles(directory, "page-*.json").Order(StringComparer.Ordinal).ToList();
        if (files.Count == 0)
        {
            throw new FileNotFoundException($"No page-*.json in {directory}.");
        }

        return FromPages(files.Select(File.ReadAllText), pageSize);
    }

    /// <summary>
    /// A fake serving the snapshot bundled in the Azure.Pricing assembly (embedded resources
    /// <c>Azure.Pricing.Snapshot.page-*.json</c>), the same pages <c>AzureSnapshotSource</c> reads.
    /// </summary>
    public static FakeAzureRetailPricesApi FromEmbeddedSnapshot(int? pageSize = null) => FromPages(ReadEmbeddedSnapshotPages(), pageSize);

    /// <summary>The bundled snapshot pages as JSON text, in resource-name order.</summary>
    public static IReadOnlyList<string> ReadEmbeddedSnapshotPages() =>
        [.. ReadEmbedded(typeof(Azure.Pricing.AzureSnapshotSource).Assembly, SnapshotResourcePrefix).Select(p => p.Value)];

    // ---- Mutations ---------------------------------------------------------------------------------------

    /// <summary>
    /// Sets <c>retailPrice</c> and <c>unitPrice</c> of every item with this <c>armSkuName</c>, <c>armRegionName</c>
    /// and <c>type</c> whose Spot-ness (" Spot" at the end of <c>meterName</c> or <c>skuName</c>) is <paramref name="spot"/>.
    /// Returns how many items changed.
    /// </summary>
    public int SetRetailPrice(string armSkuName, string region, string type, bool spot, decimal price) =>
        MutateItems(
            i => Field(i, "armSkuName") == armSkuName && Field(i, "armRegionName") == region && Field(i, "type") == type && IsSpot(i) == spot,
            i =>
            {
                i["retailPrice"] = price;
                i["unitPrice"] = price;
            });

    /// <summary>Removes every item matching <paramref name="predicate"/>; returns how many.</summary>
    public int RemoveItems(Func<JsonObject, bool> predicate)
    {
        lock (Gate)
        {
            return _items.RemoveAll(i => predicate(i));
        }
    }

    /// <summary>Applies <paramref name="mutate"/> to every item matching <paramref name="predicate"/>; returns how many.</summary>
    public int MutateItems(Func<JsonObject, bool> predicate, Action<JsonObject> mutate)
    {
        lock (Gate)
        {
            var changed = 0;
            foreach (var item in _items.Where(predicate))
            {
                mutate(item);
                changed++;
            }

            return changed;
        }
    }

    /// <summary>
    /// Makes matching items malformed: <paramref name="field"/> (by default <c>retailPrice</c>) becomes the string
    /// <paramref name="value"/>, which does not bind to the API's number type. Returns how many items changed.
    /// </summary>
    public int CorruptItems(Func<JsonObject, bool> predicate, string field = "retailPrice", string value = "not-a-number") =>
        MutateItems(predicate, i => i[field] = value);

    /// <summary>Appends an item (one API item object as JSON) after the last one.</summary>
    public void AddItem(string itemJson)
    {
        var item = JsonNode.Parse(itemJson) as JsonObject ?? throw new InvalidDataException("The item is not a JSON object.");
        lock (Gate)
        {
            _items.Add(item);
        }
    }

    /// <summary>A string field of an item, or null when it is absent or not a string.</summary>
    public static string? Field(JsonObject item, string name) =>
        item[name] is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    /// <summary>True when the item is a Spot meter (" Spot" at the end of its meterName or skuName, as the API marks it).</summary>
    public static bool IsSpot(JsonObject item) =>
        Field(item, "meterName")?.EndsWith(" Spot", StringComparison.Ordinal) == true
        || Field(item, "skuName")?.EndsWith(" Spot", StringComparison.Ordinal) == true;

    // ---- Serving -----------------------------------------------------------------------------------------

    protected override string Route => "/api/retail/prices";

    private static int SkipOf(HttpRequest request) =>
        int.TryParse(request.Query["$skip"], NumberStyles.None, CultureInfo.InvariantCulture, out var skip) ? skip : 0;

    protected override (FakeRequest Request, int? Target) Describe(HttpContext context)
    {
        var request = context.Request;
        var skip = SkipOf(request);
        return (new FakeRequest(request.Path + request.QueryString, skip, request.Query["api-version"], request.Query["$filter"]), skip);
    }

    protected override (byte[]? Body, string ContentType) Render(HttpContext context) =>
        (RenderPage(context.Request, SkipOf(context.Request)), "application/json; charset=utf-8");

    protected override async Task WriteErrorAsync(HttpResponse response, HttpStatusCode status, string code, string message, CancellationToken cancellationToken)
    {
        response.StatusCode = (int)status;
        response.ContentType = "application/json; charset=utf-8";
        var error = new JsonObject { ["Error"] = new JsonObject { ["Code"] = code, ["Message"] = message } };
        await response.WriteAsync(error.ToJsonString(), cancellationToken);
    }

    private byte[] RenderPage(HttpRequest request, int skip)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            var page = _items.Skip(skip).Take(PageSize).ToList();
            var next = skip + page.Count < _items.Count && page.Count > 0 ? NextPageLink(request, skip + page.Count) : null;

            writer.WriteStartObject();
            writer.WriteString("BillingCurrency", _billingCurrency);
            writer.WriteString("CustomerEntityId", _customerEntityId);
            writer.WriteString("CustomerEntityType", _customerEntityType);
            writer.WritePropertyName("Items");
            writer.WriteStartArray();
            foreach (var item in page)
            {
                item.WriteTo(writer);
            }

            writer.WriteEndArray();
            if (next is null)
            {
                writer.WriteNull("NextPageLink");
            }
            else
            {
                writer.WriteString("NextPageLink", next);
            }

            writer.WriteNumber("Count", page.Count);
            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>The request's own query (filter, api-version, ...) with <c>$skip</c> replaced, on this fake's address.</summary>
    private string NextPageLink(HttpRequest request, int nextSkip)
    {
        var parts = (request.QueryString.Value ?? "").TrimStart('?')
            .Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Where(p => Uri.UnescapeDataString(p.Split('=', 2)[0]) != "$skip")
            .Append($"$skip={nextSkip.ToString(CultureInfo.InvariantCulture)}");
        return $"{BaseUrl}api/retail/prices?{string.Join('&', parts)}";
    }
}
