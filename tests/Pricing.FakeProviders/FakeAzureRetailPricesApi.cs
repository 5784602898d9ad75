using System.Globalization;
using System.Net;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Pricing.FakeProviders;

/// <summary>How <see cref="FakeAzureRetailPricesApi.TruncateNext"/> cuts a page.</summary>
public enum TruncationMode
{
    /// <summary>Status 200, chunked body holding the first half of the page, then a clean end of body: the JSON is cut mid-way.</summary>
    EndCleanly,

    /// <summary>Status 200 with the full Content-Length, the first half of the body, then the connection is aborted.</summary>
    AbortConnection,

    /// <summary>Status 200 with the full Content-Length, the first half of the body, then nothing until the client gives up.</summary>
    Stall,
}

/// <summary>One request the fake received, as it decoded it.</summary>
public sealed record FakeRequest(string PathAndQuery, int Skip, string? ApiVersion, string? Filter);

/// <summary>
/// A fake Azure Retail Prices API (<c>GET /api/retail/prices</c>) on a real Kestrel server bound to
/// 127.0.0.1 on a free port. It serves its items in the API's page format
/// (<c>{BillingCurrency, CustomerEntityId, CustomerEntityType, Items[], NextPageLink, Count}</c>), one page per
/// <c>$skip</c>, with <c>NextPageLink</c> rewritten to point back at itself. Items are kept as the JSON objects
/// they were loaded as (field names, numbers and their printed precision unchanged). Tests change items
/// (<see cref="SetRetailPrice"/>, <see cref="RemoveItems"/>, <see cref="CorruptItems"/>) and queue faults for
/// upcoming requests (<see cref="FailNext"/>, <see cref="TruncateNext"/>, <see cref="DelayNext"/>).
/// Create with <see cref="FromPages"/>, <see cref="FromDirectory"/> or <see cref="FromEmbeddedSnapshot"/>,
/// then <see cref="StartAsync"/>.
/// </summary>
public sealed class FakeAzureRetailPricesApi : IAsyncDisposable
{
    /// <summary>The API's page size when a fake is built from no items at all.</summary>
    public const int DefaultPageSize = 100;

    /// <summary>Prefix of the Azure.Pricing assembly's embedded snapshot pages.</summary>
    public const string SnapshotResourcePrefix = "Azure.Pricing.Snapshot.page-";


    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly Lock _gate = new();
    private readonly List<JsonObject> _items;
    private readonly InjectedFaults<int?> _faults = new();
    private readonly List<FakeRequest> _requests = [];
    private readonly string _billingCurrency;
    private readonly string _customerEntityId;
    private readonly string _customerEntityType;
    private readonly CancellationTokenSource _stopping = new();
    private WebApplication? _app;
    private Uri? _baseUrl;
    private int _requestCount;

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

    /// <summary>The fake's address, with a trailing slash (for <c>Azure:BaseUrl</c>). Set by <see cref="StartAsync"/>.</summary>
    public Uri BaseUrl => _baseUrl ?? throw new InvalidOperationException("The fake is not started: call StartAsync first.");

    /// <summary>Requests received on <c>/api/retail/prices</c>, faulted ones included.</summary>
    public int RequestCount => Volatile.Read(ref _requestCount);

    /// <summary>Every request received on <c>/api/retail/prices</c>, in arrival order.</summary>
    public IReadOnlyList<FakeRequest> Requests
    {
        get
        {
            lock (_gate)
            {
                return [.. _requests];
            }
        }
    }

    /// <summary>Faults queued and not yet applied.</summary>
    public int PendingFaults => _faults.Count;

