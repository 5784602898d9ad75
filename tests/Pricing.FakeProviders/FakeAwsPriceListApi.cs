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

/// <summary>One request the AWS fake received.</summary>
public sealed record FakeAwsRequest(string Path);

/// <summary>
/// A fake AWS Price List Bulk API and EC2 spot feed on a real Kestrel server bound to 127.0.0.1 on a free port.
/// It serves the offer index (<c>/offers/v1.0/aws/index.json</c>), EC2's region index at the offer index's
/// <c>currentRegionIndexUrl</c>, each region's offer file at the region index's <c>currentVersionUrl</c>, and the
/// spot feed as JSONP at <c>/spot.js</c>, all kept as JSON objects (field names and printed prices unchanged).
/// Tests change prices (<see cref="SetOnDemandPrice"/>, <see cref="SetSpotPrice"/>), remove products
/// (<see cref="RemoveProducts"/>), and queue faults for upcoming requests (<see cref="FailNext"/>,
/// <see cref="TruncateNext"/>, <see cref="DelayNext"/>), optionally for one path only.
/// Create with <see cref="FromEmbeddedSnapshot"/> or <see cref="FromDocuments"/>, then <see cref="StartAsync"/>.
/// </summary>
public sealed class FakeAwsPriceListApi : IAsyncDisposable
{
    public const string OfferIndexPath = "/offers/v1.0/aws/index.json";
    public const string SpotFeedPath = "/spot.js";

