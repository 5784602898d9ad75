using Pricing.Catalog;

namespace Pricing.Quoting;

/// <summary>
/// Goodput of a run (docs/quote-model.md §4): the request's, or the failure model's at the cluster's size with the
/// provider's spot preemptions for spot offers, plus the restarts forced by a cap on one VM's run (DWS flex-start).
/// </summary>
internal sealed class RunGoodput(ProviderCosts providerCosts, ModelDefaults defaults)
{
    /// <summary>Spot preemptions per instance-month for a spot offer (the provider's rate), 0 for any other model.</summary>
    public double SpotInterruptionsPerInstanceMonth(Offer offer, PricingTerms? terms) =>
        terms?.Kind == PricingKind.Spot ? providerCosts.For(offer.Provider).SpotInterruptionsPerInstanceMonth : 0;

    /// <summary>
    /// Goodput on <paramref name="accelerators"/> accelerators in <paramref name="instances"/> instances; a run of
    /// <paramref name="productiveHours"/> under a capped VM run restarts at every cap.
    /// </summary>
    public GoodputParts For(QuoteSpec spec, double accelerators, int instances, double spotRate, PricingTerms? terms, double productiveHours)
    {
        var parts = spec.Goodput is { } g
            ? new GoodputParts(g, 0, 1 - g, 0, double.PositiveInfinity, double.PositiveInfinity, 0, 0)
            : FailureModel.Goodput(accelerators, instances, defaults.InterruptionsPerAcceleratorDay.Value, defaults.RestartHours.Value,
                defaults.CheckpointStallSeconds.Value, spotRate, defaults.SpotRestartHours.Value);
        if (spec.Goodput is null && terms?.Block?.MaxRunHours is { } maxRun && maxRun > 0)
        {
            // Flex-start: no VM runs past the max run, so a longer run restarts on newly obtained capacity (docs §4).
            parts = FailureModel.WithForcedRestarts(parts, productiveHours, maxRun, defaults.RestartHours.Value);
        }

        return parts;
    }
}