    /// <summary>How many items the fake serves now (over all pages).</summary>
    public int ItemCount
    {
        get
        {
            lock (_gate)
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
            lock (_gate)
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
    public static IReadOnlyList<string> ReadEmbeddedSnapshotPages()
    {
        var assembly = typeof(Azure.Pricing.AzureSnapshotSource).Assembly;
        var names = assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(SnapshotResourcePrefix, StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToList();
        if (names.Count == 0)
        {
            throw new InvalidDataException($"{assembly.GetName().Name} has no embedded resource named {SnapshotResourcePrefix}*.");
        }

        return names.Select(name =>
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd();
        }).ToList();
    }

    /// <summary>Starts Kestrel on 127.0.0.1, port chosen by the OS, and sets <see cref="BaseUrl"/>.</summary>
    public async Task<FakeAzureRetailPricesApi> StartAsync(CancellationToken cancellationToken = default)
    {
        if (_app is not null)
        {
            throw new InvalidOperationException("The fake is already started.");
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.MapGet("/api/retail/prices", (RequestDelegate)HandleAsync);
        await app.StartAsync(cancellationToken);
        _app = app;

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
            ?? throw new InvalidOperationException("Kestrel reported no bound address.");
        _baseUrl = new Uri(address.EndsWith('/') ? address : address + "/");
        return this;
    }

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
        lock (_gate)
        {
            return _items.RemoveAll(i => predicate(i));
        }
    }

    /// <summary>Applies <paramref name="mutate"/> to every item matching <paramref name="predicate"/>; returns how many.</summary>
    public int MutateItems(Func<JsonObject, bool> predicate, Action<JsonObject> mutate)
    {
        lock (_gate)
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
        lock (_gate)
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

    // ---- Faults ------------------------------------------------------------------------------------------

    /// <summary>
    /// The next <paramref name="count"/> requests (for page <paramref name="atSkip"/> only, when given) answer
    /// <paramref name="status"/> with no page, and a <c>Retry-After</c> header in whole seconds when
    /// <paramref name="retryAfter"/> is set.
    /// </summary>
    public void FailNext(int count, HttpStatusCode status, TimeSpan? retryAfter = null, int? atSkip = null) =>
        _faults.Fail(count, status, retryAfter, atSkip);

    /// <summary>The next <paramref name="count"/> requests (for page <paramref name="atSkip"/> only, when given) get half a page.</summary>
    public void TruncateNext(int count, TruncationMode mode = TruncationMode.EndCleanly, int? atSkip = null) =>
        _faults.Truncate(count, mode, atSkip);

    /// <summary>
    /// The next <paramref name="count"/> requests (for page <paramref name="atSkip"/> only, when given) wait
    /// <paramref name="delay"/> before the answer starts (or until the client gives up), then get their page.
    /// </summary>
    public void DelayNext(int count, TimeSpan delay, int? atSkip = null) =>
        _faults.Delay(count, delay, atSkip);

    /// <summary>Drops every queued fault.</summary>
    public void ClearFaults() => _faults.Clear();


    // ---- Serving -----------------------------------------------------------------------------------------

    private async Task HandleAsync(HttpContext context)
    {
        Interlocked.Increment(ref _requestCount);
        var request = context.Request;
        var skip = int.TryParse(request.Query["$skip"], NumberStyles.None, CultureInfo.InvariantCulture, out var s) ? s : 0;

        InjectedFault<int?>? fault;
        lock (_gate)
        {
            _requests.Add(new FakeRequest(request.Path + request.QueryString, skip, request.Query["api-version"], request.Query["$filter"]));
            fault = _faults.TakeFor(skip);
        }

        using var aborted = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping.Token);
        var response = context.Response;
        try
        {
            switch (fault?.Kind)
            {
                case FaultKind.Fail:
                    response.StatusCode = (int)fault.Status;
                    InjectedFaults<int?>.SetRetryAfter(response, fault.RetryAfter);

                    response.ContentType = "application/json; charset=utf-8";
                    var error = new JsonObject
                    {
                        ["Error"] = new JsonObject { ["Code"] = fault.Status.ToString(), ["Message"] = $"Injected fault: {(int)fault.Status}." },
                    };
                    await response.WriteAsync(error.ToJsonString(), aborted.Token);
                    return;

                case FaultKind.Delay:
                    await Task.Delay(fault.Delay, aborted.Token);
                    break;
            }

            var body = RenderPage(request, skip);
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = "application/json; charset=utf-8";

            await InjectedFaults<int?>.WriteBodyAsync(context, body, fault, aborted.Token);
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            // The client gave up (a timeout) or the fake is stopping: nothing more to send.
            context.Abort();
        }
    }

    private byte[] RenderPage(HttpRequest request, int skip)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            lock (_gate)
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

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
            _app = null;
        }

        _stopping.Dispose();
    }


}
