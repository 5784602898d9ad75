using System.Globalization;
using System.Net;
using System.Text;
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

/// <summary>One request the fake Cloud Billing API received, as it decoded it (the key itself is not kept).</summary>
public sealed record FakeGcpRequest(string ServiceId, int Page, int PageSize, string? PageToken, bool KeyAccepted, string? CurrencyCode, DateTimeOffset ReceivedAt);

/// <summary>
/// A fake Cloud Billing Catalog API (<c>GET /v1/services/{id}/skus</c>) on a real Kestrel server bound to 127.0.0.1 on
/// a free port. It serves each service's SKUs in the API's page format (<c>{skus[], nextPageToken}</c>), <c>pageSize</c>
/// per page (5000 when absent, as the API), with opaque page tokens, and checks the <c>key</c> parameter: a wrong key
/// gets the API's real 400 <c>API_KEY_INVALID</c> body, a missing one its 403. SKUs are kept as the JSON objects they
/// were loaded as. Tests change SKUs (<see cref="SetUnitPrice"/>, <see cref="RemoveSkus"/>, <see cref="MutateSkus"/>) and
/// queue faults for upcoming requests (<see cref="FailNext"/>, <see cref="TruncateNext"/>, <see cref="DelayNext"/>).
/// Create with <see cref="FromEmbeddedSnapshot"/> or <see cref="FromServices"/>, then <see cref="StartAsync"/>.
/// </summary>
public sealed class FakeGcpCloudBillingApi : IAsyncDisposable
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

    private readonly Lock _gate = new();
    private readonly Dictionary<string, List<JsonObject>> _skus;
    private readonly InjectedFaults<int?> _faults = new();
    private readonly List<FakeGcpRequest> _requests = [];
    private readonly CancellationTokenSource _stopping = new();
    private WebApplication? _app;
    private Uri? _baseUrl;
    private int _requestCount;

    private FakeGcpCloudBillingApi(Dictionary<string, List<JsonObject>> skus, string apiKey)
    {
        _skus = skus;
        ApiKey = apiKey;
    }

    /// <summary>The key the fake accepts.</summary>
    public string ApiKey { get; }

    /// <summary>The fake's address, with a trailing slash (for <c>Gcp:BaseUrl</c>). Set by <see cref="StartAsync"/>.</summary>
    public Uri BaseUrl => _baseUrl ?? throw new InvalidOperationException("The fake is not started: call StartAsync first.");

    /// <summary>Requests received on <c>/v1/services/{id}/skus</c>, faulted ones included.</summary>
    public int RequestCount => Volatile.Read(ref _requestCount);

    /// <summary>Every request received, in arrival order.</summary>
    public IReadOnlyList<FakeGcpRequest> Requests
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

    /// <summary>The services the fake knows, in order.</summary>
    public IReadOnlyList<string> ServiceIds
    {
        get
        {
            lock (_gate)
            {
                return [.. _skus.Keys];
            }
        }
    }

    /// <summary>How many SKUs a service has now.</summary>
    public int SkuCount(string serviceId)
    {
        lock (_gate)
        {
            return _skus.TryGetValue(serviceId, out var list) ? list.Count : 0;
        }
    }

    /// <summary>Copies of a service's SKUs, in page order.</summary>
    public IReadOnlyList<JsonObject> Skus(string serviceId)
    {
        lock (_gate)
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
    public static IReadOnlyDictionary<string, IReadOnlyList<string>> ReadEmbeddedSnapshotPages()
    {
        var assembly = typeof(Gcp.Pricing.GcpSnapshotSource).Assembly;
        var names = assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(SnapshotResourcePrefix, StringComparison.Ordinal) && n.Contains("-page-", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToList();
        if (names.Count == 0)
        {
            throw new InvalidDataException($"{assembly.GetName().Name} has no embedded resource named {SnapshotResourcePrefix}*-page-*.");
        }

        var pages = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var group in names.GroupBy(n => n[SnapshotResourcePrefix.Length..n.IndexOf("-page-", StringComparison.Ordinal)], StringComparer.Ordinal))
        {
            pages[group.Key] = group.Select(name =>
            {
                using var stream = assembly.GetManifestResourceStream(name)!;
                using var reader = new StreamReader(stream);
                return reader.ReadToEnd();
            }).ToList();
        }

        return pages;
    }

    /// <summary>Starts Kestrel on 127.0.0.1, port chosen by the OS, and sets <see cref="BaseUrl"/>.</summary>
    public async Task<FakeGcpCloudBillingApi> StartAsync(CancellationToken cancellationToken = default)
    {
        if (_app is not null)
        {
            throw new InvalidOperationException("The fake is already started.");
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.MapGet("/v1/services/{serviceId}/skus", (RequestDelegate)HandleAsync);
        await app.StartAsync(cancellationToken);
        _app = app;

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
            ?? throw new InvalidOperationException("Kestrel reported no bound address.");
        _baseUrl = new Uri(address.EndsWith('/') ? address : address + "/");
        return this;
    }

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
        lock (_gate)
        {
            return _skus.Values.Sum(list => list.RemoveAll(s => predicate(s)));
        }
    }

    /// <summary>Applies <paramref name="mutate"/> to every SKU matching <paramref name="predicate"/>; returns how many.</summary>
    public int MutateSkus(Func<JsonObject, bool> predicate, Action<JsonObject> mutate)
    {
        lock (_gate)
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
        lock (_gate)
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

    // ---- Faults ------------------------------------------------------------------------------------------

    /// <summary>
    /// The next <paramref name="count"/> requests (for page <paramref name="atPage"/>, zero-based, only when given) answer
    /// <paramref name="status"/> with a google.rpc.Status body, and a <c>Retry-After</c> in whole seconds when set.
    /// </summary>
    public void FailNext(int count, HttpStatusCode status, TimeSpan? retryAfter = null, int? atPage = null) =>
        _faults.Fail(count, status, retryAfter, atPage);

    /// <summary>The next <paramref name="count"/> requests (for page <paramref name="atPage"/> only, when given) get half a page.</summary>
    public void TruncateNext(int count, TruncationMode mode = TruncationMode.EndCleanly, int? atPage = null) =>
        _faults.Truncate(count, mode, atPage);

    /// <summary>The next <paramref name="count"/> requests (for page <paramref name="atPage"/> only, when given) wait <paramref name="delay"/> first.</summary>
    public void DelayNext(int count, TimeSpan delay, int? atPage = null) =>
        _faults.Delay(count, delay, atPage);

    public void ClearFaults() => _faults.Clear();


    // ---- Serving -----------------------------------------------------------------------------------------

    private async Task HandleAsync(HttpContext context)
    {
        Interlocked.Increment(ref _requestCount);
        var request = context.Request;
        var response = context.Response;
        var service = (string)context.Request.RouteValues["serviceId"]!;
        var pageSize = int.TryParse(request.Query["pageSize"], NumberStyles.None, CultureInfo.InvariantCulture, out var size) && size > 0 ? size : DefaultPageSize;
        string? token = request.Query["pageToken"];
        var offset = DecodeToken(token);
        string? key = request.Query["key"];
        var keyAccepted = key == ApiKey;

        InjectedFault<int?>? fault;
        lock (_gate)
        {
            var page = offset is null ? -1 : offset.Value / pageSize;
            _requests.Add(new FakeGcpRequest(service, page, pageSize, token, keyAccepted, request.Query["currencyCode"], DateTimeOffset.UtcNow));
            fault = _faults.TakeFor(page);
        }

        using var aborted = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping.Token);
        try
        {
            if (string.IsNullOrEmpty(key))
            {
                await WriteErrorAsync(response, HttpStatusCode.Forbidden, GoogleError(403, "The request is missing a valid API key.", "PERMISSION_DENIED"), aborted.Token);
                return;
            }

            if (!keyAccepted)
            {
                await WriteErrorAsync(response, HttpStatusCode.BadRequest, ApiKeyInvalidBody, aborted.Token);
                return;
            }

            if (offset is null)
            {
                await WriteErrorAsync(response, HttpStatusCode.BadRequest, GoogleError(400, "Page token is not valid.", "INVALID_ARGUMENT"), aborted.Token);
                return;
            }

            switch (fault?.Kind)
            {
                case FaultKind.Fail:
                    InjectedFaults<int?>.SetRetryAfter(response, fault.RetryAfter);

                    await WriteErrorAsync(response, fault.Status, GoogleError((int)fault.Status, $"Injected fault: {(int)fault.Status}.", fault.Status.ToString()), aborted.Token);
                    return;

                case FaultKind.Delay:
                    await Task.Delay(fault.Delay, aborted.Token);
                    break;
            }

            var body = RenderPage(service, offset.Value, pageSize);
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = "application/json; charset=UTF-8";
            await InjectedFaults<int?>.WriteBodyAsync(context, body, fault, aborted.Token);
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            // The client gave up (a timeout) or the fake is stopping: nothing more to send.
            context.Abort();
        }
    }

    private byte[] RenderPage(string service, int offset, int pageSize)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            lock (_gate)
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

    private static async Task WriteErrorAsync(HttpResponse response, HttpStatusCode status, string body, CancellationToken cancellationToken)
    {
        response.StatusCode = (int)status;
        response.ContentType = "application/json; charset=UTF-8";
        await response.WriteAsync(body, cancellationToken);
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