    private const string SnapshotPrefix = "Aws.Pricing.Snapshot.";
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, Indented = true };

    private readonly Lock _gate = new();
    private readonly JsonObject _offerIndex;
    private readonly JsonObject _regionIndex;
    private readonly Dictionary<string, JsonObject> _offerFiles;
    private readonly JsonObject? _spotFeed;
    private readonly InjectedFaults<string?> _faults = new();
    private readonly List<FakeAwsRequest> _requests = [];
    private readonly CancellationTokenSource _stopping = new();
    private WebApplication? _app;
    private Uri? _baseUrl;

    private FakeAwsPriceListApi(JsonObject offerIndex, JsonObject regionIndex, Dictionary<string, JsonObject> offerFiles, JsonObject? spotFeed)
    {
        _offerIndex = offerIndex;
        _regionIndex = regionIndex;
        _offerFiles = offerFiles;
        _spotFeed = spotFeed;
        RegionIndexPath = Path(_offerIndex["offers"]?["AmazonEC2"]?["currentRegionIndexUrl"]?.GetValue<string>()
            ?? throw new InvalidDataException("The offer index has no offers.AmazonEC2.currentRegionIndexUrl."));
        foreach (var region in offerFiles.Keys)
        {
            _ = OfferFilePath(region);
        }
    }

    /// <summary>The fake's address, with a trailing slash (for <c>Aws:BaseUrl</c>). Set by <see cref="StartAsync"/>.</summary>
    public Uri BaseUrl => _baseUrl ?? throw new InvalidOperationException("The fake is not started: call StartAsync first.");

    /// <summary>The spot feed's address (for <c>Aws:SpotFeedUrl</c>).</summary>
    public Uri SpotFeedUrl => new(BaseUrl, SpotFeedPath.TrimStart('/'));

    /// <summary>EC2's region index path, as the offer index names it.</summary>
    public string RegionIndexPath { get; }

    /// <summary>The regions the fake has offer files for.</summary>
    public IReadOnlyList<string> Regions
    {
        get
        {
            lock (_gate)
            {
                return [.. _offerFiles.Keys.Order(StringComparer.Ordinal)];
            }
        }
    }

    /// <summary>Requests received, faulted ones included, in arrival order.</summary>
    public IReadOnlyList<FakeAwsRequest> Requests
    {
        get
        {
            lock (_gate)
            {
                return [.. _requests];
            }
        }
    }

    public int RequestCount
    {
        get
        {
            lock (_gate)
            {
                return _requests.Count;
            }
        }
    }

    /// <summary>Faults queued and not yet applied.</summary>
    public int PendingFaults => _faults.Count;

    /// <summary>The path the region index gives for a region's offer file.</summary>
    public string OfferFilePath(string region)
    {
        lock (_gate)
        {
            return Path(_regionIndex["regions"]?[region]?["currentVersionUrl"]?.GetValue<string>()
                ?? throw new InvalidDataException($"The region index has no currentVersionUrl for {region}."));
        }
    }

    /// <summary>
    /// A fake serving the snapshot bundled in the Aws.Pricing assembly (the resources <c>AwsSnapshotSource</c>
    /// reads): offer index, region index, one offer file per region, spot feed.
    /// </summary>
    public static FakeAwsPriceListApi FromEmbeddedSnapshot()
    {
        var offerIndex = ReadEmbedded("offer-index.json");
        var regionIndex = ReadEmbedded("region-index.json");
        var regions = JsonNode.Parse(regionIndex)!["regions"]!.AsObject().Select(r => r.Key).ToList();
        return FromDocuments(offerIndex, regionIndex, regions.ToDictionary(r => r, r => ReadEmbedded($"offer-file-{r}.json")), ReadEmbedded("spot.js"));
    }

    /// <summary>
    /// A fake serving the given documents: the offer index, the region index, one offer file per region (keyed by
    /// region code, which the region index must list), and the spot feed (JSONP or plain JSON; null for none).
    /// </summary>
    public static FakeAwsPriceListApi FromDocuments(string offerIndex, string regionIndex, IReadOnlyDictionary<string, string> offerFiles, string? spotFeed)
    {
        var files = offerFiles.ToDictionary(f => f.Key, f => ParseObject(f.Value, $"offer file {f.Key}"), StringComparer.Ordinal);
        return new FakeAwsPriceListApi(ParseObject(offerIndex, "offer index"), ParseObject(regionIndex, "region index"), files,
            spotFeed is null ? null : ParseObject(UnwrapJsonp(spotFeed), "spot feed"));
    }

    /// <summary>A bundled snapshot file of the Aws.Pricing assembly as text (<c>Aws.Pricing.Snapshot.{name}</c>).</summary>
    public static string ReadEmbedded(string name)
    {
        var assembly = typeof(Aws.Pricing.AwsSnapshotSource).Assembly;
        using var stream = assembly.GetManifestResourceStream(SnapshotPrefix + name)
            ?? throw new InvalidDataException($"{assembly.GetName().Name} has no embedded resource {SnapshotPrefix}{name}.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>Starts Kestrel on 127.0.0.1, port chosen by the OS, and sets <see cref="BaseUrl"/>.</summary>
    public async Task<FakeAwsPriceListApi> StartAsync(CancellationToken cancellationToken = default)
    {
        if (_app is not null)
        {
            throw new InvalidOperationException("The fake is already started.");
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.MapGet("/{**path}", (RequestDelegate)HandleAsync);
        await app.StartAsync(cancellationToken);
        _app = app;

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
            ?? throw new InvalidOperationException("Kestrel reported no bound address.");
        _baseUrl = new Uri(address.EndsWith('/') ? address : address + "/");
        return this;
    }

    // ---- Mutations ---------------------------------------------------------------------------------------

    /// <summary>
    /// Sets the OnDemand <c>pricePerUnit.USD</c> (the text, printed as given) of every product of this instance type
    /// in the region's offer file that is the plain Linux row (Linux, Shared, capacitystatus Used, no pre-installed
    /// software). Returns how many terms changed.
    /// </summary>
    public int SetOnDemandPrice(string region, string instanceType, string usd)
    {
        lock (_gate)
        {
            var file = _offerFiles[region];
            var changed = 0;
            foreach (var sku in Skus(file, p => Attribute(p, "instanceType") == instanceType && IsPlainLinux(p)))
            {
                foreach (var dimension in Dimensions(file["terms"]?["OnDemand"]?[sku]))
                {
                    dimension["pricePerUnit"] = new JsonObject { ["USD"] = usd };
                    changed++;
                }
            }

            return changed;
        }
    }

    /// <summary>Sets the Linux spot price text of an instance type in a region of the spot feed; returns how many entries changed.</summary>
    public int SetSpotPrice(string region, string instanceType, string usd)
    {
        lock (_gate)
        {
            var changed = 0;
            foreach (var size in SpotSizes(region, instanceType))
            {
                foreach (var column in size["valueColumns"]?.AsArray() ?? [])
                {
                    if (column?["name"]?.GetValue<string>() == "linux")
                    {
                        column["prices"] = new JsonObject { ["USD"] = usd };
                        changed++;
                    }
                }
            }

            return changed;
        }
    }

    /// <summary>Removes the products of a region whose instance type matches, with all their terms; returns how many products.</summary>
    public int RemoveProducts(string region, Func<string, bool> instanceType)
    {
        lock (_gate)
        {
            var file = _offerFiles[region];
            var skus = Skus(file, p => Attribute(p, "instanceType") is { } t && instanceType(t)).ToList();
            foreach (var sku in skus)
            {
                file["products"]!.AsObject().Remove(sku);
                foreach (var (_, terms) in file["terms"]?.AsObject() ?? [])
                {
                    (terms as JsonObject)?.Remove(sku);
                }
            }

            return skus.Count;
        }
    }

    /// <summary>Applies <paramref name="mutate"/> to a region's offer file (a live JSON object) under the fake's lock.</summary>
    public void MutateOfferFile(string region, Action<JsonObject> mutate)
    {
        lock (_gate)
        {
            mutate(_offerFiles[region]);
        }
    }

    /// <summary>A string attribute of a product, or null.</summary>
    public static string? Attribute(JsonNode? product, string name) =>
        product?["attributes"]?[name] is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    /// <summary>True for the row the AWS source prices: Linux, shared tenancy, capacitystatus Used, no pre-installed software.</summary>
    public static bool IsPlainLinux(JsonNode? product) =>
        Attribute(product, "operatingSystem") == "Linux" && Attribute(product, "tenancy") == "Shared"
        && Attribute(product, "capacitystatus") == "Used" && Attribute(product, "preInstalledSw") == "NA"
        && Attribute(product, "marketoption") is null or "OnDemand";

    // ---- Faults ------------------------------------------------------------------------------------------

    /// <summary>
    /// The next <paramref name="count"/> requests (for <paramref name="path"/> only, when given) answer
    /// <paramref name="status"/>, with a <c>Retry-After</c> header in whole seconds when <paramref name="retryAfter"/> is set.
    /// </summary>
    public void FailNext(int count, HttpStatusCode status, TimeSpan? retryAfter = null, string? path = null) =>
        _faults.Fail(count, status, retryAfter, path);

    /// <summary>The next <paramref name="count"/> requests (for <paramref name="path"/> only, when given) get half a body.</summary>
    public void TruncateNext(int count, TruncationMode mode = TruncationMode.EndCleanly, string? path = null) =>
        _faults.Truncate(count, mode, path);

    /// <summary>The next <paramref name="count"/> requests (for <paramref name="path"/> only, when given) wait <paramref name="delay"/> first.</summary>
    public void DelayNext(int count, TimeSpan delay, string? path = null) =>
        _faults.Delay(count, delay, path);

    public void ClearFaults() => _faults.Clear();


    // ---- Serving -----------------------------------------------------------------------------------------

    private async Task HandleAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "/";
        InjectedFault<string?>? fault;
        byte[]? body;
        string contentType;
        lock (_gate)
        {
            _requests.Add(new FakeAwsRequest(path));
            fault = _faults.TakeFor(path);

            (body, contentType) = Render(path);
        }

        using var aborted = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping.Token);
        var response = context.Response;
        try
        {
            switch (fault?.Kind)
            {
                case FaultKind.Fail:
                    response.StatusCode = (int)fault.Status;
                    InjectedFaults<string?>.SetRetryAfter(response, fault.RetryAfter);

                    response.ContentType = "application/xml";
                    await response.WriteAsync($"<Error><Code>{fault.Status}</Code><Message>Injected fault.</Message></Error>", aborted.Token);
                    return;

                case FaultKind.Delay:
                    await Task.Delay(fault.Delay, aborted.Token);
                    break;
            }

            if (body is null)
            {
                response.StatusCode = StatusCodes.Status404NotFound;
                response.ContentType = "application/xml";
                await response.WriteAsync("<Error><Code>NoSuchKey</Code></Error>", aborted.Token);
                return;
            }

            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = contentType;
            await InjectedFaults<string?>.WriteBodyAsync(context, body, fault, aborted.Token);
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            context.Abort();
        }
    }

    /// <summary>The body and content type for a path, or a null body when the API has nothing there. Called under the lock.</summary>
    private (byte[]? Body, string ContentType) Render(string path)
    {
        const string json = "application/json";
        if (path == OfferIndexPath)
        {
            return (Write(_offerIndex), json);
        }

        if (path == RegionIndexPath)
        {
            return (Write(_regionIndex), json);
        }

        if (path == SpotFeedPath)
        {
            // The feed is served as JavaScript: the JSON document wrapped in callback(...);
            return _spotFeed is null ? (null, json) : (Encoding.UTF8.GetBytes($"callback({_spotFeed.ToJsonString()});"), "application/x-javascript");
        }

        foreach (var (region, file) in _offerFiles)
        {
            if (path == Path(_regionIndex["regions"]?[region]?["currentVersionUrl"]?.GetValue<string>() ?? ""))
            {
                return (Write(file), json);
            }
        }

        return (null, json);
    }

    private static byte[] Write(JsonNode node)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            node.WriteTo(writer);
        }

        return buffer.ToArray();
    }

    private static IEnumerable<string> Skus(JsonObject file, Func<JsonNode?, bool> predicate) =>
        (file["products"]?.AsObject() ?? []).Where(p => predicate(p.Value)).Select(p => p.Key).ToList();

    private static IEnumerable<JsonObject> Dimensions(JsonNode? termsOfSku) =>
        (termsOfSku?.AsObject() ?? [])
            .SelectMany(t => t.Value?["priceDimensions"]?.AsObject() ?? [])
            .Select(d => d.Value as JsonObject)
            .OfType<JsonObject>()
            .ToList();

    private IEnumerable<JsonObject> SpotSizes(string region, string instanceType) =>
        (_spotFeed?["config"]?["regions"]?.AsArray() ?? [])
            .Where(r => r?["region"]?.GetValue<string>() == region)
            .SelectMany(r => r!["instanceTypes"]?.AsArray() ?? [])
            .SelectMany(t => t?["sizes"]?.AsArray() ?? [])
            .OfType<JsonObject>()
            .Where(s => s["size"]?.GetValue<string>() == instanceType)
            .ToList();

    private static string Path(string url) => url.StartsWith('/') ? url : "/" + url;

    private static JsonObject ParseObject(string json, string what) =>
        JsonNode.Parse(json) as JsonObject ?? throw new InvalidDataException($"The {what} is not a JSON object.");

    private static string UnwrapJsonp(string text)
    {
        var trimmed = text.Trim();
        if (!trimmed.StartsWith("callback(", StringComparison.Ordinal))
        {
            return trimmed;
        }

        trimmed = trimmed["callback(".Length..].TrimEnd(';');
        return trimmed.EndsWith(')') ? trimmed[..^1] : throw new InvalidDataException("The spot feed opens callback( but does not close it.");
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
