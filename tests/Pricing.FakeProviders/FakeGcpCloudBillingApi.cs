using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Pricing.FakeProviders;

/// <summary>One request the fake Cloud Billing API received, as it decoded it (the key itself is not kept).</summary>
public sealed record FakeGcpRequest(string ServiceId, int Page, int PageSize, string? PageToken, bool KeyAccepted, string? CurrencyCode, DateTimeOffset ReceivedAt);

/// <summary>
/// A fake Cloud Billing Catalog API (<c>GET /v1/services/{id}/skus</c>) on a real Kestrel server bound to 127.0.0.1 on
/// a free port. It serves each service's SKUs in the API's page format (<c>{skus[], nextPageToken}</c>), <c>pageSize</c>
/// per page (5000 when absent, as the API), with opaque page tokens, and checks the <c>key</c> parameter: a wrong key
/// gets the API's real 400 <c>API_KEY_INVALID</c> body, a missing one its 403. SKUs are kept as the JSON objects they
/// were loaded as. Tests change SKUs (<see cref="SetUnitPrice"/>, <see cref="RemoveSkus"/>, <see cref="MutateSkus"/>) and
/// queue faults for upcoming requests, for one page (zero-based) or any (<see cref="FakeProviderApi{TSelf, TTarget, TRequest}.FailNext"/>, …).
/// Create with <see cref="FromEmbeddedSnapshot"/> or <see cref="FromServices"/>, then <see cref="FakeProviderApi{TSelf, TTarget, TRequest}.StartAsync"/>.
/// </summary>
public sealed class FakeGcpCloudBillingApi : FakeProviderApi<FakeGcpCloudBillingApi, int?, FakeGcpRequest>
{
    /// <summary>The key the fake accepts unless told otherwise.</summary>
    public const string DefaultApiKey = "fake-gcp-api-key";

    /// <summary>The API's page size when a request gives none.</summary>
    public const int DefaultPageSize = 5000;

    /// <summary>Prefix of the Gcp.Pricing assembly's embedded snapshot pages: <c>{prefix}{service id}-page-NNNN.json</c>.</summary>
    public const string SnapshotResourcePrefix = "Gcp.Pricing.Snapshot.";

