using System.Text;
using System.Text.Json;
using Pricing.Catalog;
using Pricing.Sources;

namespace Aws.Pricing;

/// <summary>One Linux price of the spot feed: the lowest current spot price of the instance type in the region.</summary>
public sealed record AwsSpotPrice(string Region, string InstanceType, string? PriceUsd);

/// <summary>The spot feed: its <c>rate</c> (per hour: "perhr"), its prices, and entries that do not match its schema.</summary>
public sealed record AwsSpotFeed(string? Rate, IReadOnlyList<AwsSpotPrice> Prices, IReadOnlyList<string> Malformed);

/// <summary>
/// Parses the public JSONP feed behind the EC2 Spot pricing page
/// (<c>callback({"vers":0.01,"config":{"rate":"perhr","valueColumns":["linux","mswin"],"currencies":["USD"],
/// "regions":[{"region":"us-east-1","instanceTypes":[{"type":"gpuCurrentGen","sizes":[{"size":"p5.48xlarge",
/// "valueColumns":[{"name":"linux","prices":{"USD":"10.2397"}},…]}]}]}]}})</c>). The same document without the
/// <c>callback(…);</c> wrapper (<c>spot.json</c>) is read too. The feed is a few MB, read whole.
/// </summary>
public static class AwsSpotFeedParser
{
    /// <summary>The feed's first versions named regions by old codes; those still seen are mapped to region codes.</summary>
    private static readonly Dictionary<string, string> LegacyRegionNames = new(StringComparer.Ordinal)
    {
        ["us-east"] = "us-east-1",
        ["us-west"] = "us-west-1",
        ["eu-ireland"] = "eu-west-1",
        ["apac-sin"] = "ap-southeast-1",
        ["apac-syd"] = "ap-southeast-2",
        ["apac-tokyo"] = "ap-northeast-1",
    };

    /// <summary>Throws <see cref="InvalidDataException"/> when the body is not the feed (cut, not JSON, no regions).</summary>
    public static async Task<AwsSpotFeed> ParseAsync(Stream body, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        await body.CopyToAsync(buffer, cancellationToken);
        var json = Unwrap(buffer.GetBuffer().AsMemory(0, (int)buffer.Length));

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"The spot feed is not complete JSON: {ex.Message}", ex);
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("config", out var config) || config.ValueKind != JsonValueKind.Object
                || !config.TryGetProperty("regions", out var regions) || regions.ValueKind != JsonValueKind.Array)
            {
                throw new InvalidDataException("The spot feed has no config.regions array.");
            }

            if (!config.TryGetProperty("currencies", out var currencies) || currencies.ValueKind != JsonValueKind.Array
                || !currencies.EnumerateArray().Any(c => c.ValueKind == JsonValueKind.String && c.GetString() == "USD"))
            {
                throw new InvalidDataException("The spot feed does not price in USD.");
            }

            var rate = config.TryGetProperty("rate", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString() : null;
            var prices = new List<AwsSpotPrice>();
            var malformed = new List<string>();
            foreach (var region in regions.EnumerateArray())
            {
                var code = JsonFields.Text(region, "region");
                if (code is null || !region.TryGetProperty("instanceTypes", out var types) || types.ValueKind != JsonValueKind.Array)
                {
                    malformed.Add($"region entry '{code ?? "?"}' has no region code or instanceTypes array");
                    continue;
                }

                code = LegacyRegionNames.GetValueOrDefault(code, code);
                foreach (var type in types.EnumerateArray())
                {
                    if (!type.TryGetProperty("sizes", out var sizes) || sizes.ValueKind != JsonValueKind.Array)
                    {
                        malformed.Add($"region {code}: instance type group '{JsonFields.Text(type, "type") ?? "?"}' has no sizes array");
                        continue;
                    }

                    foreach (var size in sizes.EnumerateArray())
                    {
                        var name = JsonFields.Text(size, "size");
                        if (name is null || !size.TryGetProperty("valueColumns", out var columns) || columns.ValueKind != JsonValueKind.Array)
                        {
                            malformed.Add($"region {code}: size '{name ?? "?"}' has no size name or valueColumns array");
                            continue;
                        }

                        var linux = columns.EnumerateArray().FirstOrDefault(c => JsonFields.Text(c, "name") == "linux");
                        if (linux.ValueKind != JsonValueKind.Object)
                        {
                            continue;
                        }

                        var price = linux.TryGetProperty("prices", out var p) && p.ValueKind == JsonValueKind.Object && p.TryGetProperty("USD", out var usd)
                            ? usd.ValueKind == JsonValueKind.String ? usd.GetString() : usd.GetRawText()
                            : null;
                        prices.Add(new AwsSpotPrice(code, name, price));
                    }
                }
            }

            return new AwsSpotFeed(rate, prices, malformed);
        }
    }

    /// <summary>Strips the JSONP <c>callback(</c> … <c>);</c> wrapper when there is one.</summary>
    private static ReadOnlyMemory<byte> Unwrap(ReadOnlyMemory<byte> body)
    {
        var text = body.Span;
        var start = 0;
        var end = text.Length;
        if (text.StartsWith(Encoding.UTF8.Preamble))
        {
            start = Encoding.UTF8.Preamble.Length;
        }

        while (start < end && IsSpace(text[start])) start++;
        while (end > start && IsSpace(text[end - 1])) end--;
        var callback = "callback("u8;
        if (text[start..end].StartsWith(callback))
        {
            start += callback.Length;
            if (end > start && text[end - 1] == (byte)';') end--;
            if (end <= start || text[end - 1] != (byte)')')
            {
                throw new InvalidDataException("The spot feed opens callback( but does not close it: the body is cut.");
            }

            end--;
        }

        return body[start..end];
    }

    private static bool IsSpace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n';
}

