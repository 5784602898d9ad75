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
/// <c>currentRegionIndexUrl</c>, each region's offer file at the region index's <c>currentVersionUrl</c>, the
/// Savings Plans region index at the offer index's <c>currentSavingsPlanIndexUrl</c> and each recorded region's rate
/// file at its <c>versionUrl</c>, and the spot feed as JSONP at <c>/spot.js</c>, all kept as JSON objects (field names
/// and printed prices unchanged).
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
    private readonly JsonObject? _savingsPlanIndex;
    private readonly Dictionary<string, JsonObject> _savingsPlanFiles;

    private FakeAwsPriceListApi(JsonObject offerIndex, JsonObject regionIndex, Dictionary<string, JsonObject> offerFiles, JsonObject? spotFeed,
        JsonObject? savingsPlanIndex, Dictionary<string, JsonObject> savingsPlanFiles)
    {
        _offerIndex = offerIndex;
        _regionIndex = regionIndex;
        _offerFiles = offerFiles;
        _spotFeed = spotFeed;
        _savingsPlanIndex = savingsPlanIndex;
        _savingsPlanFiles = savingsPlanFiles;
        SavingsPlanIndexPath = _offerIndex["offers"]?["AmazonEC2"]?["currentSavingsPlanIndexUrl"]?.GetValue<string>() is { } sp ? Path(sp) : null;
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

    /// <summary>The Savings Plans region index path, as the offer index names it (null when it names none).</summary>
    public string? SavingsPlanIndexPath { get; }

    /// <summary>The path the Savings Plans region index gives for a region's rate file, or null when it lists none.</summary>
    public string? SavingsPlanFilePath(string region)
    {
        lock (Gate)
        {
            return SavingsPlanUrl(region) is { } url ? Path(url) : null;
        }
    }

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
        var planFiles = ReadEmbedded(typeof(Aws.Pricing.AwsSnapshotSource).Assembly, SnapshotPrefix + "savings-plan-")
            .Where(r => r.Key != SnapshotPrefix + "savings-plan-region-index.json")
            .ToDictionary(r => r.Key[(SnapshotPrefix + "savings-plan-").Length..^".json".Length], r => r.Value, StringComparer.Ordinal);
        return FromDocuments(offerIndex, regionIndex, regions.ToDictionary(r => r, r => ReadEmbedded($"offer-file-{r}.json")), ReadEmbedded("spot.js"),
            ReadEmbedded("savings-plan-region-index.json"), planFiles);
    }

    /// <summary>
    /// A fake serving the given documents: the offer index, the region index, one offer file per region (keyed by
    /// region code, which the region index must list), the spot feed (JSONP or plain JSON; null for none), and the
    /// Savings Plans region index with one rate file per region (keyed by region code; none when null).
    /// </summary>
    public static FakeAwsPriceListApi FromDocuments(string offerIndex, string regionIndex, IReadOnlyDictionary<string, string> offerFiles, string? spotFeed,
        string? savingsPlanIndex = null, IReadOnlyDictionary<string, string>? savingsPlanFiles = null)
    {
        var files = offerFiles.ToDictionary(f => f.Key, f => ParseObject(f.Value, $"offer file {f.Key}"), StringComparer.Ordinal);
        var plans = (savingsPlanFiles ?? new Dictionary<string, string>()).ToDictionary(f => f.Key, f => ParseObject(f.Value, $"savings plan rate file {f.Key}"), StringComparer.Ordinal);
        return new FakeAwsPriceListApi(ParseObject(offerIndex, "offer index"), ParseObject(regionIndex, "region index"), files,
            spotFeed is null ? null : ParseObject(UnwrapJsonp(spotFeed), "spot feed"),
            savingsPlanIndex is null ? null : ParseObject(savingsPlanIndex, "savings plan region index"), plans);
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

    /// <summary>
    /// Adds (or replaces) a region's Savings Plans rate file, listing the region in the Savings Plans region index (at
    /// <c>{index folder}/{region}/index.json</c>, as AWS lays them out) when it is not listed yet.
    /// </summary>
    public void SetSavingsPlanFile(string region, string json)
    {
        lock (Gate)
        {
            var index = _savingsPlanIndex ?? throw new InvalidOperationException("The fake serves no savings plan region index.");
            if (SavingsPlanUrl(region) is null)
            {
                var indexPath = SavingsPlanIndexPath ?? throw new InvalidOperationException("The offer index names no savings plan region index.");
                var folder = indexPath[..indexPath.LastIndexOf('/')];
                index["regions"]!.AsArray().Add(new JsonObject { ["regionCode"] = region, ["versionUrl"] = $"{folder}/{region}/index.json" });
            }

            _savingsPlanFiles[region] = ParseObject(json, $"savings plan rate file {region}");
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

        if (path == SavingsPlanIndexPath)
        {
            return (_savingsPlanIndex is null ? null : Write(_savingsPlanIndex), json);
        }

        foreach (var (region, file) in _savingsPlanFiles)
        {
            if (SavingsPlanUrl(region) is { } url && path == Path(url))
            {
                return (Write(file), json);
            }
        }

        return (null, json);
    }

    /// <summary>The <c>versionUrl</c> the Savings Plans region index (an array of <c>{regionCode, versionUrl}</c>) gives a region. Called under the lock.</summary>
    private string? SavingsPlanUrl(string region) =>
        (_savingsPlanIndex?["regions"]?.AsArray() ?? [])
            .FirstOrDefault(r => r?["regionCode"]?.GetValue<string>() == region)?["versionUrl"]?.GetValue<string>();

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
