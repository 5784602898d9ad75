using Pricing.Catalog;

namespace Pricing.Quoting;

/// <summary>
/// The quote engine (pure; every formula and default is in docs/quote-model.md). Per offer it builds a plan a training
/// team could run: a cluster of whole instances that holds the model, that the global batch can keep busy, joined by a
/// training-grade fabric when it spans instances, sized to the requested count, the deadline, or the default deadline.
/// Then accelerator-hours = FLOPs / (peak · MFU(run) · goodput(failure model) · 3600), billed as the cloud bills them
/// (whole terms for commitments), with the rest of the bill (storage, egress, experiments, staff) and node-level energy.
/// The parts live by concern: <see cref="TrainingComputeModel"/> (compute and memory), <see cref="ClusterSizer"/>
/// (cluster sizing and exclusions), <see cref="AcceleratorEfficiency"/> (MFU), <see cref="RunGoodput"/>,
/// <see cref="RunRateModel"/> (accelerator-hours), <see cref="TermBilling"/>, <see cref="BillLines"/>,
/// <see cref="OptionEnergy"/>, <see cref="QuoteOptionBuilder"/> (an option) and <see cref="RankedCandidates"/> (ranking).
/// </summary>
public sealed class QuoteEngine
{
    private readonly ModelDefaults _defaults;
    private readonly AcceleratorRegistry _registry;
    private readonly TrainingComputeModel _compute;
    private readonly AcceleratorEfficiency _efficiency;
    private readonly ClusterSizer _sizer;
    private readonly QuoteOptionBuilder _options;

    public QuoteEngine(
        AcceleratorRegistry registry,
        EfficiencyModel efficiency,
        InstanceCapabilities instances,
        ProviderCosts providerCosts,
        EnergyFactors energy,
        ModelDefaults defaults)
    {
        _defaults = defaults;
        _registry = registry;
        _compute = new TrainingComputeModel(defaults);
        _efficiency = new AcceleratorEfficiency(registry, efficiency, defaults, Fp4Training.Default);
        var goodput = new RunGoodput(providerCosts, defaults, FailureRates.Default);
        _sizer = new ClusterSizer(instances, _compute, new RunRateModel(_efficiency, goodput), goodput, defaults, CapacityRules.Default);
        _options = new QuoteOptionBuilder(new OptionEnergy(energy, defaults), new BillLines(providerCosts, defaults), CapacityRules.Default,
            new ProgramModel(ProgramDefaults.Default, providerCosts), defaults);
    }

    /// <summary>For Pricing.Quoting.Tests: <paramref name="registry"/> and the bundled data for the rest.</summary>
    internal QuoteEngine(AcceleratorRegistry registry)
        : this(registry, EfficiencyModel.Default, InstanceCapabilities.Default, ProviderCosts.Default, EnergyFactors.Default, ModelDefaults.Default)
    {
    }

    /// <summary>For Pricing.Quoting.Tests: <paramref name="registry"/>, <paramref name="efficiency"/> and the bundled data for the rest.</summary>
    internal QuoteEngine(AcceleratorRegistry registry, EfficiencyModel efficiency)
        : this(registry, efficiency, InstanceCapabilities.Default, ProviderCosts.Default, EnergyFactors.Default, ModelDefaults.Default)
    {
    }

    public QuoteResult Quote(QuoteSpec spec, PriceViewSnapshot prices)
    {
        var max = spec.MaxOptions > 0 ? spec.MaxOptions : QuoteSpec.DefaultMaxOptions;
        var evaluation = Evaluate(spec, prices, max);
        var options = evaluation.Ranked.Top.Select(c => _options.Build(c, evaluation)).ToList();
        if (evaluation.Ranked.Considered == 0)
        {
            evaluation.Warnings.Add(evaluation.Excluded.Count > 0
                ? $"No offer can run this training as asked; {evaluation.Excluded.Count} excluded (see the reasons)."
                : "No offer matches the filters.");
        }

        var shown = options.Select(o => o.Offer.AcceleratorId).Concat(evaluation.Excluded.Select(e => e.Offer.AcceleratorId)).ToHashSet(StringComparer.Ordinal);
        var assumptions = evaluation.Plans
            .Where(p => p.Value is not null && shown.Contains(p.Key))
            .Select(p => AssumptionsFor(p.Value!, evaluation))
            .OrderBy(a => a.AcceleratorId, StringComparer.Ordinal)
            .ToList();
        return new QuoteResult(evaluation.Compute, assumptions, options, evaluation.Ranked.Considered, evaluation.Excluded, evaluation.AllWarnings)
        {
            DetailWarnings = evaluation.DetailWarnings,
        };
    }

