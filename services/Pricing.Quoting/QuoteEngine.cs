using Pricing.Catalog;

namespace Pricing.Quoting;

/// <summary>The assumptions used for one accelerator type, each traceable to a source.</summary>
public sealed record AcceleratorAssumptions(string AcceleratorId, double PeakFlops, double Mfu, string MfuSource, double Goodput, string GoodputSource);

/// <summary>One ranked way to run the training: an offer, and what the whole run costs on it.</summary>
public sealed record QuoteOptionResult(
    Offer Offer,
    long CatalogVersion,
    DateTimeOffset CatalogAsOf,
    double AcceleratorHours,
    int Accelerators,
    int Instances,
    double WallClockHours,
    decimal TotalCost);

public sealed record QuoteResult(
    double TotalFlops,
    IReadOnlyList<AcceleratorAssumptions> Assumptions,
    IReadOnlyList<QuoteOptionResult> Options,
    int OptionsConsidered,
    IReadOnlyList<string> Warnings);

/// <summary>
/// The first quote engine: training FLOPs = 6·N_active·D; accelerator-hours = FLOPs / (dense peak · MFU ·
/// goodput · 3600); cost = accelerator-hours × price per accelerator-hour; options ranked by total cost.
/// </summary>
public sealed class QuoteEngine(AcceleratorRegistry registry, EfficiencyDefaults efficiency)
{
    public QuoteResult Quote(QuoteSpec spec, PriceViewSnapshot prices)
    {
        var activeParameters = spec.ActiveParameters > 0 ? spec.ActiveParameters : spec.Parameters;
        var totalFlops = 6.0 * activeParameters * spec.Tokens;
        var warnings = new List<string>();
        var assumptions = new Dictionary<string, AcceleratorAssumptions?>(StringComparer.Ordinal);
        var options = new List<QuoteOptionResult>();

        foreach (var catalog in prices.Catalogs)
        {
            if (spec.Clouds.Count > 0 && !spec.Clouds.Contains(catalog.Provider))
            {
                continue;
            }

            foreach (var offer in catalog.Offers.Values)
            {
                if ((spec.AcceleratorIds.Count > 0 && !spec.AcceleratorIds.Contains(offer.AcceleratorId))
                    || (spec.Regions.Count > 0 && !spec.Regions.Contains(offer.Region))
                    || (spec.PricingModels.Count > 0 && !spec.PricingModels.Contains(offer.PricingModel)))
                {
                    continue;
                }

                if (!assumptions.TryGetValue(offer.AcceleratorId, out var assumption))
                {
                    assumption = AssumptionsFor(offer.AcceleratorId, spec, warnings);
                    assumptions[offer.AcceleratorId] = assumption;
                }

                if (assumption is null)
                {
                    continue;
                }

                options.Add(Price(offer, catalog, assumption, spec, totalFlops));
            }
        }

        if (options.Count == 0)
        {
            warnings.Add("No offer matches the filters.");
        }

        var ranked = options
            .OrderBy(o => o.TotalCost)
            .ThenBy(o => o.WallClockHours)
            .ThenBy(o => o.Offer.OfferKey, StringComparer.Ordinal)
            .Take(spec.MaxOptions > 0 ? spec.MaxOptions : QuoteSpec.DefaultMaxOptions)
            .ToList();
        var used = ranked.Select(o => o.Offer.AcceleratorId).ToHashSet(StringComparer.Ordinal);
        var usedAssumptions = assumptions.Values.OfType<AcceleratorAssumptions>().Where(a => used.Contains(a.AcceleratorId)).OrderBy(a => a.AcceleratorId, StringComparer.Ordinal).ToList();
        return new QuoteResult(totalFlops, usedAssumptions, ranked, options.Count, warnings);
    }

    private AcceleratorAssumptions? AssumptionsFor(string acceleratorId, QuoteSpec spec, List<string> warnings)
    {
        if (!registry.TryGet(acceleratorId, out var accelerator))
        {
            warnings.Add($"Offers for '{acceleratorId}' skipped: not in the accelerator registry.");
            return null;
        }

        if (accelerator.PeakFlops(spec.Precision) is not { } peak)
        {
            warnings.Add($"Offers for '{acceleratorId}' skipped: no published dense {spec.Precision.ToString().ToUpperInvariant()} peak.");
            return null;
        }

        var defaults = efficiency.For(acceleratorId);
        return spec.Mfu is { } mfu
            ? new AcceleratorAssumptions(acceleratorId, peak, mfu, "request", defaults.Goodput, defaults.Source)
            : new AcceleratorAssumptions(acceleratorId, peak, defaults.Mfu, defaults.Source, defaults.Goodput, defaults.Source);
    }

    private static QuoteOptionResult Price(Offer offer, PriceViewCatalog catalog, AcceleratorAssumptions a, QuoteSpec spec, double totalFlops)
    {
        var acceleratorHours = totalFlops / (a.PeakFlops * a.Mfu * a.Goodput * 3600.0);
        var perInstance = (double)offer.AcceleratorsPerInstance;

        // Whole instances: a cluster of N accelerators rents ceil(N / per-instance) instances; no size means one instance.
        var instances = spec.AcceleratorCount > 0 ? (int)Math.Ceiling(spec.AcceleratorCount / perInstance - 1e-9) : 1;
        var accelerators = instances * perInstance;
        var wallClockHours = acceleratorHours / accelerators;
        var totalCost = decimal.Round((decimal)wallClockHours * instances * offer.PricePerInstanceHour, 2, MidpointRounding.AwayFromZero);
        // Round before the ceiling: 18 × (double)(1/6) is 3.0000000000000004, which is 3 accelerators, not 4.
        return new QuoteOptionResult(offer, catalog.Version, catalog.AsOf, acceleratorHours, (int)Math.Ceiling(Math.Round(accelerators, 6)), instances, wallClockHours, totalCost);
    }
}
