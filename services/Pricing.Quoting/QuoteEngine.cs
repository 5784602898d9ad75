using System.Globalization;
using Pricing.Catalog;

namespace Pricing.Quoting;

/// <summary>
/// The quote engine (pure; every formula and default is in docs/quote-model.md). Per offer it builds a plan a training
/// team could run: a cluster of whole instances that holds the model, that the global batch can keep busy, joined by a
/// training-grade fabric when it spans instances, sized to the requested count, the deadline, or the default deadline.
/// Then accelerator-hours = FLOPs / (peak · MFU(run) · goodput(failure model) · 3600), billed as the cloud bills them
/// (whole terms for commitments), with the rest of the bill (storage, egress, experiments, staff) and node-level energy.
/// </summary>
public sealed class QuoteEngine(
    AcceleratorRegistry registry,
    EfficiencyModel efficiency,
    InstanceCapabilities instances,
    ProviderCosts providerCosts,
    EnergyFactors energy,
    ModelDefaults defaults)
{
    /// <summary>Past this a "cost" says the inputs are wrong (and money stays far inside its int64 units).</summary>
    public const double MaxTotalCost = 1e15;

    public const double HoursPerYear = PricingTerms.HoursPerYear;

    private const double SecondsPerHour = 3600.0;

    /// <summary>Whole-instance rounding tolerates floating-point noise: 18 × (double)(1/6) is 3.0000000000000004.</summary>
    private const double RoundingSlack = 1e-9;

    /// <summary>Cluster size and efficiency depend on each other (a bigger cluster runs at a lower MFU): a few rounds settle it.</summary>
    private const int SizingRounds = 8;

    public QuoteEngine(AcceleratorRegistry registry)
        : this(registry, EfficiencyModel.Default, InstanceCapabilities.Default, ProviderCosts.Default, EnergyFactors.Default, ModelDefaults.Default)
    {
    }

    public QuoteEngine(AcceleratorRegistry registry, EfficiencyModel efficiency)
        : this(registry, efficiency, InstanceCapabilities.Default, ProviderCosts.Default, EnergyFactors.Default, ModelDefaults.Default)
    {
    }

    public ModelDefaults Defaults => defaults;

    public QuoteResult Quote(QuoteSpec spec, PriceViewSnapshot prices)
    {
        var max = spec.MaxOptions > 0 ? spec.MaxOptions : QuoteSpec.DefaultMaxOptions;
        var evaluation = Evaluate(spec, prices, max);
        var options = evaluation.Top.Select(c => Materialize(c, spec, evaluation)).ToList();
        if (evaluation.Considered == 0)
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
        return new QuoteResult(evaluation.Compute, assumptions, options, evaluation.Considered, evaluation.Excluded, evaluation.Warnings);
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
            if (evaluation.BestByAccelerator.TryGetValue(id, out var best))
            {
                choices.Add((new AcceleratorChoice(id, AssumptionsFor(plan, evaluation), Materialize(best.Best, spec, evaluation), best.Count, excluded.Count, null), best.Best));
            }
            else if (excluded.Count > 0)
            {
                choices.Add((new AcceleratorChoice(id, AssumptionsFor(plan, evaluation), null, 0, excluded.Count, excluded[0].Reason), null));
            }
        }

        var ordered = choices
            .OrderBy(c => c.Best is null)
            .ThenBy(c => c.Best?.Cost ?? 0)
            .ThenBy(c => c.Choice.AcceleratorId, StringComparer.Ordinal)
            .Select(c => c.Choice)
            .ToList();
        if (ordered.Count == 0)
        {
            evaluation.Warnings.Add("No offer matches the filters.");
        }

        return new ComparisonResult(evaluation.Compute, ordered, evaluation.Warnings);
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
                if ((spec.AcceleratorIds.Count == 0 || spec.AcceleratorIds.Contains(offer.AcceleratorId))
                    && (spec.Regions.Count == 0 || spec.Regions.Contains(offer.Region))
                    && (spec.PricingModels.Count == 0 || spec.PricingModels.Contains(offer.PricingModel)))
                {
                    hash = Mix(hash, offer);
                }
            }
        }

        return hash;
    }

    /// <summary>Bytes of model state per parameter for the spec's optimizer setup.</summary>
    public double BytesPerParameter(QuoteSpec spec) =>
        string.Equals(spec.OptimizerSetup, "zero", StringComparison.OrdinalIgnoreCase) ? defaults.BytesPerParameter.Value : defaults.BytesPerParameterMegatron.Value;

    /// <summary>Tokens per optimizer step: the request's, or the default for the model's size, with its source.</summary>
    public (double Tokens, string Source) GlobalBatch(QuoteSpec spec) =>
        spec.GlobalBatchTokens > 0 ? (spec.GlobalBatchTokens, "request")
        : spec.Parameters >= defaults.LargeModelParameters.Value ? (defaults.GlobalBatchTokensLarge.Value, defaults.GlobalBatchTokensLarge.Source)
        : (defaults.GlobalBatchTokens.Value, defaults.GlobalBatchTokens.Source);

    /// <summary>The most accelerators a global batch keeps busy: batch tokens / the fewest tokens per accelerator per step.</summary>
    public long LargestUsefulAccelerators(QuoteSpec spec) =>
        (long)Math.Max(1, Math.Floor(GlobalBatch(spec).Tokens / defaults.MinTokensPerAcceleratorStep.Value + RoundingSlack));

    /// <summary>Tokens, FLOPs and model state of the run, before any offer.</summary>
    public TrainingCompute ComputeFor(QuoteSpec spec)
    {
        var chinchilla = spec.Chinchilla && spec.Tokens <= 0;
        var tokens = chinchilla ? defaults.ChinchillaTokensPerParameter.Value * spec.Parameters : spec.Tokens;
        var dense = 6.0 * spec.EffectiveActiveParameters * tokens;
        var attention = spec.HasAttentionShape ? 12.0 * spec.Layers * (double)spec.DModel * spec.SequenceLength * tokens : 0;
        return new TrainingCompute(tokens, chinchilla, dense, attention, BytesPerParameter(spec) * spec.Parameters);
    }

    /// <summary>
    /// Activation bytes one accelerator holds with full recomputation and a micro-batch of one sequence
    /// (Korthikanti et al. 2022): the layer inputs 2·s·h·L plus one layer's working set 34·s·h, over the tensor-parallel
    /// width <paramref name="tensorParallel"/> (sequence parallelism splits both). 0 without the model shape.
    /// </summary>
    public static double ActivationBytes(QuoteSpec spec, int tensorParallel)
    {
        if (!spec.HasAttentionShape)
        {
            return 0;
        }

        var sh = (double)spec.SequenceLength * spec.DModel;
        return (2 * sh * spec.Layers + 34 * sh) / Math.Max(1, tensorParallel);
    }

    /// <summary>Sizes every matching offer; keeps only the <paramref name="top"/> cheapest and each type's best (a big catalog is never sorted whole).</summary>
    private Evaluation Evaluate(QuoteSpec spec, PriceViewSnapshot prices, int top)
    {
        var (batchTokens, batchSource) = GlobalBatch(spec);
        var evaluation = new Evaluation(spec, ComputeFor(spec), top, LargestUsefulAccelerators(spec), batchTokens, batchSource);
        var accelerators = spec.AcceleratorIds.Count > 0 ? spec.AcceleratorIds.ToHashSet(StringComparer.Ordinal) : null;
        var regions = spec.Regions.Count > 0 ? spec.Regions.ToHashSet(StringComparer.Ordinal) : null;
        var models = spec.PricingModels.Count > 0 ? spec.PricingModels.ToHashSet(StringComparer.Ordinal) : null;
        if (spec.AcceleratorCount == 0 && spec.DeadlineHours <= 0)
        {
            evaluation.Warnings.Add($"No cluster size or deadline given: each plan is sized to finish in {defaults.DefaultDeadlineDays.Value:G} days "
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
                if ((accelerators is not null && !accelerators.Contains(offer.AcceleratorId))
                    || (regions is not null && !regions.Contains(offer.Region))
                    || (models is not null && !models.Contains(offer.PricingModel)))
                {
                    continue;
                }

                if (!evaluation.Plans.TryGetValue(offer.AcceleratorId, out var plan))
                {
                    plan = PlanFor(offer.AcceleratorId, spec, evaluation);
                    evaluation.Plans[offer.AcceleratorId] = plan;
                }

                if (plan is not null)
                {
                    Size(offer, catalog, plan, spec, discount, evaluation);
                }
            }
        }

        return evaluation;
    }

    /// <summary>Fits the run on one offer: a feasible cluster in whole instances and its cost, or the reason there is none.</summary>
    private void Size(Offer offer, PriceViewCatalog catalog, AcceleratorPlan plan, QuoteSpec spec, double discount, Evaluation evaluation)
    {
        var a = plan.Accelerator;
        if (!a.Trainable)
        {
            evaluation.Exclude(offer, ("inference", a.Id, 0), () => $"{a.Name} is not offered for training: {a.NotTrainableReason}");
            return;
        }

        var family = instances.For(offer.Provider, offer.InstanceType);
        if (family is { Trainable: false })
        {
            evaluation.Exclude(offer, ("family:" + offer.Provider + offer.InstanceType, a.Id, 0), () => $"{offer.InstanceType} is not offered for training: {family.NotTrainableReason}");
            return;
        }

        var perInstance = (double)offer.AcceleratorsPerInstance;
        // Tensor parallelism stays inside the NVLink / ICI domain (at most 8 wide, Megatron practice).
        var tensorParallel = (int)Math.Max(1, Math.Min(8, family?.ScaleUpDomain ?? Math.Floor(perInstance)));
        var activation = ActivationBytes(spec, tensorParallel);
        var usable = spec.HasAttentionShape && spec.ActivationAllowance is null
            ? a.MemoryGb * 1e9 - activation
            : a.MemoryGb * 1e9 * (1 - (spec.ActivationAllowance ?? defaults.ActivationAllowance.Value));
        if (usable <= 0)
        {
            evaluation.Exclude(offer, ("activations", a.Id, tensorParallel), () =>
                $"Does not fit: one sequence of {spec.SequenceLength:N0} tokens needs {Gb(activation)} GB of activations per {a.Id} "
                + $"(full recomputation, tensor parallel {tensorParallel}), more than its {a.MemoryGb:G} GB.");
            return;
        }

        var memoryInstances = Math.Max(1, Math.Ceiling(evaluation.Compute.ModelStateBytes / (perInstance * usable) - RoundingSlack));
        var usefulInstances = Math.Max(1, Math.Floor(evaluation.LargestUseful / perInstance + RoundingSlack));
        if (memoryInstances > usefulInstances)
        {
            evaluation.Exclude(offer, ("batch-memory", a.Id, perInstance), () =>
                $"The model state needs {memoryInstances * perInstance:N0} {a.Id} accelerators, more than the {evaluation.LargestUseful:N0} a global batch of "
                + $"{evaluation.BatchTokens / 1e6:G3}M tokens keeps busy; raise global_batch_tokens or pick a larger accelerator.");
            return;
        }

        var instancesWithoutFabric = (int)defaults.MaxInstancesWithoutFabric.Value;
        var maxInstances = family is { TrainingGradeFabric: true } ? usefulInstances : Math.Min(usefulInstances, instancesWithoutFabric);
        var terms = PricingModels.Terms(offer.PricingModel);
        var spotRate = terms?.Kind == PricingKind.Spot ? providerCosts.For(offer.Provider).SpotInterruptionsPerInstanceMonth : 0;

        double instancesCount;
        string basis;
        RunRate run;
        if (spec.AcceleratorCount > 0)
        {
            instancesCount = Math.Ceiling(spec.AcceleratorCount / perInstance - RoundingSlack);
            basis = ClusterBasis.Requested;
            if (instancesCount < memoryInstances)
            {
                evaluation.Exclude(offer, ("memory:" + perInstance.ToString(CultureInfo.InvariantCulture), a.Id, spec.AcceleratorCount), () =>
                    $"Does not fit: {spec.AcceleratorCount} × {a.Id} hold {Gb(spec.AcceleratorCount * usable)} GB after activations; "
                    + $"the model state needs {Gb(evaluation.Compute.ModelStateBytes)} GB ({BytesPerParameter(spec):G} B/parameter), so at least "
                    + $"{memoryInstances * perInstance:N0} accelerators ({memoryInstances:N0} × {offer.InstanceType}).");
                return;
            }

            if (instancesCount > usefulInstances)
            {
                evaluation.Exclude(offer, ("useful:" + perInstance.ToString(CultureInfo.InvariantCulture), a.Id, spec.AcceleratorCount), () =>
                    $"{instancesCount * perInstance:N0} accelerators are more than a global batch of {evaluation.BatchTokens / 1e6:G3}M tokens keeps busy "
                    + $"({evaluation.LargestUseful:N0} at {defaults.MinTokensPerAcceleratorStep.Value:N0} tokens per accelerator per step); raise global_batch_tokens or use fewer.");
                return;
            }

            run = Rate(plan, spec, offer, family, instancesCount, spotRate, terms);
        }
        else
        {
            var byDefault = spec.DeadlineHours <= 0;
            var deadline = byDefault ? defaults.DefaultDeadlineDays.Value * 24 : spec.DeadlineHours;
            instancesCount = memoryInstances;
            run = Rate(plan, spec, offer, family, instancesCount, spotRate, terms);
            // Hours grow with the cluster (MFU falls with scale, goodput with size), so the size needed only grows: stop
            // when it settles or reaches the most instances that may join one job.
            for (var round = 0; round < SizingRounds; round++)
            {
                var needed = Math.Min(maxInstances, Math.Max(memoryInstances, Math.Ceiling(run.AcceleratorHours / (deadline * perInstance) - RoundingSlack)));
                if (needed <= instancesCount)
                {
                    break;
                }

                instancesCount = needed;
                run = Rate(plan, spec, offer, family, instancesCount, spotRate, terms);
            }

            var meets = run.AcceleratorHours / (instancesCount * perInstance) <= deadline * (1 + 1e-6);
            if (!meets && !byDefault)
            {
                var limit = maxInstances < usefulInstances && family is not { TrainingGradeFabric: true }
                    ? $"{offer.InstanceType} has no training-grade fabric ({FabricText(family)}), so at most {instancesWithoutFabric} instances can join one job"
                    : $"a global batch of {evaluation.BatchTokens / 1e6:G3}M tokens keeps at most {evaluation.LargestUseful:N0} accelerators busy";
                evaluation.Exclude(offer, ("deadline:" + offer.InstanceType + ":" + limit, a.Id, perInstance), () =>
                    $"Cannot finish in {spec.DeadlineHours:G4} h on {offer.InstanceType}: {limit}.");
                return;
            }

            var cappedByFabric = maxInstances < usefulInstances;
            basis = byDefault
                ? (meets ? (instancesCount > memoryInstances ? ClusterBasis.DefaultDeadline : memoryInstances > 1 ? ClusterBasis.MemoryMinimum : ClusterBasis.OneInstance)
                    : cappedByFabric ? ClusterBasis.FabricLimit : ClusterBasis.LargestUseful)
                : instancesCount > memoryInstances ? ClusterBasis.Deadline : ClusterBasis.MemoryMinimum;
        }

        if (instancesCount > 1 && family is not { TrainingGradeFabric: true } && instancesCount > instancesWithoutFabric)
        {
            evaluation.Exclude(offer, ("fabric:" + offer.InstanceType, a.Id, instancesCount), () =>
                $"{instancesCount:N0} × {offer.InstanceType} would need a training-grade fabric between instances; it has {FabricText(family)}, "
                + $"so at most {instancesWithoutFabric} instances can join one job.");
            return;
        }

        if (run.Goodput.Goodput < 1 - FailureModel.MaxLoss)
        {
            evaluation.Exclude(offer, ("goodput:" + offer.InstanceType + ":" + offer.PricingModel, a.Id, instancesCount), () =>
                $"{instancesCount:N0} × {offer.InstanceType} ({offer.PricingModel}) would be interrupted every {run.Goodput.MeanHoursBetweenInterruptions * 60:N0} minutes: "
                + "a synchronous job would spend more time recovering than training.");
            return;
        }

        var rented = instancesCount * perInstance;
        if (!(rented <= QuoteRequestRules.MaxAcceleratorCount + RoundingSlack))
        {
            evaluation.Exclude(offer, ("size:" + basis, a.Id, perInstance), () =>
                $"Needs more than {QuoteRequestRules.MaxAcceleratorCount:N0} {a.Id} accelerators.");
            return;
        }

        var rate = spec.CustomPricePerAcceleratorHour is { } custom
            ? (double)custom
            : (double)offer.PricePerInstanceHour / perInstance * (1 - discount / 100);
        var wall = run.AcceleratorHours / rented;
        var billedHours = ModelBilling.For(terms, wall, spec.ReuseCommittedCapacity).HoursPerInstance;
        var cost = billedHours * rented * rate;
        if (!(cost <= MaxTotalCost))
        {
            evaluation.Exclude(offer, ("cost", a.Id, 0), () =>
                $"Costs more than ${MaxTotalCost:G2} on {a.Id}: check the parameters, tokens and efficiency inputs.");
            return;
        }

        evaluation.Add(new Candidate(offer, catalog, plan, family, run, (int)instancesCount, rented, basis, discount, cost, wall));
    }

    /// <summary>MFU, goodput and accelerator-hours of the run on <paramref name="instanceCount"/> instances of the offer.</summary>
    private RunRate Rate(AcceleratorPlan plan, QuoteSpec spec, Offer offer, InstanceFamily? family, double instanceCount, double spotRate, PricingTerms? terms)
    {
        var accelerators = instanceCount * (double)offer.AcceleratorsPerInstance;
        MfuEstimate estimate;
        if (spec.Mfu is { } m)
        {
            estimate = new MfuEstimate(m, m, m, m, 1, 1, 1, 1, "request");
        }
        else
        {
            estimate = efficiency.Estimate(plan.MfuRow, spec.EffectiveActiveParameters, spec.Parameters, plan.Bf16PeakFlops, accelerators, (int)instanceCount, family);
            if (plan.Fp8Derived)
            {
                var k = plan.Fp8Scale;
                estimate = estimate with { Mfu = estimate.Mfu * k, Low = estimate.Low * k, High = estimate.High * k, BaseMfu = estimate.BaseMfu * k };
            }
        }
        var parts = spec.Goodput is { } g
            ? new GoodputParts(g, 0, 1 - g, 0, double.PositiveInfinity, double.PositiveInfinity, 0, 0)
            : FailureModel.Goodput(accelerators, (int)instanceCount, defaults.InterruptionsPerAcceleratorDay.Value, defaults.RestartHours.Value,
                defaults.CheckpointStallSeconds.Value, spotRate, defaults.SpotRestartHours.Value);
        var flops = plan.Flops;
        if (spec.Goodput is null && terms?.Block?.MaxRunHours is { } maxRun && maxRun > 0)
        {
            // Flex-start: no VM runs past the max run, so a longer run restarts on newly obtained capacity (docs §4).
            var productiveHours = flops / (plan.PeakFlops * estimate.Mfu * SecondsPerHour * accelerators);
            parts = FailureModel.WithForcedRestarts(parts, productiveHours, maxRun, defaults.RestartHours.Value);
        }

        var denominator = plan.PeakFlops * parts.Goodput * SecondsPerHour;
        return new RunRate(estimate, parts, flops / (denominator * estimate.Mfu), flops / (denominator * estimate.High), flops / (denominator * estimate.Low));
    }

    /// <summary>
    /// Hours billed per instance: a 1- or 3-year commitment or savings plan bills every hour of each term it covers (the
    /// run's wall-clock rounded up to whole terms), unless the capacity is reused after the run; capacity blocks and
    /// calendar reservations bill whole purchasable blocks; other models bill the hours used (<see cref="ModelBilling"/>).
    /// </summary>
    public static double BilledHoursPerInstance(string pricingModel, double wallHours, bool reused, out double termHours, out int terms)
    {
        var billed = ModelBilling.For(PricingModels.Terms(pricingModel), wallHours, reused);
        termHours = billed.TermHours;
        terms = billed.Terms;
        return billed.HoursPerInstance;
    }

    /// <summary>Accelerator-hours billed for a run of <paramref name="acceleratorHours"/> on <paramref name="rented"/> accelerators (whole terms for commitments).</summary>
    private static double BilledHours(PricingTerms? terms, double acceleratorHours, double rented, bool reused) =>
        ModelBilling.For(terms, acceleratorHours / rented, reused).HoursPerInstance * rented;

    /// <summary>"all_upfront", "partial_upfront" or "no_upfront" for a commitment, from the model's terms; others pay as they go ("no_upfront").</summary>
    public static string PaymentOption(string pricingModel) =>
        PricingModels.Terms(pricingModel) is { BillsWholeTerm: true, Payment: var payment } ? payment : PricingModels.Payments.NoUpfront;

    private AcceleratorPlan? PlanFor(string acceleratorId, QuoteSpec spec, Evaluation evaluation)
    {
        if (!registry.TryGet(acceleratorId, out var accelerator))
        {
            evaluation.Warnings.Add($"Offers for '{acceleratorId}' skipped: not in the accelerator registry.");
            return null;
        }

        if (accelerator.PeakFlops(spec.Precision) is not { } peak || peak <= 0)
        {
            evaluation.Warnings.Add($"Offers for '{acceleratorId}' skipped: no published dense {spec.Precision.ToString().ToUpperInvariant()} peak.");
            return null;
        }

        var row = efficiency.RowFor(acceleratorId, spec.Precision);
        var fp8Derived = false;
        var fp8Scale = 1.0;
        if (row is null && spec.Precision == Precision.Fp8 && efficiency.RowFor(acceleratorId, Precision.Bf16) is { } bf16 && accelerator.PeakFlops(Precision.Bf16) is { } bf16Peak)
        {
            // No measured FP8 run: FP8 is worth the cited speed-up over BF16, not the 2x of the peaks.
            row = bf16;
            fp8Derived = true;
            fp8Scale = defaults.Fp8SpeedupOverBf16.Value * bf16Peak / peak;
        }

        row ??= efficiency.Fallback with { AcceleratorId = acceleratorId };
        return new AcceleratorPlan(accelerator, peak, row, fp8Derived, fp8Scale, evaluation.Compute.TotalFlops);
    }

    private AcceleratorAssumptions AssumptionsFor(AcceleratorPlan plan, Evaluation evaluation)
    {
        var a = plan.Accelerator;
        var best = evaluation.BestByAccelerator.TryGetValue(a.Id, out var b) ? b.Best : (Candidate?)null;
        var estimate = best?.Run.Mfu;
        var goodput = best?.Run.Goodput;
        // As the memory fit does: activations from the model shape (tensor parallel 8) when given, else the allowance.
        var spec = evaluation.Spec;
        var activation = spec is { HasAttentionShape: true, ActivationAllowance: null } ? ActivationBytes(spec, 8) : 0;
        var allowance = activation > 0 ? Math.Min(1, activation / (a.MemoryGb * 1e9)) : spec.ActivationAllowance ?? defaults.ActivationAllowance.Value;
        var usable = Math.Max(1, a.MemoryGb * 1e9 * (1 - allowance));
        var minAccelerators = (long)Math.Min(long.MaxValue / 2.0, Math.Max(1, Math.Ceiling(evaluation.Compute.ModelStateBytes / usable - RoundingSlack)));
        var mfu = estimate?.Mfu ?? plan.MfuRow.Mfu * plan.Fp8Scale;
        var fp8Note = plan.Fp8Derived ? $" (no measured FP8 run: BF16 MFU × {defaults.Fp8SpeedupOverBf16.Value:G} FP8 speed-up, {defaults.Fp8SpeedupOverBf16.Source})" : "";
        return new AcceleratorAssumptions(a.Id, plan.PeakFlops, mfu, estimate?.Low ?? mfu * efficiency.RangeLow, estimate?.High ?? Math.Min(1, mfu * efficiency.RangeHigh),
            (estimate?.Source ?? plan.MfuRow.Source) + fp8Note,
            goodput?.Goodput ?? 0, spec.Goodput is not null ? "request" : "failure model (per option; docs/quote-model.md §4)",
            a.MemoryGb, allowance, minAccelerators, a.TdpWatts, spec.EnergyUtilisation ?? defaults.EnergyUtilisation.Value)
        {
            BytesPerParameter = BytesPerParameter(spec),
            ActivationBytesPerAccelerator = activation,
            GlobalBatchTokens = evaluation.BatchTokens,
            GlobalBatchSource = evaluation.BatchSource,
        };
    }

    private QuoteOptionResult Materialize(Candidate c, QuoteSpec spec, Evaluation evaluation)
    {
        var warnings = evaluation.Warnings;
        var offer = c.Offer;
        var a = c.Plan.Accelerator;
        var (rate, priceSource) = spec.CustomPricePerAcceleratorHour is { } custom
            ? (custom, "custom")
            : (offer.PricePerInstanceHour / offer.AcceleratorsPerInstance * (1 - (decimal)c.Discount / 100), c.Discount > 0 ? "catalog_discounted" : "catalog");
        var hours = c.Run.AcceleratorHours;
        var terms = PricingModels.Terms(offer.PricingModel);
        var billed = ModelBilling.For(terms, c.WallClockHours, spec.ReuseCommittedCapacity);
        var billedPerInstance = billed.HoursPerInstance;
        var unusedHours = Math.Max(0, (billedPerInstance - c.WallClockHours) * c.Rented);
        var total = Money(hours + unusedHours, rate);

        // Where the hours go: productive, checkpoint stalls, failures (lost work + restarts), preemptions, unused term.
        var g = c.Run.Goodput;
        var computeHours = hours * g.Goodput;
        var checkpointHours = hours * g.CheckpointStall;
        var preemptionHours = hours * g.PreemptionLoss;
        var failureHours = Math.Max(0, hours - computeHours - checkpointHours - preemptionHours);
        var checkpoints = Money(checkpointHours, rate);
        var preemptions = Money(preemptionHours, rate);
        var unused = Money(unusedHours, rate);
        var failures = Money(failureHours, rate);
        var breakdown = new CostBreakdown(computeHours, failureHours, checkpointHours, total - checkpoints - failures - preemptions - unused, failures, checkpoints)
        {
            PreemptionHours = preemptionHours,
            Preemptions = preemptions,
            UnusedCommitmentHours = unusedHours,
            UnusedCommitment = unused,
        };

        var commitment = terms is { BillsWholeTerm: true } ? CommitmentFor(terms, billed, c, spec, total, warnings) : null;
        var block = terms is { Kind: PricingKind.CapacityBlock or PricingKind.Calendar or PricingKind.FlexStart } ? BlockFor(terms, billed, c, total, warnings) : null;

        if (terms?.Kind == PricingKind.Spot
            && (c.Instances > defaults.SpotCapacityWarnInstances.Value || c.WallClockHours > defaults.SpotCapacityWarnDays.Value * 24))
        {
            AddOnce(warnings, $"Spot capacity: {c.Instances} × {offer.InstanceType} for {c.WallClockHours / 24:N0} days is rarely available at once and for that long; "
                + $"each preemption stops the synchronous job (priced in as {g.PreemptionsPerDay:G2} preemptions a day).");
        }

        var pue = energy.Pue(offer.Provider);
        var grid = energy.GridIntensity(offer.Provider, offer.Region);
        if (grid.IsFallback)
        {
            AddOnce(warnings, $"No grid carbon intensity for {offer.Provider} region '{offer.Region}': CO2 uses the fallback {grid.Value:G3} kg/kWh ({grid.Source}).");
        }

        var power = PowerFor(a, c.Family, offer, spec, warnings);
        var kwh = hours * power.WattsPerAccelerator / 1000 * power.LoadFactor * pue.Value;

        var (bill, billTotal, withOptional) = BillFor(spec, offer, c, total, rate, evaluation);

        return new QuoteOptionResult(
            offer, c.Catalog.Version, c.Catalog.AsOf, hours,
            (int)Math.Ceiling(Math.Round(c.Rented, 6)), c.Instances, c.WallClockHours, total,
            rate, priceSource, c.Discount, breakdown,
            Money(BilledHours(terms, c.Run.AcceleratorHoursLow, c.Rented, spec.ReuseCommittedCapacity), rate),
            Money(BilledHours(terms, c.Run.AcceleratorHoursHigh, c.Rented, spec.ReuseCommittedCapacity), rate),
            c.Basis, kwh, kwh * grid.Value, pue.Value, grid.Value, grid.IsFallback)
        {
            Family = c.Family,
            Mfu = c.Run.Mfu,
            Goodput = g,
            Commitment = commitment,
            Block = block,
            Bill = bill,
            BillTotal = billTotal,
            BillTotalWithOptional = withOptional,
            Power = power,
            LargestUsefulAccelerators = evaluation.LargestUseful,
        };
    }

    /// <summary>
    /// A commitment's or savings plan's billing: whole terms (unless reused), its kind, plan type and payment option. What
    /// is paid up front is only said where the catalog shows it: all of it for all-upfront terms (the effective hourly
    /// rate is the upfront over the term); for partial upfront the effective rate hides the split, so it is not invented.
    /// </summary>
    private static CommitmentBilling CommitmentFor(PricingTerms terms, BilledTime billed, Candidate c, QuoteSpec spec, decimal total, List<string> warnings)
    {
        var (termHours, count) = (billed.TermHours, billed.Terms);
        var payment = terms.Payment;
        var savingsPlan = terms.Kind == PricingKind.SavingsPlan;
        var upfrontNote = payment switch
        {
            PricingModels.Payments.PartialUpfront when savingsPlan =>
                $"Partial upfront: 50% to 99% of the plan's total value is paid at purchase (at least ${total / 2:N0} of ${total:N0}; AWS CreateSavingsPlan "
                + "upfrontPaymentAmount), the rest monthly; the catalog's effective hourly rate does not say which share, so upfront is not given.",
            PricingModels.Payments.PartialUpfront =>
                "Partial upfront: part of the term is paid at purchase and the rest hourly; the upfront share is not in the catalog "
                + "(the offer's price is the effective hourly rate, upfront / term hours + hourly), so upfront is not given.",
            _ => "",
        };
        if (!spec.ReuseCommittedCapacity && c.WallClockHours < count * termHours * 0.5)
        {
            AddOnce(warnings, $"A {termHours / HoursPerYear:G}-year {(savingsPlan ? "savings plan" : "commitment")} bills the whole term: the run uses {c.WallClockHours / (count * termHours):P0} of it. "
                + "Set reuse_committed_capacity if the capacity has other work after the run.");
        }

        return new CommitmentBilling(termHours, count, billed.HoursPerInstance, Math.Min(1, c.WallClockHours / (count * termHours)),
            spec.ReuseCommittedCapacity, payment, payment == PricingModels.Payments.AllUpfront ? total : 0)
        {
            Kind = terms.KindName,
            PlanType = terms.PlanType ?? "",
            UpfrontNote = upfrontNote,
        };
    }

    /// <summary>
    /// A block model's billing (capacity blocks, DWS calendar, DWS flex-start): the blocks bought back to back and side by
    /// side, the unused tail, what is paid up front, and the notes a buyer needs (lead time, demand pricing, extensions and
    /// restarts not guaranteed). The quote-wide warnings say the same once per model.
    /// </summary>
    private static BlockBilling BlockFor(PricingTerms terms, BilledTime billed, Candidate c, decimal total, List<string> warnings)
    {
        var rules = terms.Block;
        var notes = new List<string>();
        var parallel = ModelBilling.ParallelBlocks(terms, c.Instances);
        var cap = rules?.MaxInstancesPerBlock ?? 0;
        var upfront = terms.Payment == PricingModels.Payments.Upfront;
        var restarts = terms.Kind == PricingKind.FlexStart ? ModelBilling.ForcedRestarts(terms, c.WallClockHours) : 0;
        var name = terms.Kind switch
        {
            PricingKind.CapacityBlock => "Capacity Block",
            PricingKind.Calendar => "DWS calendar-mode reservation",
            _ => "DWS flex-start",
        };

        if (terms.Kind == PricingKind.FlexStart)
        {
            var maxRun = rules?.MaxRunHours ?? 0;
            notes.Add($"Billed for the hours used. Each VM runs at most {maxRun / 24.0:G} days: the run restarts {restarts} time(s) on newly obtained capacity "
                + $"(priced into goodput as restart + work lost since the last checkpoint: {c.Run.Goodput.PreemptionLoss:P2} of the wall-clock).");
            notes.Add("Capacity is obtained when it frees up: the start time (and each restart's) is not guaranteed.");
            AddOnce(warnings, $"{name}: VMs start when capacity is available (the start is not guaranteed) and each runs at most {maxRun / 24.0:G} days; "
                + "longer runs are priced with a forced restart at every limit.");
        }
        else
        {
            var blocks = billed.BlocksInSequence;
            var sequence = blocks > 1
                ? $"{blocks - 1} × {billed.FullBlockHours / 24:G}-day block{(blocks > 2 ? "s" : "")} + a {billed.LastBlockHours / 24:G}-day block back to back"
                : $"one {billed.LastBlockHours / 24:G}-day block";
            notes.Add($"Bought in whole blocks: {sequence} ({billed.HoursPerInstance:N0} h per instance for a {c.WallClockHours / 24:N1}-day run; "
                + $"the unused {(billed.HoursPerInstance - c.WallClockHours):N1} h tail is billed){(upfront ? ", paid up front" : "")}.");
            if (parallel > 1)
            {
                notes.Add($"{c.Instances} instances need {parallel} blocks side by side (at most {cap} instances a block).");
                AddOnce(warnings, $"{name}: a block holds at most {cap} instances, so {c.Instances} × {c.Offer.InstanceType} need {parallel} blocks bought together.");
            }

            if (blocks > 1)
            {
                notes.Add($"The run is longer than the longest block ({billed.FullBlockHours / 24:G} days): each further block is an extension or a new booking, "
                    + "which needs capacity then and is not guaranteed.");
                AddOnce(warnings, $"{name}: a run longer than {billed.FullBlockHours / 24:G} days needs blocks back to back; extending or booking the next is not guaranteed.");
            }

            if (rules?.MaxLeadDays is { } lead)
            {
                notes.Add($"Starts within {lead} days of booking ({lead / 7.0:G3} weeks): book ahead no further than that.");
            }
        }

        if (terms.MovesWithDemand)
        {
            notes.Add("A list price that moves with supply and demand: the price paid is the one offered at purchase.");
            AddOnce(warnings, $"{name} prices ({terms.Model}) move with supply and demand: the quote uses the listed rate; the price offered at purchase may differ.");
        }

        var blockCount = terms.Kind == PricingKind.FlexStart ? 0 : billed.BlocksInSequence;
        return new BlockBilling(terms.KindName, blockCount, billed.FullBlockHours, billed.LastBlockHours,
            blockCount > 0 ? parallel : 0, cap, billed.HoursPerInstance, Math.Max(0, billed.HoursPerInstance - c.WallClockHours),
            upfront, upfront ? total : 0, terms.MovesWithDemand, rules?.MaxLeadDays ?? 0, rules?.MaxRunHours ?? 0, restarts, notes);
    }

    /// <summary>Node-level power per accelerator: the family's published node power, else TDP × the node overhead, else a flagged fallback.</summary>
    private PowerBasis PowerFor(Accelerator a, InstanceFamily? family, Offer offer, QuoteSpec spec, List<string> warnings)
    {
        var load = spec.EnergyUtilisation ?? defaults.EnergyUtilisation.Value;
        if (family?.NodePowerWatts is { } node && node > 0)
        {
            var perAccelerator = family.PowerIsPerChip ? node : node / (double)offer.AcceleratorsPerInstance;
            return new PowerBasis(perAccelerator, load, false, family.NodePowerSource ?? family.Source);
        }

        if (a.TdpWatts is { } tdp)
        {
            return new PowerBasis(tdp * defaults.NodePowerOverTdp.Value, load, true,
                $"TDP {tdp:G} W × {defaults.NodePowerOverTdp.Value:G} node overhead ({defaults.NodePowerOverTdp.Source})");
        }

        AddOnce(warnings, $"No published power for {a.Id} or {offer.InstanceType}: energy uses an estimated {defaults.FallbackWattsPerAccelerator.Value:G} W per accelerator.");
        return new PowerBasis(defaults.FallbackWattsPerAccelerator.Value, load, true, defaults.FallbackWattsPerAccelerator.Source);
    }

    /// <summary>The whole bill of one option: the run, checkpoint and dataset storage, egress when asked, then the optional lines.</summary>
    private (IReadOnlyList<BillLine> Lines, decimal Total, decimal WithOptional) BillFor(QuoteSpec spec, Offer offer, Candidate c, decimal run, decimal rate, Evaluation evaluation)
    {
        var costs = providerCosts.For(offer.Provider);
        var months = c.WallClockHours / FailureModel.HoursPerMonth;
        var lines = new List<BillLine> { new("training_run", run, false, $"{c.Instances:N0} × {offer.InstanceType} ({offer.PricingModel}) for {c.WallClockHours / 24:N1} days") };

        var copies = spec.CheckpointCopies > 0 ? spec.CheckpointCopies : (int)defaults.CheckpointCopies.Value;
        var checkpointGb = defaults.CheckpointBytesPerParameter.Value * spec.Parameters / 1e9;
        lines.Add(new("checkpoint_storage", MoneyOf(checkpointGb * copies * months * costs.StorageUsdPerGbMonth), false,
            $"{checkpointGb:N0} GB per checkpoint × {copies} kept × {months:N2} months × ${costs.StorageUsdPerGbMonth:G3}/GB-month ({costs.StorageSource})"));

        var datasetGb = (spec.DatasetBytes > 0 ? spec.DatasetBytes : evaluation.Compute.Tokens * defaults.DatasetBytesPerToken.Value) / 1e9;
        lines.Add(new("dataset_storage", MoneyOf(datasetGb * months * costs.StorageUsdPerGbMonth), false,
            $"{datasetGb:N0} GB × {months:N2} months × ${costs.StorageUsdPerGbMonth:G3}/GB-month"));

        if (spec.DatasetCloud.Length > 0 && spec.DatasetCloud != offer.Provider)
        {
            var source = providerCosts.For(spec.DatasetCloud);
            lines.Add(new("dataset_egress", MoneyOf(datasetGb * source.InternetEgressUsdPerGb), false,
                $"{datasetGb:N0} GB out of {spec.DatasetCloud} once × ${source.InternetEgressUsdPerGb:G3}/GB ({source.EgressSource})"));
        }

        var required = lines.Sum(l => l.Amount);
        if (spec.ExperimentsMultiplier > 1)
        {
            var experimentHours = c.Run.AcceleratorHours * (spec.ExperimentsMultiplier - 1);
            lines.Add(new("experiments", Money(experimentHours, rate), true,
                $"{spec.ExperimentsMultiplier - 1:G3} × the run's {c.Run.AcceleratorHours:N0} accelerator-hours for ablations and experiments, at the same rate"));
        }

        if (spec.StaffEngineers > 0)
        {
            var staffMonths = spec.StaffMonths > 0 ? spec.StaffMonths : months;
            var monthly = spec.StaffMonthlyCost ?? (decimal)defaults.StaffMonthlyCost.Value;
            lines.Add(new("staff", decimal.Round((decimal)spec.StaffEngineers * (decimal)staffMonths * monthly, 2, MidpointRounding.AwayFromZero), true,
                $"{spec.StaffEngineers:G} engineers × {staffMonths:N2} months × ${monthly:N0} loaded cost per month"
                + (spec.StaffMonthlyCost is null ? $" ({defaults.StaffMonthlyCost.Source})" : "")));
        }

        return (lines, required, lines.Sum(l => l.Amount));
    }

    private static string FabricText(InstanceFamily? family) =>
        family is null ? "no known fabric (the instance family is not in instance-families.json)" : $"{family.ScaleOutDetail}";

    private static decimal Money(double hours, decimal rate) => decimal.Round((decimal)hours * rate, 2, MidpointRounding.AwayFromZero);

    private static decimal MoneyOf(double usd) => decimal.Round((decimal)usd, 2, MidpointRounding.AwayFromZero);

    private static string Gb(double bytes) => (bytes / 1e9).ToString("N0", CultureInfo.InvariantCulture);

    private static void AddOnce(List<string> warnings, string warning)
    {
        if (!warnings.Contains(warning))
        {
            warnings.Add(warning);
        }
    }

    /// <summary>Cheapest first, then fastest, then by the offer's identity fields so equal quotes rank the same every time.</summary>
    private static int CandidateOrder(Candidate x, Candidate y)
    {
        var byCost = x.Cost.CompareTo(y.Cost);
        if (byCost != 0)
        {
            return byCost;
        }

        var byWall = x.WallClockHours.CompareTo(y.WallClockHours);
        if (byWall != 0)
        {
            return byWall;
        }

        // Field by field rather than OfferKey: the key is built on every read, and ties are common in big catalogs.
        var a = x.Offer;
        var b = y.Offer;
        var c = string.CompareOrdinal(a.Provider, b.Provider);
        c = c != 0 ? c : string.CompareOrdinal(a.Region, b.Region);
        c = c != 0 ? c : string.CompareOrdinal(a.Zone, b.Zone);
        c = c != 0 ? c : string.CompareOrdinal(a.InstanceType, b.InstanceType);
        return c != 0 ? c : string.CompareOrdinal(a.PricingModel, b.PricingModel);
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

    private sealed record AcceleratorPlan(Accelerator Accelerator, double PeakFlops, MfuRow MfuRow, bool Fp8Derived, double Fp8Scale, double Flops)
    {
        /// <summary>The model-size factor is read against the chip's BF16 speed, whatever the precision.</summary>
        public double Bf16PeakFlops => Accelerator.PeakFlops(Precision.Bf16) ?? PeakFlops;
    }

    private sealed record RunRate(MfuEstimate Mfu, GoodputParts Goodput, double AcceleratorHours, double AcceleratorHoursLow, double AcceleratorHoursHigh);

    private readonly record struct Candidate(
        Offer Offer, PriceViewCatalog Catalog, AcceleratorPlan Plan, InstanceFamily? Family, RunRate Run, int Instances, double Rented, string Basis, double Discount, double Cost, double WallClockHours);

    private static readonly IComparer<Candidate> RankOrder = Comparer<Candidate>.Create(CandidateOrder);

    private sealed class Evaluation(QuoteSpec spec, TrainingCompute compute, int top, long largestUseful, double batchTokens, string batchSource)
    {
        private readonly Dictionary<(string Kind, string AcceleratorId, double Size), string> _reasons = [];

        public TrainingCompute Compute { get; } = compute;
        public long LargestUseful { get; } = largestUseful;
        public double BatchTokens { get; } = batchTokens;
        public string BatchSource { get; } = batchSource;
        public QuoteSpec Spec { get; } = spec;
        public Dictionary<string, AcceleratorPlan?> Plans { get; } = new(StringComparer.Ordinal);

        /// <summary>The cheapest candidates so far, in rank order, at most <c>top</c> of them.</summary>
        public List<Candidate> Top { get; } = [];

        public Dictionary<string, (Candidate Best, int Count)> BestByAccelerator { get; } = new(StringComparer.Ordinal);
        public int Considered { get; private set; }
        public List<ExcludedOffer> Excluded { get; } = [];
        public List<string> Warnings { get; } = [];

        public void Add(Candidate candidate)
        {
            Considered++;
            var id = candidate.Offer.AcceleratorId;
            BestByAccelerator[id] = BestByAccelerator.TryGetValue(id, out var current)
                ? (CandidateOrder(candidate, current.Best) < 0 ? candidate : current.Best, current.Count + 1)
                : (candidate, 1);

            // Bounded insertion: most candidates lose to the current last place in one comparison.
            if (top <= 0 || (Top.Count == top && CandidateOrder(candidate, Top[^1]) >= 0))
            {
                return;
            }

            var at = Top.BinarySearch(candidate, RankOrder);
            Top.Insert(at < 0 ? ~at : at, candidate);
            if (Top.Count > top)
            {
                Top.RemoveAt(Top.Count - 1);
            }
        }

        /// <summary>Offers sharing a reason share its text: built once, not per offer.</summary>
        public void Exclude(Offer offer, (string, string, double) reasonKey, Func<string> reason)
        {
            if (!_reasons.TryGetValue(reasonKey, out var text))
            {
                text = reason();
                _reasons[reasonKey] = text;
            }

            Excluded.Add(new ExcludedOffer(offer, text));
        }
    }
}
