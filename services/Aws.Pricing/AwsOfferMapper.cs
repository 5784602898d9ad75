using System.Globalization;
using Pricing.Catalog;
using Pricing.Sources;

namespace Aws.Pricing;

/// <summary>One region's offer file as parsed, with the region it was requested for.</summary>
public sealed record AwsRegionOfferFile(string Region, AwsOfferFile File);

/// <summary>
/// Turns the kept products and terms of an offer file into offers. Pricing models:
/// <list type="bullet">
/// <item>OnDemand → <c>on_demand</c>, the "Hrs" rate.</item>
/// <item>Reserved, standard offering class, No Upfront → <c>committed_1y</c> / <c>committed_3y</c>: the hourly rate,
/// the figure comparable with the other providers' 1- and 3-year commitments.</item>
/// <item>Reserved, standard, Partial or All Upfront → <c>reserved_1y_partial_upfront</c>, <c>reserved_3y_all_upfront</c>
/// and so on, priced at the effective hourly rate: upfront fee / hours in the term (8,760 a year) + hourly rate.
/// They are kept apart from <c>committed_*</c> because they need capital up front, which a per-hour figure hides.</item>
/// <item>Reserved, convertible offering class (any payment option) → <c>reserved_{1y|3y}_convertible_{payment}</c>, at the
/// effective hourly rate like the standard ones: a convertible reservation can later be exchanged for another family,
/// so it costs more than a standard one, and the quote bills it by its own terms (pricing-models.json).</item>
/// </list>
/// Rows that should be priced but cannot be (unknown instance type, unit not "Hrs", a price that is not a
/// decimal, a term of unexpected shape) are quarantined with the reason; nothing is dropped silently.
/// </summary>
public sealed class AwsOfferMapper(AwsInstanceTypeMap map)
{
    public const string Provider = "aws";

    /// <summary>AWS terms are 365-day years: the effective hourly rate spreads the upfront fee over 8,760 hours a year.</summary>
    public const decimal HoursPerYear = (decimal)PricingTerms.HoursPerYear;

    /// <summary>The payment option of an AWS purchase option ("No Upfront", "Partial Upfront", "All Upfront"), as the offer file and the Savings Plans files write it; null for any other.</summary>
    public static string? PaymentOf(string? purchaseOption) => purchaseOption switch
    {
        "No Upfront" => PricingModels.Payments.NoUpfront,
        "Partial Upfront" => PricingModels.Payments.PartialUpfront,
        "All Upfront" => PricingModels.Payments.AllUpfront,
        _ => null,
    };

    public const string SpotDisabledNote = "spot disabled (Aws:SpotEnabled=false): no spot offers";

    public const string SavingsPlansDisabledNote = "savings plans disabled (Aws:SavingsPlansEnabled=false): no savings_plan_* offers";

    /// <summary>
    /// One scrape, as both sources read it: each region's offer file; the spot feed (null when disabled), the Savings
    /// Plans rate files (null when disabled) and the published Capacity Block rates, each for the regions whose offer
    /// file was read only, since a region is scraped whole or not at all.
    /// </summary>
    public static SourceScrape MapScrape(
        AwsInstanceTypeMap map,
        IReadOnlyList<AwsRegionOfferFile> files,
        AwsSpotFeed? spot,
        DateTimeOffset asOf,
        IReadOnlyList<AwsRegionSavingsPlanFile>? savingsPlans = null,
        AwsCapacityBlockRates? capacityBlocks = null)
    {
        var mapper = new AwsOfferMapper(map);
        var regions = files.Select(f => f.Region).ToHashSet(StringComparer.Ordinal);
        var savingsPlanMapper = new AwsSavingsPlanMapper(map);
        return ScrapeBuilder.Build(asOf, [
            .. files.Select(f => mapper.Map(f.File, f.Region)),
            spot is null ? MappingResult.Rejected([], SpotDisabledNote) : new AwsSpotMapper(map).Map(spot, regions, asOf),
            .. savingsPlans is null
                ? [MappingResult.Rejected([], SavingsPlansDisabledNote)]
                : savingsPlans.Select(f => regions.Contains(f.File.RegionCode ?? f.Region)
                    ? savingsPlanMapper.Map(f.File, f.Region)
                    : new MappingResult([], [], new Dictionary<string, int> { [AwsSavingsPlanMapper.RegionNotScraped] = 1 })),
            .. capacityBlocks is null ? Array.Empty<MappingResult>() : [capacityBlocks.Map(map, regions)],
        ]);
    }