    /// <summary>One spec, the best option per accelerator type (cheapest, then fastest), and why a type has none.</summary>
    public ComparisonResult Compare(QuoteSpec spec, PriceViewSnapshot prices)
    {
        var evaluation = Evaluate(spec, prices, 0);
        var excludedBy = evaluation.Excluded.GroupBy(e => e.Offer.AcceleratorId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        var choices = new List<(AcceleratorChoice Choice, Candidate? Best)>();
        foreach (var (id, plan) in evaluation.Plans)
        {
            if (plan is null)
            {
                continue;
            }

            var excluded = excludedBy.GetValueOrDefault(id) ?? [];
            if (evaluation.Ranked.BestByAccelerator.TryGetValue(id, out var best))
            {
                choices.Add((new AcceleratorChoice(id, AssumptionsFor(plan, evaluation), _options.Build(best.Best, evaluation), best.Count, excluded.Count, null), best.Best));
            }
            else if (excluded.Count > 0)
            {
                choices.Add((new AcceleratorChoice(id, AssumptionsFor(plan, evaluation), null, 0, excluded.Count, excluded[0].Reason), null));
            }
        }

        var ordered = choices
            .OrderBy(c => c.Best is null)
            .ThenBy(c => c.Best is { Obtainable: false })
            .ThenBy(c => c.Best?.Cost ?? 0)
            .ThenBy(c => c.Choice.AcceleratorId, StringComparer.Ordinal)
            .Select(c => c.Choice)
            .ToList();
        if (ordered.Count == 0)
        {
            evaluation.Warnings.Add("No offer matches the filters.");
        }

        return new ComparisonResult(evaluation.Compute, ordered, evaluation.AllWarnings)
        {
            DetailWarnings = evaluation.DetailWarnings,
        };
    }

    /// <summary>
    /// A hash of every offer the spec's filters match (identity, accelerator, price): when it changes, a price the
    /// quote depends on changed. WatchQuote compares it between catalog versions; quotes do not pay for it.
    /// </summary>
    public ulong PriceDependencyHash(QuoteSpec spec, PriceViewSnapshot prices)
    {
        var hash = 14695981039346656037UL;
        foreach (var catalog in prices.Catalogs)
        {
            if (spec.Clouds.Count > 0 && !spec.Clouds.Contains(catalog.Provider))
            {
                continue;
            }

            foreach (var offer in catalog.Offers.Values)
            {
                // The program's data processing reads the provider's on-demand CPU prices whatever the filters (§6a).
                var cpu = _registry.IsCpu(offer.AcceleratorId);
                if ((cpu && offer.PricingModel == PricingModels.OnDemand)
                    || (!cpu
                        && (spec.AcceleratorIds.Count == 0 || spec.AcceleratorIds.Contains(offer.AcceleratorId))
                        && (spec.Regions.Count == 0 || spec.Regions.Contains(offer.Region))
                        && (spec.PricingModels.Count == 0 || spec.PricingModels.Contains(offer.PricingModel))))
                {
                    hash = Mix(hash, offer);
                }
            }
        }

        return hash;
    }

    /// <summary>Sizes every matching offer; keeps only the <paramref name="top"/> cheapest and each type's best (a big catalog is never sorted whole).</summary>
    private QuoteEvaluation Evaluate(QuoteSpec spec, PriceViewSnapshot prices, int top)
    {
        var (batchTokens, batchSource) = _compute.GlobalBatch(spec);
        var evaluation = new QuoteEvaluation(spec, _compute.ComputeFor(spec), top, _compute.LargestUsefulAccelerators(spec), batchTokens, batchSource);
        var accelerators = spec.AcceleratorIds.Count > 0 ? spec.AcceleratorIds.ToHashSet(StringComparer.Ordinal) : null;
        var regions = spec.Regions.Count > 0 ? spec.Regions.ToHashSet(StringComparer.Ordinal) : null;
        var models = spec.PricingModels.Count > 0 ? spec.PricingModels.ToHashSet(StringComparer.Ordinal) : null;
        if (spec.AcceleratorCount == 0 && spec.DeadlineHours <= 0)
        {
            evaluation.Warnings.Add($"No cluster size or deadline given: each plan is sized to finish in {_defaults.DefaultDeadlineDays.Value:G} days "
                + $"(the default deadline), within the largest cluster a {batchTokens / 1e6:G3}M-token global batch keeps busy ({evaluation.LargestUseful:N0} accelerators).");
        }

        foreach (var catalog in prices.Catalogs)
        {
            if (spec.Clouds.Count > 0 && !spec.Clouds.Contains(catalog.Provider))
            {
                continue;
            }

            var discount = spec.DiscountPercent.GetValueOrDefault(catalog.Provider);
            foreach (var offer in catalog.Offers.Values)
            {
                // A CPU offer prices the program's data processing; it is never a training candidate, nor excluded as one.
                if (_registry.IsCpu(offer.AcceleratorId))
                {
                    evaluation.VcpuPrices.Add(catalog, offer);
                    continue;
                }

                if ((accelerators is not null && !accelerators.Contains(offer.AcceleratorId))
                    || (regions is not null && !regions.Contains(offer.Region))
                    || (models is not null && !models.Contains(offer.PricingModel)))
                {
                    continue;
                }

                if (!evaluation.Plans.TryGetValue(offer.AcceleratorId, out var plan))
                {
                    plan = _efficiency.PlanFor(offer.AcceleratorId, spec, evaluation.Compute, evaluation.Warnings);
                    evaluation.Plans[offer.AcceleratorId] = plan;
                }

                if (plan is not null)
                {
                    _sizer.Size(offer, catalog, plan, discount, evaluation);
                }
            }
        }

        return evaluation;
    }

    /// <summary>The assumptions used for one accelerator type: from its best option when it has one, else its reference row.</summary>
    private AcceleratorAssumptions AssumptionsFor(AcceleratorPlan plan, QuoteEvaluation evaluation)
    {
        var a = plan.Accelerator;
        var best = evaluation.Ranked.BestByAccelerator.TryGetValue(a.Id, out var b) ? b.Best : (Candidate?)null;
        var goodput = best?.Run.Goodput;
        var spec = evaluation.Spec;
        var (activation, allowance, minAccelerators) = _compute.MemoryFit(spec, a, evaluation.Compute);
        var (mfu, low, high, source) = _efficiency.Assumed(plan, best?.Run.Mfu);
        return new AcceleratorAssumptions(a.Id, plan.PeakFlops, mfu, low, high, source,
            goodput?.Goodput ?? 0, spec.Goodput is not null ? "request" : "failure model (per option; docs/quote-model.md §4)",
            a.MemoryGb, allowance, minAccelerators, a.TdpWatts, spec.EnergyUtilisation ?? _defaults.EnergyUtilisation.Value)
        {
            BytesPerParameter = _compute.BytesPerParameter(spec),
            ActivationBytesPerAccelerator = activation,
            GlobalBatchTokens = evaluation.BatchTokens,
            GlobalBatchSource = evaluation.BatchSource,
        };
    }

    /// <summary>
    /// Folds what a quote reads from an offer into the running hash: a different value means a price the quote depends
    /// on changed. Compared only within one process (WatchQuote), so the per-process string hash is fine.
    /// </summary>
    private static ulong Mix(ulong hash, Offer offer)
    {
        var h = HashCode.Combine(offer.Provider, offer.Region, offer.Zone, offer.InstanceType, offer.PricingModel, offer.AcceleratorId, offer.PricePerInstanceHour, offer.AcceleratorsPerInstance);
        return (hash ^ (uint)h) * 1099511628211UL;
    }
}
