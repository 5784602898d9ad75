using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Pricing.FakeProviders;

/// <summary>One request the AWS fake received.</summary>
public sealed record FakeAwsRequest(string Path);

/// <summary>
/// A fake AWS Price List Bulk API and EC2 spot feed on a real Kestrel server bound to 127.0.0.1 on a free port.
/// It serves the offer index (<c>/offers/v1.0/aws/index.json</c>), EC2's region index at the offer index's
/// <c>currentRegionIndexUrl</c>, each region's offer file at the region index's <c>currentVersionUrl</c>, and the
/// spot feed as JSONP at <c>/spot.js</c>, all kept as JSON objects (field names and printed prices unchanged).
/// Tests change prices (<see cref="SetOnDemandPrice"/>, <see cref="SetSpotPrice"/>), remove products
/// (<see cref="RemoveProducts"/>), and queue faults for upcoming requests, optionally for one path only
/// (<see cref="FakeProviderApi{TSelf, TTarget, TRequest}.FailNext"/>, …).
/// Create with <see cref="FromEmbeddedSnapshot"/> or <see cref="FromDocuments"/>, then <see cref="FakeProviderApi{TSelf, TTarget, TRequest}.StartAsync"/>.
/// </summary>
public sealed class FakeAwsPriceListApi : FakeProviderApi<FakeAwsPriceListApi, string?, FakeAwsRequest>
{
    public const string OfferIndexPath = "/offers/v1.0/aws/index.json";
    public const string SpotFeedPath = "/spot.js";

    private const string SnapshotPrefix = "Aws.Pricing.Snapshot.";
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, Indented = true };

    private readonly JsonObject _offerIndex;
    private readonly JsonObject _regionIndex;
    private readonly Dictionary<string, JsonObject> _offerFiles;
    private readonly JsonObject? _spotFeed;

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

    /// <summary>The spot feed's address (for <c>Aws:SpotFeedUrl</c>).</summary>
    public Uri SpotFeedUrl => new(BaseUrl, SpotFeedPath.TrimStart('/'));

    /// <summary>EC2's region index path, as the offer index names it.</summary>
    public string RegionIndexPath { get; }

    /// <summary>The regions the fake has offer files for.</summary>
    public IReadOnlyList<string> Regions
    {
        get
        {
            lock (Gate)
            {
                return [.. _offerFiles.Keys.Order(StringComparer.Ordinal)];
            }
        }
    }

    /// <summary>The path the region index gives for a region's offer file.</summary>
    public string OfferFilePath(string region)
    {
        lock (Gate)
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
    public static string ReadEmbedded(string name) =>
        ReadEmbedded(typeof(Aws.Pricing.AwsSnapshotSource).Assembly, SnapshotPrefix + name).Single(r => r.Key == SnapshotPrefix + name).Value;

    // ---- Mutations ---------------------------------------------------------------------------------------

    /// <summary>
    /// Sets the OnDemand <c>pricePerUnit.USD</c> (the text, printed as given) of every product of this instance type
    /// in the region's offer file that is the plain Linux row (Linux, Shared, capacitystatus Used, no pre-installed
    /// software). Returns how many terms changed.
    /// </summary>
    public int SetOnDemandPrice(string region, string instanceType, string usd)
    {
        lock (Gate)
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
        lock (Gate)
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
        lock (Gate)
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
        lock (Gate)
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

    // ---- Serving -----------------------------------------------------------------------------------------

    protected override string Route => "/{**path}";

    protected override (FakeAwsRequest Request, string? Target) Describe(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "/";
        return (new FakeAwsRequest(path), path);
    }

    protected override (byte[]? Body, string ContentType) Render(HttpContext context) => Render(context.Request.Path.Value ?? "/");

    /// <summary>S3's error document.</summary>
    protected override async Task WriteErrorAsync(HttpResponse response, HttpStatusCode status, string code, string message, CancellationToken cancellationToken)
    {
        response.StatusCode = (int)status;
        response.ContentType = "application/xml";
        await response.WriteAsync($"<Error><Code>{code}</Code><Message>{message}</Message></Error>", cancellationToken);
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
}