    /// <param name="file">One region's offer file.</param>
    /// <param name="fileRegion">The region the file was requested for; used when a product has no <c>regionCode</c> (older files).</param>
    public MappingResult Map(AwsOfferFile file, string fileRegion)
    {
        var offers = new List<Offer>();
        var quarantined = new List<QuarantinedRow>();
        var skipped = new Dictionary<string, int>(StringComparer.Ordinal);
        var corrections = new List<string>();
        var products = file.Products.ToDictionary(p => p.Sku, StringComparer.Ordinal);

        foreach (var malformed in file.Malformed)
        {
            quarantined.Add(new QuarantinedRow(Provider, QuarantineRules.Malformed, malformed.Reason, $"sku={malformed.Sku} region={fileRegion}"));
        }

        var mapped = new HashSet<string>(StringComparer.Ordinal);
        foreach (var product in file.Products)
        {
            if (!map.TryGet(product.InstanceType, out var type))
            {
                quarantined.Add(new QuarantinedRow(Provider, QuarantineRules.UnknownAccelerator,
                    $"Accelerated instance type {product.InstanceType} is not in the instance map (Data/aws-instance-types.json).",
                    Describe(product, fileRegion)));
                continue;
            }

            mapped.Add(product.Sku);
            // A CPU type counts vCPUs, not GPUs: the API's gpu attribute says nothing about it.
            if (!type.IsCpu && product.Gpu is not null && int.TryParse(product.Gpu, NumberStyles.None, CultureInfo.InvariantCulture, out var apiCount)
                && apiCount != type.AcceleratorsPerInstance)
            {
                corrections.Add($"{product.InstanceType} in {product.RegionCode ?? fileRegion}: the API says gpu={apiCount}, priced as {type.AcceleratorsPerInstance} x {type.AcceleratorId}");
            }
        }

        foreach (var term in file.Terms)
        {
            if (!mapped.Contains(term.Sku))
            {
                continue;
            }

            var product = products[term.Sku];
            map.TryGet(product.InstanceType, out var type);
            switch (MapTerm(term, product, type!, fileRegion))
            {
                case MappedOffer m:
                    offers.Add(m.Offer);
                    break;
                case MappedQuarantine q:
                    quarantined.Add(new QuarantinedRow(Provider, q.Rule, q.Reason, Describe(product, fileRegion, term)));
                    break;
                case MappedSkip s:
                    skipped[s.Reason] = skipped.GetValueOrDefault(s.Reason) + 1;
                    break;
            }
        }

        foreach (var (reason, count) in file.SkippedProducts)
        {
            skipped[reason] = skipped.GetValueOrDefault(reason) + count;
        }

        return new MappingResult(offers, quarantined, skipped, corrections);
    }

    /// <summary>
    /// Parses a price as the file prints it ("21.9576420000") into the exact decimal, without the padding zeros
    /// (the file pads every price to 10 places, so they carry no precision: 21.957642 and 21.95764 stay distinct
    /// printings for the duplicate-precision rule). Plain digits and one point only; no sign, exponent or spaces.
    /// </summary>
    public static bool TryParsePrice(string? text, out decimal price)
    {
        price = 0;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        var span = text.AsSpan();
        if (span.Contains('.'))
        {
            span = span.TrimEnd('0').TrimEnd('.');
        }

        return span.Length > 0 && span[0] != '.'
            && decimal.TryParse(span, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out price);
    }

    public static string Describe(AwsProduct product, string fileRegion, AwsTerm? term = null)
    {
        var text = $"sku={product.Sku} instanceType={product.InstanceType} region={product.RegionCode ?? fileRegion}";
        if (term is null)
        {
            return text;
        }

        var dimensions = string.Join(", ", term.PriceDimensions.Select(d => $"{d.RateCode} unit={d.Unit ?? "?"} USD={d.PriceUsd ?? "?"}"));
        var attributes = term.Type == AwsTermType.Reserved ? $" {term.LeaseContractLength}/{term.OfferingClass}/{term.PurchaseOption}" : "";
        return $"{text} term={term.Type}:{term.OfferTermCode}{attributes} [{dimensions}]";
    }

    private abstract record Mapped;

    private sealed record MappedOffer(Offer Offer) : Mapped;

    private sealed record MappedQuarantine(string Rule, string Reason) : Mapped;

    private sealed record MappedSkip(string Reason) : Mapped;

    private static Mapped MapTerm(AwsTerm term, AwsProduct product, AwsInstanceType type, string fileRegion)
    {
        if (term.Problem is not null)
        {
            return new MappedQuarantine(QuarantineRules.Malformed, $"Term does not match the offer file's schema: {term.Problem}.");
        }

        return term.Type == AwsTermType.OnDemand ? MapOnDemand(term, product, type, fileRegion) : MapReserved(term, product, type, fileRegion);
    }

