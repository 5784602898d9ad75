namespace Pricing.Catalog;

/// <summary>The validated outcome of one scrape: offers that passed every rule, and rows that did not.</summary>
public sealed record ValidatedOffers(IReadOnlyList<Offer> Offers, IReadOnlyList<QuarantinedRow> Quarantined);

/// <summary>
/// The rules every provider's rows pass before they can become prices. A row that fails is quarantined
/// with its reason, never dropped silently and never priced.
/// </summary>
public sealed class OfferValidator(AcceleratorRegistry registry, decimal maxPricePerAcceleratorHour = OfferValidator.DefaultMaxPricePerAcceleratorHour)
{
    /// <summary>
    /// The dearest real accelerator-hour in any catalog we have seen is under $20 (B200 on demand);
    /// a figure far above that is a placeholder (GCP catalogs carry 700.0 for TPU regions with no offer).
    /// </summary>
    public const decimal DefaultMaxPricePerAcceleratorHour = 150m;

    public ValidatedOffers Validate(IEnumerable<Offer> candidates, IEnumerable<QuarantinedRow>? alreadyQuarantined = null)
    {
        var quarantined = new List<QuarantinedRow>(alreadyQuarantined ?? []);
        var passed = new List<Offer>();

        foreach (var offer in candidates)
        {
            var failure = CheckRow(offer);
            if (failure is null)
            {
                passed.Add(offer);
            }
            else
            {
                quarantined.Add(Quarantine(offer, failure.Value.Rule, failure.Value.Reason));
            }
        }

        var unique = ResolveDuplicates(passed, quarantined);
        var accepted = RejectSpotAboveOnDemand(unique, quarantined);
        return new ValidatedOffers(accepted, quarantined);
    }

    public static string Describe(Offer offer) =>
        $"{offer.InstanceType} region={offer.Region}{(offer.Zone is null ? "" : $" zone={offer.Zone}")} model={offer.PricingModel} " +
        $"sku={offer.SkuId} meter={offer.MeterId} price={offer.PricePerInstanceHour} {offer.Currency}/h";

    private (string Rule, string Reason)? CheckRow(Offer offer)
    {
        if (!registry.Contains(offer.AcceleratorId))
        {
            return (QuarantineRules.UnknownAccelerator, $"Accelerator '{offer.AcceleratorId}' is not in the registry.");
        }

        if (!PricingModels.IsKnown(offer.PricingModel))
        {
            return (QuarantineRules.UnknownPricingModel, $"Pricing model '{offer.PricingModel}' is not a known model.");
        }

        if (offer.AcceleratorsPerInstance <= 0)
        {
            return (QuarantineRules.Malformed, $"Accelerators per instance is {offer.AcceleratorsPerInstance}.");
        }

        // A CPU row counts one "accelerator" per vCPU, so its price per accelerator-hour is a vCPU-hour's.
        if (registry.IsCpu(offer.AcceleratorId) && offer.AcceleratorsPerInstance != offer.Vcpus)
        {
            return (QuarantineRules.Malformed, $"CPU row counts {offer.AcceleratorsPerInstance} units for {offer.Vcpus} vCPUs; a CPU row is priced per vCPU.");
        }

        if (offer.PricePerInstanceHour <= 0)
        {
            return (QuarantineRules.ZeroPrice, $"Price {offer.PricePerInstanceHour} per hour is not a price.");
        }

        if (offer.PricePerAcceleratorHour > maxPricePerAcceleratorHour)
        {
            return (QuarantineRules.ImplausiblePrice,
                $"Price {decimal.Round(offer.PricePerAcceleratorHour, 4)} per accelerator-hour is above {maxPricePerAcceleratorHour}: a placeholder, not a price.");
        }

        return null;
    }

    private static List<Offer> ResolveDuplicates(List<Offer> offers, List<QuarantinedRow> quarantined)
    {
        var result = new List<Offer>(offers.Count);
        foreach (var group in offers.GroupBy(o => o.OfferKey, StringComparer.Ordinal))
        {
            var rows = group.ToList();
            if (rows.Count == 1)
            {
                result.Add(rows[0]);
                continue;
            }

            // The most precise printing wins; the others must agree with it at their own precision.
            var best = rows.OrderByDescending(r => Scale(r.PricePerInstanceHour)).First();
            var others = rows.Where(r => !ReferenceEquals(r, best)).ToList();
            var conflicting = others.Where(r => decimal.Round(best.PricePerInstanceHour, Scale(r.PricePerInstanceHour), MidpointRounding.AwayFromZero) != r.PricePerInstanceHour).ToList();
            if (conflicting.Count > 0)
            {
                // Two different prices for one offer: we cannot know which is right, so neither is priced.
                foreach (var row in rows)
                {
                    quarantined.Add(Quarantine(row, QuarantineRules.ConflictingDuplicate,
                        $"Offer {group.Key} appears {rows.Count} times with different prices ({string.Join(", ", rows.Select(r => r.PricePerInstanceHour))})."));
                }

                continue;
            }

            result.Add(best);
            foreach (var row in others)
            {
                var samePrinting = row.PricePerInstanceHour == best.PricePerInstanceHour && Scale(row.PricePerInstanceHour) == Scale(best.PricePerInstanceHour);
                quarantined.Add(samePrinting
                    ? Quarantine(row, QuarantineRules.Duplicate, $"Offer {group.Key} appears more than once; the first row is kept.")
                    : Quarantine(row, QuarantineRules.DuplicatePrecision,
                        $"Offer {group.Key} printed at two precisions ({row.PricePerInstanceHour} and {best.PricePerInstanceHour}); the more precise is kept."));
            }
        }

        return result;
    }

    private static List<Offer> RejectSpotAboveOnDemand(List<Offer> offers, List<QuarantinedRow> quarantined)
    {
        var onDemand = offers
            .Where(o => o.PricingModel == PricingModels.OnDemand)
            .GroupBy(o => (o.Region, o.InstanceType))
            .ToDictionary(g => g.Key, g => g.ToList());

        var result = new List<Offer>(offers.Count);
        foreach (var offer in offers)
        {
            if (offer.PricingModel == PricingModels.Spot && onDemand.TryGetValue((offer.Region, offer.InstanceType), out var references))
            {
                var reference = references.FirstOrDefault(r => r.Zone == offer.Zone) ?? references.FirstOrDefault(r => r.Zone is null);
                if (reference is not null && offer.PricePerInstanceHour > reference.PricePerInstanceHour)
                {
                    quarantined.Add(Quarantine(offer, QuarantineRules.SpotAboveOnDemand,
                        $"Spot price {offer.PricePerInstanceHour} is above the on-demand price {reference.PricePerInstanceHour} of the same instance and region."));
                    continue;
                }
            }

            result.Add(offer);
        }

        return result;
    }

    private static int Scale(decimal value) => (decimal.GetBits(value)[3] >> 16) & 0xFF;

    private static QuarantinedRow Quarantine(Offer offer, string rule, string reason) =>
        new(offer.Provider, rule, reason, Describe(offer));
}
