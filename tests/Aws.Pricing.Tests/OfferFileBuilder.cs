using System.Text;
using System.Text.Json.Nodes;

namespace Aws.Pricing.Tests;

/// <summary>
/// Builds EC2 offer files in the Price List Bulk API's format for tests: products with the attributes the
/// filter reads, OnDemand and Reserved terms with their real term and rate codes. Defaults are the row the
/// source prices (Linux, Shared, capacitystatus Used, no pre-installed software, OnDemand market).
/// </summary>
internal sealed class OfferFileBuilder
{
    public const string OnDemandTermCode = "JRTCKXETXF";
    public const string HourlyRateCode = "6YS6EN2CT7";
    public const string UpfrontRateCode = "2TG2D8R56U";

    private readonly JsonObject _products = [];
    private readonly JsonObject _onDemand = [];
    private readonly JsonObject _reserved = [];

    public string Version { get; init; } = "20261128000000";

    public static JsonObject ProductJson(
        string sku, string instanceType, string region = "us-east-1", string os = "Linux", string tenancy = "Shared",
        string capacity = "Used", string preInstalled = "NA", string? market = "OnDemand", string family = "Compute Instance",
        string? gpu = null, string licence = "No License required")
    {
        var attributes = new JsonObject
        {
            ["servicecode"] = "AmazonEC2",
            ["location"] = "US East (N. Virginia)",
            ["locationType"] = "AWS Region",
            ["instanceType"] = instanceType,
            ["currentGeneration"] = "Yes",
            ["instanceFamily"] = "GPU instance",
            ["vcpu"] = "8",
            ["memory"] = "32 GiB",
            ["tenancy"] = tenancy,
            ["operatingSystem"] = os,
            ["licenseModel"] = licence,
            ["usagetype"] = "BoxUsage:" + instanceType,
            ["operation"] = "RunInstances",
            ["capacitystatus"] = capacity,
        };
        if (gpu is not null)
        {
            attributes["gpu"] = gpu;
        }

        if (market is not null)
        {
            attributes["marketoption"] = market;
        }

        attributes["preInstalledSw"] = preInstalled;
        attributes["regionCode"] = region;
        attributes["servicename"] = "Amazon Elastic Compute Cloud";
        return new JsonObject { ["sku"] = sku, ["productFamily"] = family, ["attributes"] = attributes };
    }

    public OfferFileBuilder Product(JsonObject product)
    {
        _products[product["sku"]!.GetValue<string>()] = product;
        return this;
    }

    public OfferFileBuilder Product(string sku, string instanceType, string? onDemandUsd = null, string region = "us-east-1", string? gpu = null)
    {
        Product(ProductJson(sku, instanceType, region, gpu: gpu));
        return onDemandUsd is null ? this : OnDemand(sku, onDemandUsd);
    }

    public OfferFileBuilder OnDemand(string sku, string usd, string unit = "Hrs", string termCode = OnDemandTermCode)
    {
        var terms = _onDemand[sku] as JsonObject ?? [];
        terms[$"{sku}.{termCode}"] = Term(sku, termCode, new JsonObject
        {
            [$"{sku}.{termCode}.{HourlyRateCode}"] = Dimension($"{sku}.{termCode}.{HourlyRateCode}", unit, usd, $"${usd} per On Demand Linux Instance Hour"),
        }, []);
        _onDemand[sku] = terms;
        return this;
    }

    /// <summary>A Reserved term; null <paramref name="hourlyUsd"/> or <paramref name="upfrontUsd"/> leaves that dimension out.</summary>
    public OfferFileBuilder Reserved(string sku, string termCode, string lease, string offeringClass, string purchaseOption,
        string? hourlyUsd, string? upfrontUsd, string hourlyUnit = "Hrs")
    {
        var dimensions = new JsonObject();
        if (upfrontUsd is not null)
        {
            dimensions[$"{sku}.{termCode}.{UpfrontRateCode}"] = Dimension($"{sku}.{termCode}.{UpfrontRateCode}", "Quantity", upfrontUsd, "Upfront Fee");
        }

        if (hourlyUsd is not null)
        {
            dimensions[$"{sku}.{termCode}.{HourlyRateCode}"] = Dimension($"{sku}.{termCode}.{HourlyRateCode}", hourlyUnit, hourlyUsd, "Linux/UNIX (Amazon VPC), reserved instance applied");
        }

        var terms = _reserved[sku] as JsonObject ?? [];
        terms[$"{sku}.{termCode}"] = Term(sku, termCode, dimensions, new JsonObject
        {
            ["LeaseContractLength"] = lease,
            ["OfferingClass"] = offeringClass,
            ["PurchaseOption"] = purchaseOption,
        });
        _reserved[sku] = terms;
        return this;
    }

    /// <summary>Adds <paramref name="count"/> non-accelerated products with on-demand terms (the bulk of a real file).</summary>
    public OfferFileBuilder Filler(int count, string prefix = "FILL")
    {
        for (var i = 0; i < count; i++)
        {
            var sku = $"{prefix}{i:D12}";
            Product(ProductJson(sku, i % 2 == 0 ? "m5.large" : "c6i.xlarge", family: "Compute Instance"));
            OnDemand(sku, "0.0960000000");
        }

        return this;
    }

    public JsonObject Build() => new()
    {
        ["formatVersion"] = "v1.0",
        ["disclaimer"] = "This pricing list is for informational purposes only.",
        ["offerCode"] = "AmazonEC2",
        ["version"] = Version,
        ["publicationDate"] = "2026-11-28T00:00:00Z",
        ["products"] = _products.DeepClone(),
        ["terms"] = new JsonObject { ["OnDemand"] = _onDemand.DeepClone(), ["Reserved"] = _reserved.DeepClone() },
        ["attributesList"] = new JsonObject(),
    };

    public string Json(bool indented = true) => Build().ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = indented });

    public byte[] Utf8(bool indented = true) => Encoding.UTF8.GetBytes(Json(indented));

    private static JsonObject Term(string sku, string termCode, JsonObject dimensions, JsonObject attributes) => new()
    {
        ["offerTermCode"] = termCode,
        ["sku"] = sku,
        ["effectiveDate"] = "2026-11-01T00:00:00Z",
        ["priceDimensions"] = dimensions,
        ["termAttributes"] = attributes,
    };

    private static JsonObject Dimension(string rateCode, string unit, string usd, string description) => new()
    {
        ["rateCode"] = rateCode,
        ["description"] = description,
        ["beginRange"] = "0",
        ["endRange"] = "Inf",
        ["unit"] = unit,
        ["pricePerUnit"] = new JsonObject { ["USD"] = usd },
        ["appliesTo"] = new JsonArray(),
    };
}

/// <summary>A read-only stream over bytes that hands out at most <paramref name="chunk"/> bytes per read, like a slow network.</summary>
internal sealed class TrickleStream(byte[] data, int chunk) : Stream
{
    private int _position;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => data.Length;
    public override long Position { get => _position; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count)
    {
        var n = Math.Min(Math.Min(count, chunk), data.Length - _position);
        Array.Copy(data, _position, buffer, offset, n);
        _position += n;
        return n;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var n = Math.Min(Math.Min(buffer.Length, chunk), data.Length - _position);
        data.AsMemory(_position, n).CopyTo(buffer);
        _position += n;
        return ValueTask.FromResult(n);
    }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