    private static Mapped MapOnDemand(AwsTerm term, AwsProduct product, AwsInstanceType type, string fileRegion)
    {
        if (term.PriceDimensions.Count != 1)
        {
            return new MappedQuarantine(QuarantineRules.Malformed, $"An on-demand term has {term.PriceDimensions.Count} price dimensions; one hourly rate was expected.");
        }

        var dimension = term.PriceDimensions[0];
        if (dimension.Unit != "Hrs")
        {
            return new MappedQuarantine(QuarantineRules.NonHourlyUnit, $"Unit '{dimension.Unit}' is not 'Hrs'.");
        }

        if (!TryParsePrice(dimension.PriceUsd, out var price))
        {
            return new MappedQuarantine(QuarantineRules.Malformed, $"USD price '{dimension.PriceUsd}' is not a decimal.");
        }

        return new MappedOffer(ToOffer(product, type, fileRegion, PricingModels.OnDemand, price, term, dimension.RateCode));
    }

    private static Mapped MapReserved(AwsTerm term, AwsProduct product, AwsInstanceType type, string fileRegion)
    {
        var convertible = string.Equals(term.OfferingClass, "convertible", StringComparison.OrdinalIgnoreCase);
        if (!convertible && !string.Equals(term.OfferingClass, "standard", StringComparison.OrdinalIgnoreCase))
        {
            return new MappedQuarantine(QuarantineRules.UnknownPricingModel, $"Offering class '{term.OfferingClass}' is neither standard nor convertible.");
        }

        var years = term.LeaseContractLength switch
        {
            "1yr" => 1,
            "3yr" => 3,
            _ => 0,
        };
        if (years == 0)
        {
            return new MappedQuarantine(QuarantineRules.UnknownPricingModel, $"Lease contract length '{term.LeaseContractLength}' is not 1yr or 3yr.");
        }

        var option = PaymentOf(term.PurchaseOption);
        if (option is null)
        {
            return new MappedQuarantine(QuarantineRules.UnknownPricingModel, $"Purchase option '{term.PurchaseOption}' is not No, Partial or All Upfront.");
        }

        var hourly = term.PriceDimensions.Where(d => d.Unit == "Hrs").ToList();
        var upfront = term.PriceDimensions.Where(d => d.Unit == "Quantity").ToList();
        var other = term.PriceDimensions.Where(d => d.Unit is not ("Hrs" or "Quantity")).ToList();
        if (other.Count > 0)
        {
            return new MappedQuarantine(QuarantineRules.NonHourlyUnit, $"Unit '{other[0].Unit}' is neither 'Hrs' nor an upfront 'Quantity'.");
        }

        if (hourly.Count != 1)
        {
            return new MappedQuarantine(QuarantineRules.NonHourlyUnit, $"A reserved term has {hourly.Count} 'Hrs' rates; one was expected.");
        }

        if (!TryParsePrice(hourly[0].PriceUsd, out var rate))
        {
            return new MappedQuarantine(QuarantineRules.Malformed, $"USD hourly rate '{hourly[0].PriceUsd}' is not a decimal.");
        }

        var fee = 0m;
        if (option == PricingModels.Payments.NoUpfront)
        {
            if (upfront.Count != 0)
            {
                return new MappedQuarantine(QuarantineRules.Malformed, "A No Upfront term carries an upfront fee.");
            }
        }
        else
        {
            if (upfront.Count != 1)
            {
                return new MappedQuarantine(QuarantineRules.Malformed, $"A {term.PurchaseOption} term has {upfront.Count} upfront fees; one was expected.");
            }

            if (!TryParsePrice(upfront[0].PriceUsd, out fee))
            {
                return new MappedQuarantine(QuarantineRules.Malformed, $"USD upfront fee '{upfront[0].PriceUsd}' is not a decimal.");
            }
        }

        var model = PricingModels.Reservation(years, option, convertible);
        var price = rate + fee / (HoursPerYear * years);
        return new MappedOffer(ToOffer(product, type, fileRegion, model, price, term, hourly[0].RateCode));
    }

    private static Offer ToOffer(AwsProduct product, AwsInstanceType type, string fileRegion, string model, decimal price, AwsTerm term, string rateCode) =>
        new(Provider,
            product.RegionCode ?? fileRegion,
            Zone: null,
            type.InstanceType,
            type.AcceleratorId,
            type.AcceleratorsPerInstance,
            type.Vcpus,
            type.MemoryGib,
            model,
            price,
            "USD",
            DateTimeOffset.TryParse(term.EffectiveDate, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var effective) ? effective : DateTimeOffset.UnixEpoch,
            product.Sku,
            rateCode);
}