    /// <summary>
    /// The API's answer to a wrong key, verbatim (opencost/opencost pkg/cloud/gcp/test/error.json @ 42976a2b).
    /// </summary>
    public const string ApiKeyInvalidBody = """
        {
          "error": {
            "code": 400,
            "message": "API key not valid. Please pass a valid API key.",
            "status": "INVALID_ARGUMENT",
            "details": [
              {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": "API_KEY_INVALID",
                "domain": "googleapis.com",
                "metadata": {
                  "service": "cloudbilling.googleapis.com"
                }
              }
            ]
          }
        }
        """;

    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, Indented = false };

    private readonly Dictionary<string, List<JsonObject>> _skus;

    private FakeGcpCloudBillingApi(Dictionary<string, List<JsonObject>> skus, string apiKey)
    {
        _skus = skus;
        ApiKey = apiKey;
    }

    /// <summary>The key the fake accepts.</summary>
    public string ApiKey { get; }

    /// <summary>The services the fake knows, in order.</summary>
    public IReadOnlyList<string> ServiceIds
    {
        get
        {
            lock (Gate)
            {
                return [.. _skus.Keys];
            }
        }
    }

    /// <summary>How many SKUs a service has now.</summary>
    public int SkuCount(string serviceId)
    {
        lock (Gate)
        {
            return _skus.TryGetValue(serviceId, out var list) ? list.Count : 0;
        }
    }

    /// <summary>Copies of a service's SKUs, in page order.</summary>
    public IReadOnlyList<JsonObject> Skus(string serviceId)
    {
        lock (Gate)
        {
            return _skus.TryGetValue(serviceId, out var list) ? [.. list.Select(s => (JsonObject)s.DeepClone())] : [];
        }
    }

    /// <summary>A fake serving the given pages per service (each a complete API page with a <c>skus</c> array), in order.</summary>
    public static FakeGcpCloudBillingApi FromServices(IEnumerable<KeyValuePair<string, IReadOnlyList<string>>> pagesByService, string apiKey = DefaultApiKey)
    {
        var skus = new Dictionary<string, List<JsonObject>>(StringComparer.Ordinal);
        foreach (var (service, pages) in pagesByService)
        {
            var list = new List<JsonObject>();
            foreach (var json in pages)
            {
                var page = JsonNode.Parse(json) as JsonObject ?? throw new InvalidDataException("A page is not a JSON object.");
                if (page["skus"] is JsonArray array)
                {
                    list.AddRange(array.Select(s => (JsonObject)(s as JsonObject ?? throw new InvalidDataException("A SKU is not a JSON object.")).DeepClone()));
                }
            }

            skus[service] = list;
        }

        return new FakeGcpCloudBillingApi(skus, apiKey);
    }

    /// <summary>
    /// A fake serving the snapshot bundled in the Gcp.Pricing assembly (embedded resources
    /// <c>Gcp.Pricing.Snapshot.{service}-page-*.json</c>), the same pages <c>GcpSnapshotSource</c> reads.
    /// </summary>
    public static FakeGcpCloudBillingApi FromEmbeddedSnapshot(string apiKey = DefaultApiKey) =>
        FromServices(ReadEmbeddedSnapshotPages().Select(p => new KeyValuePair<string, IReadOnlyList<string>>(p.Key, p.Value)), apiKey);

    /// <summary>The bundled snapshot pages as JSON text per service id, in resource-name order.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<string>> ReadEmbeddedSnapshotPages() =>
        ReadEmbedded(typeof(Gcp.Pricing.GcpSnapshotSource).Assembly, SnapshotResourcePrefix)
            .Where(p => p.Key.Contains("-page-", StringComparison.Ordinal))
            .GroupBy(p => p.Key[SnapshotResourcePrefix.Length..p.Key.IndexOf("-page-", StringComparison.Ordinal)], StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<string>)[.. g.Select(p => p.Value)], StringComparer.Ordinal);

    // ---- Mutations ---------------------------------------------------------------------------------------

    /// <summary>Sets the tier-0 unit price (units and nanos, USD) of the SKU with this id; returns how many SKUs changed.</summary>
    public int SetUnitPrice(string skuId, decimal price) =>
        MutateSkus(s => SkuId(s) == skuId, s =>
        {
            var rates = s["pricingInfo"]![0]!["pricingExpression"]!["tieredRates"]!.AsArray();
            var units = decimal.Truncate(price);
            rates[0]!["unitPrice"] = new JsonObject
            {
                ["currencyCode"] = "USD",
                ["units"] = units.ToString(CultureInfo.InvariantCulture),
                ["nanos"] = (long)((price - units) * 1_000_000_000m),
            };
        });

    /// <summary>Removes every SKU (of any service) matching <paramref name="predicate"/>; returns how many.</summary>
    public int RemoveSkus(Func<JsonObject, bool> predicate)
    {
        lock (Gate)
        {
            return _skus.Values.Sum(list => list.RemoveAll(s => predicate(s)));
        }
    }

    /// <summary>Applies <paramref name="mutate"/> to every SKU matching <paramref name="predicate"/>; returns how many.</summary>
    public int MutateSkus(Func<JsonObject, bool> predicate, Action<JsonObject> mutate)
    {
        lock (Gate)
        {
            var changed = 0;
            foreach (var sku in _skus.Values.SelectMany(l => l).Where(predicate))
            {
                mutate(sku);
                changed++;
            }

            return changed;
        }
    }

    /// <summary>Appends a SKU (one API SKU object as JSON) to a service's list.</summary>
    public void AddSku(string serviceId, string skuJson)
    {
        var sku = JsonNode.Parse(skuJson) as JsonObject ?? throw new InvalidDataException("The SKU is not a JSON object.");
        lock (Gate)
        {
            if (!_skus.TryGetValue(serviceId, out var list))
            {
                _skus[serviceId] = list = [];
            }

            list.Add(sku);
        }
    }

    public static string? SkuId(JsonObject sku) => Text(sku["skuId"]);

    public static string? Description(JsonObject sku) => Text(sku["description"]);

    private static string? Text(JsonNode? node) => node is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    // ---- Serving -----------------------------------------------------------------------------------------

    protected override string Route => "/v1/services/{serviceId}/skus";

    /// <summary>The service, page size and offset a request asks for (a null offset for a token the fake never issued).</summary>
    private static (string Service, int PageSize, int? Offset) Paging(HttpRequest request) =>
        ((string)request.RouteValues["serviceId"]!,
         int.TryParse(request.Query["pageSize"], NumberStyles.None, CultureInfo.InvariantCulture, out var size) && size > 0 ? size : DefaultPageSize,
         DecodeToken(request.Query["pageToken"]));

    protected override (FakeGcpRequest Request, int? Target) Describe(HttpContext context)
    {
        var request = context.Request;
        var (service, pageSize, offset) = Paging(request);
        var page = offset is null ? -1 : offset.Value / pageSize;
        return (new FakeGcpRequest(service, page, pageSize, request.Query["pageToken"], request.Query["key"] == ApiKey, request.Query["currencyCode"], DateTimeOffset.UtcNow), page);
    }

    /// <summary>The API's own refusals, before any injected fault: no key (403), a wrong key (400 API_KEY_INVALID), a foreign page token (400).</summary>
    protected override async Task<bool> RefuseAsync(HttpContext context, CancellationToken cancellationToken)
    {
        string? key = context.Request.Query["key"];
        (HttpStatusCode Status, string Body)? refusal = string.IsNullOrEmpty(key) ? (HttpStatusCode.Forbidden, GoogleError(403, "The request is missing a valid API key.", "PERMISSION_DENIED"))
            : key != ApiKey ? (HttpStatusCode.BadRequest, ApiKeyInvalidBody)
            : Paging(context.Request).Offset is null ? (HttpStatusCode.BadRequest, GoogleError(400, "Page token is not valid.", "INVALID_ARGUMENT"))
            : null;
        if (refusal is null)
        {
            return false;
        }

        await WriteStatusAsync(context.Response, refusal.Value.Status, refusal.Value.Body, cancellationToken);
        return true;
    }

    protected override (byte[]? Body, string ContentType) Render(HttpContext context)
    {
        var (service, pageSize, offset) = Paging(context.Request);
        return (RenderPage(service, offset!.Value, pageSize), "application/json; charset=UTF-8");
    }

    /// <summary>A <c>google.rpc.Status</c> body, as the API answers errors.</summary>
    protected override Task WriteErrorAsync(HttpResponse response, HttpStatusCode status, string code, string message, CancellationToken cancellationToken) =>
        WriteStatusAsync(response, status, GoogleError((int)status, message, code), cancellationToken);

    private byte[] RenderPage(string service, int offset, int pageSize)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            var all = _skus.TryGetValue(service, out var list) ? list : [];
            var page = all.Skip(offset).Take(pageSize).ToList();
            writer.WriteStartObject();
            writer.WritePropertyName("skus");
            writer.WriteStartArray();
            foreach (var sku in page)
            {
                sku.WriteTo(writer);
            }

            writer.WriteEndArray();
            // The API always sends nextPageToken, empty on the last page.
            writer.WriteString("nextPageToken", offset + page.Count < all.Count && page.Count > 0 ? EncodeToken(offset + page.Count) : "");
            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>Opaque to clients, as the API's tokens are; the fake reads its offset back.</summary>
    private static string EncodeToken(int offset) => Convert.ToBase64String(Encoding.UTF8.GetBytes($"fake-offset:{offset.ToString(CultureInfo.InvariantCulture)}"));

    /// <summary>The offset a token stands for: 0 without a token, null for a token the fake never issued.</summary>
    private static int? DecodeToken(string? token)
    {
        if (string.IsNullOrEmpty(token))
        {
            return 0;
        }

        try
        {
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(token));
            return text.StartsWith("fake-offset:", StringComparison.Ordinal)
                && int.TryParse(text["fake-offset:".Length..], NumberStyles.None, CultureInfo.InvariantCulture, out var offset) ? offset : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static string GoogleError(int code, string message, string status) =>
        new JsonObject { ["error"] = new JsonObject { ["code"] = code, ["message"] = message, ["status"] = status } }.ToJsonString();

    private static async Task WriteStatusAsync(HttpResponse response, HttpStatusCode status, string body, CancellationToken cancellationToken)
    {
        response.StatusCode = (int)status;
        response.ContentType = "application/json; charset=UTF-8";
        await response.WriteAsync(body, cancellationToken);
    }
}
