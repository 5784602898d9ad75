using System.Globalization;
using System.Text.Json;
using Pricing.Catalog;
using Pricing.Sources;

namespace Aws.Pricing;

/// <summary>
/// One published Capacity Blocks for ML rate (<c>Data/aws-capacity-block-rates.json</c>): the figure the pricing page
/// prints, as text, with the unit it is per (<c>instance-hour</c> or <c>accelerator-hour</c>).
/// </summary>
public sealed record AwsCapacityBlockRate(
    string InstanceType,
    string Region,
    string? PricePerInstanceHour,
    string? PricePerAcceleratorHour,
    string RateUnit,
    string AsOf,
    string Source);

/// <summary>
/// Capacity Blocks for ML as <c>capacity_block</c> offers. AWS does not put their rates in the Price List API (its
/// Capacity Block rows are priced 0.0: the fee is paid up front when a block is bought), only on the Capacity Blocks
/// pricing page, so they come from a cited data file, read with every scrape for the regions scraped. The rate is
/// per instance-hour, the whole block paid up front; the model's terms (durations, start window, moves with demand)
/// are in pricing-models.json. A row that cannot be priced is quarantined with its reason, as any price row.
/// </summary>
public sealed class AwsCapacityBlockRates(IReadOnlyList<AwsCapacityBlockRate> rates)
{
    public const string InstanceHour = "instance-hour";
    public const string AcceleratorHour = "accelerator-hour";
    public const string RegionNotScraped = "capacity block rate of a region not scraped";

    /// <summary>The page prints the accelerator-hour rate to 3 places: it may differ from instance rate / count by that rounding.</summary>
    private const decimal AcceleratorRateTolerance = 0.0005m;

    public IReadOnlyList<AwsCapacityBlockRate> Rates => rates;

    private static readonly Lazy<AwsCapacityBlockRates> DefaultInstance = new(() =>
    {
        using var stream = EmbeddedData.Open(typeof(AwsCapacityBlockRates).Assembly, "Aws.Pricing.Data.aws-capacity-block-rates.json");
        return Load(stream);
    });

    /// <summary>The rates shipped with the project.</summary>
    public static AwsCapacityBlockRates Default => DefaultInstance.Value;

    public static AwsCapacityBlockRates Load(Stream json)
    {
        using var document = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip });
        var rates = document.RootElement.GetProperty("rates").EnumerateArray().Select(e => new AwsCapacityBlockRate(
            e.GetProperty("instanceType").GetString()!,
            e.GetProperty("region").GetString()!,
            Text(e, "pricePerInstanceHour"),
            Text(e, "pricePerAcceleratorHour"),
            e.GetProperty("rateUnit").GetString()!,
            e.GetProperty("asOf").GetString()!,
            e.GetProperty("source").GetString()!)).ToList();
        foreach (var rate in rates.Where(r => string.IsNullOrWhiteSpace(r.Source)))
        {
            throw new InvalidDataException($"Capacity block rate {rate.InstanceType} in {rate.Region} has no source.");
        }

        return new AwsCapacityBlockRates(rates);
    }

    private static string? Text(JsonElement e, string name) =>
        e.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value.ToString() : null;

    /// <summary>The <c>capacity_block</c> offers of the scraped regions; rows of other regions are skipped (counted).</summary>
    public MappingResult Map(AwsInstanceTypeMap map, IReadOnlySet<string> scrapedRegions)
    {
        var offers = new List<Offer>();
        var quarantined = new List<QuarantinedRow>();
        var skipped = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var rate in rates)
        {
            if (!scrapedRegions.Contains(rate.Region))
            {
                skipped[RegionNotScraped] = skipped.GetValueOrDefault(RegionNotScraped) + 1;
                continue;
            }

            var row = $"capacity-block instanceType={rate.InstanceType} region={rate.Region} instanceHour={rate.PricePerInstanceHour ?? "?"} acceleratorHour={rate.PricePerAcceleratorHour ?? "?"} unit={rate.RateUnit}";
            if (!map.TryGet(rate.InstanceType, out var type))
            {
                quarantined.Add(new QuarantinedRow(AwsOfferMapper.Provider, QuarantineRules.UnknownAccelerator,
                    $"Capacity block instance type {rate.InstanceType} is not in the instance map (Data/aws-instance-types.json).", row));
                continue;
            }

            var (price, problem) = PricePerInstanceHourOf(rate, type);
            if (problem is not null)
            {
                quarantined.Add(new QuarantinedRow(AwsOfferMapper.Provider, problem.Value.Rule, problem.Value.Reason, row));
                continue;
            }

            if (!DateTimeOffset.TryParse(rate.AsOf, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var asOf))
            {
                quarantined.Add(new QuarantinedRow(AwsOfferMapper.Provider, QuarantineRules.Malformed, $"asOf '{rate.AsOf}' is not a date.", row));
                continue;
            }

            offers.Add(new Offer(AwsOfferMapper.Provider, rate.Region, Zone: null, type.InstanceType, type.AcceleratorId, type.AcceleratorsPerInstance,
                type.Vcpus, type.MemoryGib, PricingModels.CapacityBlock, price, "USD", asOf,
                SkuId: "capacity-block", MeterId: $"capacity-block:{rate.InstanceType}:{rate.Region}"));
        }

        return new MappingResult(offers, quarantined, skipped, []);
    }

    private static (decimal Price, (string Rule, string Reason)? Problem) PricePerInstanceHourOf(AwsCapacityBlockRate rate, AwsInstanceType type)
    {
        decimal? perInstance = null;
        decimal? perAccelerator = null;
        if (rate.PricePerInstanceHour is not null)
        {
            if (!AwsOfferMapper.TryParsePrice(rate.PricePerInstanceHour, out var p))
            {
                return (0, (QuarantineRules.Malformed, $"Instance-hour rate '{rate.PricePerInstanceHour}' is not a decimal."));
            }

            perInstance = p;
        }

        if (rate.PricePerAcceleratorHour is not null)
        {
            if (!AwsOfferMapper.TryParsePrice(rate.PricePerAcceleratorHour, out var p))
            {
                return (0, (QuarantineRules.Malformed, $"Accelerator-hour rate '{rate.PricePerAcceleratorHour}' is not a decimal."));
            }

            perAccelerator = p;
        }

        var price = rate.RateUnit switch
        {
            InstanceHour => perInstance,
            AcceleratorHour => perAccelerator * type.AcceleratorsPerInstance,
            _ => null,
        };
        if (price is null)
        {
            return (0, rate.RateUnit is InstanceHour or AcceleratorHour
                ? (QuarantineRules.Malformed, $"The row has no {rate.RateUnit} rate, the unit it says it is in.")
                : (QuarantineRules.NonHourlyUnit, $"Rate unit '{rate.RateUnit}' is neither {InstanceHour} nor {AcceleratorHour}."));
        }

        // Both figures printed: they must agree with the instance map's accelerator count, or one of them (or the map) is wrong.
        if (perInstance is not null && perAccelerator is not null
            && Math.Abs(perInstance.Value / type.AcceleratorsPerInstance - perAccelerator.Value) > AcceleratorRateTolerance)
        {
            return (0, (QuarantineRules.Malformed,
                $"Instance-hour rate {perInstance} / {type.AcceleratorsPerInstance} accelerators does not give the accelerator-hour rate {perAccelerator}."));
        }

        return (price.Value, null);
    }
}
