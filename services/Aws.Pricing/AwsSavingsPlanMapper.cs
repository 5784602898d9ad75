using System.Globalization;
using Pricing.Catalog;
using Pricing.Sources;

namespace Aws.Pricing;

/// <summary>One region's Savings Plans rate file as parsed, with the region it was requested for.</summary>
public sealed record AwsRegionSavingsPlanFile(string Region, AwsSavingsPlanFile File);

/// <summary>
/// Turns the kept rates of a Savings Plans rate file into <c>savings_plan_{compute|ec2_instance}_{1y|3y}_{payment}</c>
/// offers at the plan's hourly rate for that instance type (Linux, shared tenancy): the rate a usage hour is charged
/// against the plan's hourly commitment, whatever the payment option (upfront payments prepay the commitment). The
/// plan type is the product family (ComputeSavingsPlans, EC2InstanceSavingsPlans), the payment option and term come
/// from the plan's attributes and term. A rate that should be priced but cannot be is quarantined with its reason.
/// </summary>
public sealed class AwsSavingsPlanMapper(AwsInstanceTypeMap map)
{
    public const string OtherPlanType = "savings plan of another type (not Compute or EC2 Instance)";
    public const string RegionNotScraped = "savings plan rate file of a region not scraped";

    public MappingResult Map(AwsSavingsPlanFile file, string fileRegion)
    {
        var offers = new List<Offer>();
        var quarantined = new List<QuarantinedRow>();
        var skipped = new Dictionary<string, int>(file.SkippedRates, StringComparer.Ordinal);
        var region = file.RegionCode ?? fileRegion;
        foreach (var malformed in file.Malformed)
        {
            quarantined.Add(new QuarantinedRow(AwsOfferMapper.Provider, QuarantineRules.Malformed, malformed.Reason, $"savings-plan sku={malformed.Sku} region={region}"));
        }

        var products = new Dictionary<string, AwsSavingsPlanProduct>(StringComparer.Ordinal);
        foreach (var product in file.Products)
        {
            products.TryAdd(product.Sku, product);
        }

        foreach (var term in file.Terms)
        {
            if (term.Rates.Count == 0)
            {
                continue;
            }

            if (!products.TryGetValue(term.Sku, out var product))
            {
                quarantined.Add(new QuarantinedRow(AwsOfferMapper.Provider, QuarantineRules.Malformed,
                    $"Savings plan term {term.Sku} has no product: {term.Rates.Count} rates unpriced.", $"savings-plan sku={term.Sku} region={region}"));
                continue;
            }

            var planType = product.ProductFamily switch
            {
                "ComputeSavingsPlans" => "compute",
                "EC2InstanceSavingsPlans" => "ec2_instance",
                _ => null,
            };
            if (planType is null)
            {
                skipped[OtherPlanType] = skipped.GetValueOrDefault(OtherPlanType) + term.Rates.Count;
                continue;
            }

            var (model, problem) = ModelOf(planType, product, term);
            foreach (var rate in term.Rates)
            {
                var row = $"savings-plan sku={term.Sku} rateCode={rate.RateCode} usageType={rate.DiscountedUsageType} region={region} unit={rate.Unit ?? "?"} price={rate.Price ?? "?"}";
                var instanceType = rate.BoxUsageInstanceType!;
                if (!map.TryGet(instanceType, out var type))
                {
                    quarantined.Add(new QuarantinedRow(AwsOfferMapper.Provider, QuarantineRules.UnknownAccelerator,
                        $"Accelerated instance type {instanceType} is not in the instance map (Data/aws-instance-types.json).", row));
                    continue;
                }

                if (problem is not null)
                {
                    quarantined.Add(new QuarantinedRow(AwsOfferMapper.Provider, QuarantineRules.UnknownPricingModel, problem, row));
                    continue;
                }

                if (rate.Unit != "Hrs")
                {
                    quarantined.Add(new QuarantinedRow(AwsOfferMapper.Provider, QuarantineRules.NonHourlyUnit, $"Unit '{rate.Unit}' is not 'Hrs'.", row));
                    continue;
                }

                if (rate.Currency is not "USD" || !AwsOfferMapper.TryParsePrice(rate.Price, out var price))
                {
                    quarantined.Add(new QuarantinedRow(AwsOfferMapper.Provider, QuarantineRules.Malformed,
                        $"Discounted rate '{rate.Price}' {rate.Currency} is not a USD decimal.", row));
                    continue;
                }

                offers.Add(new Offer(AwsOfferMapper.Provider, region, Zone: null, type.InstanceType, type.AcceleratorId, type.AcceleratorsPerInstance,
                    type.Vcpus, type.MemoryGib, model!, price, "USD",
                    DateTimeOffset.TryParse(term.EffectiveDate, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var effective) ? effective : DateTimeOffset.UnixEpoch,
                    term.Sku, rate.RateCode));
            }
        }

        return new MappingResult(offers, quarantined, skipped, []);
    }

    /// <summary>The model name from the plan's term length and payment option, or why there is none.</summary>
    private static (string? Model, string? Problem) ModelOf(string planType, AwsSavingsPlanProduct product, AwsSavingsPlanTerm term)
    {
        var years = (term.LeaseDuration, term.LeaseUnit?.ToLowerInvariant()) switch
        {
            ("1", "year" or "years") => 1,
            ("3", "year" or "years") => 3,
            (null, _) => product.PurchaseTerm switch { "1yr" => 1, "3yr" => 3, _ => 0 },
            _ => 0,
        };
        if (years == 0)
        {
            return (null, $"Lease contract length '{term.LeaseDuration} {term.LeaseUnit}' ('{product.PurchaseTerm}') is not 1 or 3 years.");
        }

        var payment = AwsOfferMapper.PaymentOf(product.PurchaseOption);
        return payment is null
            ? (null, $"Purchase option '{product.PurchaseOption}' is not No, Partial or All Upfront.")
            : (PricingModels.SavingsPlan(planType, years, payment), null);
    }
}
