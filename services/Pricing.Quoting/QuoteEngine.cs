using System.Globalization;
using Pricing.Catalog;

namespace Pricing.Quoting;

/// <summary>
/// The quote engine (pure; every formula and default is in docs/quote-model.md):
/// FLOPs = 6·N_active·D (+ 12·L·d_model·seq·D); accelerator-hours = FLOPs / (dense peak · MFU · goodput · 3600);
/// memory fit = bytes per parameter × N_total sharded over the cluster (ZeRO-3) with an activation allowance;
/// cluster = requested, or the smallest meeting the deadline, in whole instances; cost = accelerator-hours × price per
/// accelerator-hour; energy = accelerator-hours × TDP × utilisation × PUE; CO2 = energy × grid intensity.
/// </summary>
public sealed class QuoteEngine(AcceleratorRegistry registry, EfficiencyDefaults efficiency, EnergyFactors energy, ModelDefaults defaults)
{
    /// <summary>Past this a "cost" says the inputs are wrong (and money stays far inside its int64 units).</summary>
    public const double MaxTotalCost = 1e15;

    private const double SecondsPerHour = 3600.0;

    /// <summary>Whole-instance rounding tolerates floating-point noise: 18 × (double)(1/6) is 3.0000000000000004.</summary>
    private const double RoundingSlack = 1e-9;

    public QuoteEngine(AcceleratorRegistry registry, EfficiencyDefaults efficiency)
        : this(registry, efficiency, EnergyFactors.Default, ModelDefaults.Default)
    {
    }

    public ModelDefaults Defaults => defaults;