/// <summary>
/// Spot offers from the feed: per region (the feed gives the lowest price of the region, no zone), for the
/// regions whose offer files were read, for accelerated instance types. "N/A*" (no spot capacity offered)
/// is skipped; a figure that is not a decimal, or a feed whose rate is not per hour, is quarantined.
/// </summary>
public sealed class AwsSpotMapper(AwsInstanceTypeMap map)
{
    public const string NotAvailable = "spot price N/A in the feed";
    public const string RegionNotScraped = "spot price for a region not scraped";

    public MappingResult Map(AwsSpotFeed feed, IReadOnlySet<string> regions, DateTimeOffset asOf)
    {
        var offers = new List<Offer>();
        var quarantined = feed.Malformed
            .Select(m => new QuarantinedRow(AwsOfferMapper.Provider, QuarantineRules.Malformed, "Spot feed entry does not match the feed's schema.", m))
            .ToList();
        var skipped = new Dictionary<string, int>(StringComparer.Ordinal);

        foreach (var price in feed.Prices)
        {
            if (!map.IsScrapedFamily(price.InstanceType.AsSpan()))
            {
                continue;
            }

            if (!regions.Contains(price.Region))
            {
                skipped[RegionNotScraped] = skipped.GetValueOrDefault(RegionNotScraped) + 1;
                continue;
            }

            var row = $"spot instanceType={price.InstanceType} region={price.Region} USD={price.PriceUsd ?? "?"}";
            if (!map.TryGet(price.InstanceType, out var type))
            {
                quarantined.Add(new QuarantinedRow(AwsOfferMapper.Provider, QuarantineRules.UnknownAccelerator,
                    $"Accelerated instance type {price.InstanceType} is not in the instance map (Data/aws-instance-types.json).", row));
                continue;
            }

            if (price.PriceUsd?.StartsWith("N/A", StringComparison.Ordinal) == true)
            {
                skipped[NotAvailable] = skipped.GetValueOrDefault(NotAvailable) + 1;
                continue;
            }

            if (feed.Rate != "perhr")
            {
                quarantined.Add(new QuarantinedRow(AwsOfferMapper.Provider, QuarantineRules.NonHourlyUnit, $"The spot feed's rate is '{feed.Rate}', not 'perhr'.", row));
                continue;
            }

            if (!AwsOfferMapper.TryParsePrice(price.PriceUsd, out var value))
            {
                quarantined.Add(new QuarantinedRow(AwsOfferMapper.Provider, QuarantineRules.Malformed, $"Spot USD price '{price.PriceUsd}' is not a decimal.", row));
                continue;
            }

            offers.Add(new Offer(AwsOfferMapper.Provider, price.Region, Zone: null, type.InstanceType, type.AcceleratorId, type.AcceleratorsPerInstance,
                type.Vcpus, type.MemoryGib, PricingModels.Spot, value, "USD", asOf, SkuId: "", MeterId: $"spot:{price.Region}:{price.InstanceType}:linux"));
        }

        return new MappingResult(offers, quarantined, skipped);
    }
}
