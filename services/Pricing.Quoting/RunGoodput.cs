using Pricing.Catalog;

namespace Pricing.Quoting;

/// <summary>
/// Goodput of a run (docs/quote-model.md §4): the request's, or the failure model's at the cluster's size with the team
/// maturity's interruption rate and restart time and the provider's spot preemptions per host for spot offers, plus the
/// restarts forced by a cap on one VM's run (DWS flex-start); its range from the maturity levels either side.
/// </summary>
internal sealed class RunGoodput(ProviderCosts providerCosts, ModelDefaults defaults, FailureRates rates)
{
    /// <summary>Spot preemptions per instance-month for a spot offer (the provider's rate), 0 for any other model.</summary>
    public double SpotInterruptionsPerInstanceMonth(Offer offer, PricingTerms? terms) =>
        terms?.Kind == PricingKind.Spot ? providerCosts.For(offer.Provider).SpotInterruptionsPerInstanceMonth : 0;

    /// <summary>The hosts a spot preemption takes one of: instances, or for per-chip TPU offers the chips over chips per host.</summary>
    public int Hosts(Offer offer, double accelerators, int instances) => rates.Hosts(offer.InstanceType, accelerators, instances);

    /// <summary>
    /// Goodput on <paramref name="accelerators"/> accelerators in <paramref name="hosts"/> hosts; a run of
    /// <paramref name="productiveHours"/> under a capped VM run restarts at every cap. A multi-host cluster is first
    /// brought up for the level's bring-up hours (billed as its own line).
    /// </summary>
    public GoodputParts For(QuoteSpec spec, double accelerators, int hosts, double spotRate, PricingTerms? terms, double productiveHours)
    {
        var level = rates.For(spec.TeamMaturity);
        var bringUp = hosts > 1 ? level.BringUpHours : 0;
        if (spec.Goodput is { } g)
        {
            return new GoodputParts(g, 0, 1 - g, 0, double.PositiveInfinity, double.PositiveInfinity, 0, 0)
            {
                TeamMaturity = level.Name, GoodputLow = g, GoodputHigh = g, BringUpHours = bringUp,
            };
        }

        var parts = At(level, accelerators, hosts, spotRate, terms, productiveHours);
        var (better, worse) = rates.Neighbours(level);
        var fast = At(Midway(level, better), accelerators, hosts, spotRate, terms, productiveHours).Goodput;
        var slow = At(Midway(level, worse), accelerators, hosts, spotRate, terms, productiveHours).Goodput;
        return parts with
        {
            TeamMaturity = level.Name,
            GoodputHigh = Math.Max(parts.Goodput, fast),
            GoodputLow = Math.Max(1 - FailureModel.MaxLoss, Math.Min(parts.Goodput, slow)),
            BringUpHours = bringUp,
        };
    }

    /// <summary>
    /// Halfway (geometrically: the rates span a factor of ~4 and the restarts of ~30) from a level to its neighbour: a
    /// team is known to sit nearer its own level than the next, so the range reaches halfway, not all the way.
    /// </summary>
    private static TeamMaturity Midway(TeamMaturity level, TeamMaturity neighbour) => level with
    {
        InterruptionsPerAcceleratorDay = Math.Sqrt(level.InterruptionsPerAcceleratorDay * neighbour.InterruptionsPerAcceleratorDay),
        RestartHours = Math.Sqrt(level.RestartHours * neighbour.RestartHours),
    };

    private GoodputParts At(TeamMaturity level, double accelerators, int hosts, double spotRate, PricingTerms? terms, double productiveHours)
    {
        var parts = FailureModel.Goodput(accelerators, hosts, level.InterruptionsPerAcceleratorDay, level.RestartHours,
            defaults.CheckpointStallSeconds.Value, spotRate, defaults.SpotRestartHours.Value);
        if (terms?.Block?.MaxRunHours is { } maxRun && maxRun > 0)
        {
            // Flex-start: no VM runs past the max run, so a longer run restarts on newly obtained capacity (docs §4).
            parts = FailureModel.WithForcedRestarts(parts, productiveHours, maxRun, level.RestartHours);
        }

        return parts;
    }
}