    public QuoteResult Quote(QuoteSpec spec, PriceViewSnapshot prices)
    {
        var max = spec.MaxOptions > 0 ? spec.MaxOptions : QuoteSpec.DefaultMaxOptions;
        var evaluation = Evaluate(spec, prices, max);
        var options = evaluation.Top.Select(c => Materialize(c, spec, evaluation.Warnings)).ToList();
        if (evaluation.Considered == 0)
        {
            evaluation.Warnings.Add(evaluation.Excluded.Count > 0
                ? $"No offer can run this training as asked; {evaluation.Excluded.Count} excluded (see the reasons)."
                : "No offer matches the filters.");
        }

        var shown = options.Select(o => o.Offer.AcceleratorId).Concat(evaluation.Excluded.Select(e => e.Offer.AcceleratorId)).ToHashSet(StringComparer.Ordinal);
        var assumptions = evaluation.Plans.Values.OfType<AcceleratorPlan>()
            .Where(p => shown.Contains(p.Assumptions.AcceleratorId))
            .Select(p => p.Assumptions)
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
                choices.Add((new AcceleratorChoice(id, plan.Assumptions, Materialize(best.Best, spec, evaluation.Warnings), best.Count, excluded.Count, null), best.Best));
            }
            else if (excluded.Count > 0)
            {
                choices.Add((new AcceleratorChoice(id, plan.Assumptions, null, 0, excluded.Count, excluded[0].Reason), null));
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

    /// <summary>Tokens, FLOPs and model state of the run, before any offer.</summary>
    public TrainingCompute ComputeFor(QuoteSpec spec)
    {
        var chinchilla = spec.Chinchilla && spec.Tokens <= 0;
        var tokens = chinchilla ? defaults.ChinchillaTokensPerParameter.Value * spec.Parameters : spec.Tokens;
        var dense = 6.0 * spec.EffectiveActiveParameters * tokens;
        var attention = spec.HasAttentionShape ? 12.0 * spec.Layers * (double)spec.DModel * spec.SequenceLength * tokens : 0;
        return new TrainingCompute(tokens, chinchilla, dense, attention, defaults.BytesPerParameter.Value * spec.Parameters);
    }

    /// <summary>Sizes every matching offer; keeps only the <paramref name="top"/> cheapest and each type's best (a big catalog is never sorted whole).</summary>
    private Evaluation Evaluate(QuoteSpec spec, PriceViewSnapshot prices, int top)
    {
        var evaluation = new Evaluation(ComputeFor(spec), top);
        var accelerators = spec.AcceleratorIds.Count > 0 ? spec.AcceleratorIds.ToHashSet(StringComparer.Ordinal) : null;
        var regions = spec.Regions.Count > 0 ? spec.Regions.ToHashSet(StringComparer.Ordinal) : null;
        var models = spec.PricingModels.Count > 0 ? spec.PricingModels.ToHashSet(StringComparer.Ordinal) : null;
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

    /// <summary>Fits the run on one offer: cluster size in whole instances, or the reason it cannot run.</summary>
    private void Size(Offer offer, PriceViewCatalog catalog, AcceleratorPlan plan, QuoteSpec spec, double discount, Evaluation evaluation)
    {
        var perInstance = (double)offer.AcceleratorsPerInstance;
        var memoryInstances = Math.Max(1, Math.Ceiling(evaluation.Compute.ModelStateBytes / (perInstance * plan.UsableBytesPerAccelerator) - RoundingSlack));
        double instances;
        string basis;
        if (spec.AcceleratorCount > 0)
        {
            instances = Math.Ceiling(spec.AcceleratorCount / perInstance - RoundingSlack);
            basis = ClusterBasis.Requested;
            if (instances < memoryInstances)
            {
                evaluation.Exclude(offer, ("memory", offer.AcceleratorId, spec.AcceleratorCount), () =>
                    $"Does not fit: {spec.AcceleratorCount} × {offer.AcceleratorId} hold {Gb(spec.AcceleratorCount * plan.UsableBytesPerAccelerator)} GB after the activation allowance; "
                    + $"the model state needs {Gb(evaluation.Compute.ModelStateBytes)} GB ({defaults.BytesPerParameter.Value:G} B/parameter, ZeRO-3), so at least {plan.Assumptions.MinAcceleratorsForMemory} accelerators.");
                return;
            }
        }
        else if (spec.DeadlineHours > 0)
        {
            var forDeadline = Math.Ceiling(plan.AcceleratorHours / (spec.DeadlineHours * perInstance) - RoundingSlack);
            instances = Math.Max(Math.Max(1, forDeadline), memoryInstances);
            basis = forDeadline >= memoryInstances ? ClusterBasis.Deadline : ClusterBasis.MemoryMinimum;
        }
        else
        {
            instances = memoryInstances;
            basis = memoryInstances > 1 ? ClusterBasis.MemoryMinimum : ClusterBasis.OneInstance;
        }

        var rented = instances * perInstance;
        if (!(rented <= QuoteRequestRules.MaxAcceleratorCount + RoundingSlack))
        {
            evaluation.Exclude(offer, ("size:" + basis, offer.AcceleratorId, perInstance), () => basis == ClusterBasis.Deadline
                ? $"Meets the {spec.DeadlineHours:G4} h deadline only with more than {QuoteRequestRules.MaxAcceleratorCount:N0} {offer.AcceleratorId} accelerators."
                : $"Needs more than {QuoteRequestRules.MaxAcceleratorCount:N0} {offer.AcceleratorId} accelerators to hold {Gb(evaluation.Compute.ModelStateBytes)} GB of model state.");
            return;
        }

        var rate = spec.CustomPricePerAcceleratorHour is { } custom
            ? (double)custom
            : (double)offer.PricePerInstanceHour / perInstance * (1 - discount / 100);
        var cost = plan.AcceleratorHours * rate;
        if (!(cost <= MaxTotalCost))
        {
            evaluation.Exclude(offer, ("cost", offer.AcceleratorId, 0), () =>
                $"Costs more than ${MaxTotalCost:G2} on {offer.AcceleratorId}: check the parameters, tokens and efficiency inputs.");
            return;
        }

        evaluation.Add(new Candidate(offer, catalog, plan, (int)instances, rented, basis, discount, cost, plan.AcceleratorHours / rented));
    }

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

        var row = efficiency.For(acceleratorId);
        // An MFU override is a point estimate: the range collapses onto it rather than mixing the user's figure with ours.
        var (mfu, mfuLow, mfuHigh, mfuSource) = spec.Mfu is { } m ? (m, m, m, "request") : (row.Mfu, row.MfuLow, row.MfuHigh, row.Source);
        var (goodput, goodputSource) = spec.Goodput is { } g ? (g, "request") : (row.Goodput, row.Source);
        var allowance = spec.ActivationAllowance ?? defaults.ActivationAllowance.Value;
        var usable = accelerator.MemoryGb * 1e9 * (1 - allowance);
        var minAccelerators = (long)Math.Min(long.MaxValue / 2.0, Math.Max(1, Math.Ceiling(evaluation.Compute.ModelStateBytes / usable - RoundingSlack)));
        var assumptions = new AcceleratorAssumptions(acceleratorId, peak, mfu, mfuLow, mfuHigh, mfuSource, goodput, goodputSource,
            accelerator.MemoryGb, allowance, minAccelerators, accelerator.TdpWatts, spec.EnergyUtilisation ?? defaults.EnergyUtilisation.Value);
        var flops = evaluation.Compute.TotalFlops;
        return new AcceleratorPlan(
            assumptions,
            flops / (peak * mfu * goodput * SecondsPerHour),
            flops / (peak * mfuHigh * goodput * SecondsPerHour),
            flops / (peak * mfuLow * goodput * SecondsPerHour),
            usable);
    }

    private QuoteOptionResult Materialize(Candidate c, QuoteSpec spec, List<string> warnings)
    {
        var offer = c.Offer;
        var a = c.Plan.Assumptions;
        var (rate, priceSource) = spec.CustomPricePerAcceleratorHour is { } custom
            ? (custom, "custom")
            : (offer.PricePerInstanceHour / offer.AcceleratorsPerInstance * (1 - (decimal)c.Discount / 100), c.Discount > 0 ? "catalog_discounted" : "catalog");
        var hours = c.Plan.AcceleratorHours;
        var total = Money(hours, rate);

        // Goodput's loss is split: checkpoint stalls (the data file's share of wall time, at most the whole loss), the rest failures and restarts.
        var computeHours = hours * a.Goodput;
        var checkpointHours = hours * Math.Min(defaults.CheckpointOverhead.Value, 1 - a.Goodput);
        var failureHours = Math.Max(0, hours - computeHours - checkpointHours);
        var checkpoints = Money(checkpointHours, rate);
        var failures = Money(failureHours, rate);
        var breakdown = new CostBreakdown(computeHours, failureHours, checkpointHours, total - checkpoints - failures, failures, checkpoints);

        var pue = energy.Pue(offer.Provider);
        var grid = energy.GridIntensity(offer.Provider, offer.Region);
        if (grid.IsFallback)
        {
            AddOnce(warnings, $"No grid carbon intensity for {offer.Provider} region '{offer.Region}': CO2 uses the fallback {grid.Value:G3} kg/kWh ({grid.Source}).");
        }

        double kwh = 0;
        if (a.TdpWatts is { } tdp)
        {
            kwh = hours * tdp / 1000 * a.EnergyUtilisation * pue.Value;
        }
        else
        {
            AddOnce(warnings, $"No published TDP for {offer.AcceleratorId}: its energy and CO2 are not estimated (shown as 0).");
        }

        return new QuoteOptionResult(
            offer, c.Catalog.Version, c.Catalog.AsOf, hours,
            (int)Math.Ceiling(Math.Round(c.Rented, 6)), c.Instances, c.WallClockHours, total,
            rate, priceSource, c.Discount, breakdown,
            Money(c.Plan.AcceleratorHoursLow, rate), Money(c.Plan.AcceleratorHoursHigh, rate),
            c.Basis, kwh, kwh * grid.Value, pue.Value, grid.Value, grid.IsFallback);
    }

    private static decimal Money(double hours, decimal rate) => decimal.Round((decimal)hours * rate, 2, MidpointRounding.AwayFromZero);

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

    private sealed record AcceleratorPlan(AcceleratorAssumptions Assumptions, double AcceleratorHours, double AcceleratorHoursLow, double AcceleratorHoursHigh, double UsableBytesPerAccelerator);

    private readonly record struct Candidate(
        Offer Offer, PriceViewCatalog Catalog, AcceleratorPlan Plan, int Instances, double Rented, string Basis, double Discount, double Cost, double WallClockHours);

    private static readonly IComparer<Candidate> RankOrder = Comparer<Candidate>.Create(CandidateOrder);

    private sealed class Evaluation(TrainingCompute compute, int top)
    {
        private readonly Dictionary<(string Kind, string AcceleratorId, double Size), string> _reasons = [];

        public TrainingCompute Compute { get; } = compute;
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

        /// <summary>Offers of one accelerator share their reason text: built once, not per offer.</summary>
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
