using System.Globalization;
using Pricing.Catalog;

namespace Pricing.Quoting.Levers;

/// <summary>
/// What the quote's top option becomes under each lever (issue 24, item 4), each by re-running the engine on a changed
/// spec (pure): FP8 instead of BF16; NVFP4 on Blackwell (the spec quoted in FP4); the compute-optimal model at equal compute (Chinchilla's 20 tokens per parameter);
/// twice the deadline (a smaller cluster); another pricing model (on demand, Capacity Block, a 1-year commitment with
/// its capacity reused); the cheapest and the cleanest region for the same accelerator and pricing model; the next
/// accelerator generation (accelerator-generations.json). <see cref="MaxEngineRuns"/> runs at most, each over the
/// spec's filtered offers, keeping one option (the region levers keep the options of one accelerator and model).
/// </summary>
public sealed class LeverSet(QuoteEngine engine, AcceleratorGenerations generations, ModelDefaults defaults, AcceleratorRegistry? registry = null, Fp4Training? fp4 = null)
{
    /// <summary>One engine run per lever but the two region levers, which share one.</summary>
    public const int MaxEngineRuns = 9;

    private readonly AcceleratorRegistry _registry = registry ?? AcceleratorRegistry.Default;
    private readonly Fp4Training _fp4 = fp4 ?? Fp4Training.Default;

    /// <summary>Options the region run keeps: more than the regions of one accelerator and pricing model across the clouds.</summary>
    private const int RegionOptions = 200;

    public IReadOnlyList<Lever> For(QuoteSpec spec, QuoteOptionResult top, PriceViewSnapshot prices)
    {
        var levers = new List<Lever>();
        var one = spec with { MaxOptions = 1 };

        levers.Add(spec.Precision == Precision.Bf16
            ? Run(LeverNames.Fp8, "FP8 instead of BF16", one with { Precision = Precision.Fp8 }, top, prices)
            : NotApplicable(LeverNames.Fp8, "FP8 instead of BF16", $"The quote is already in {Name(spec.Precision)}."));
        levers.Add(Fp4(one, top, prices));

        levers.Add(ComputeOptimal(one, top, prices));
        levers.Add(LongerDeadline(one, top, prices));
        levers.Add(PricingLever(LeverNames.OnDemand, "on demand", one with { PricingModels = [PricingModels.OnDemand] }, top, prices));
        levers.Add(PricingLever(LeverNames.CapacityBlock, "Capacity Block", one with { PricingModels = [PricingModels.CapacityBlock] }, top, prices));
        levers.Add(PricingLever(LeverNames.CommitmentWithReuse, "a 1-year commitment whose capacity is reused after the run",
            one with { PricingModels = [PricingModels.Committed1Y], ReuseCommittedCapacity = true }, top, prices));
        levers.AddRange(Regions(spec, top, prices));
        levers.Add(NextGeneration(one, top, prices));
        return levers;
    }

    /// <summary>
    /// NVFP4 on Blackwell: the spec quoted in FP4 on the top option's accelerator, so the plan (cluster, blocks,
    /// commitment, bill and program) is FP4's own; not for an accelerator without an FP4 peak (no FP4 tensor cores).
    /// </summary>
    private Lever Fp4(QuoteSpec one, QuoteOptionResult top, PriceViewSnapshot prices)
    {
        var accelerator = top.Offer.AcceleratorId;
        if (one.Precision == Precision.Fp4)
        {
            return NotApplicable(LeverNames.Fp4, "NVFP4 (Blackwell)", "The quote is already in FP4.");
        }

        var change = $"NVFP4 instead of {Name(one.Precision)} (Blackwell)";

        if (!_registry.TryGet(accelerator, out var chip) || chip.PeakFlops(Precision.Fp4) is null)
        {
            return NotApplicable(LeverNames.Fp4, change, $"{accelerator} has no FP4 tensor cores: NVFP4 training needs Blackwell (no dense FP4 peak in accelerators.json).");
        }

        var speedup = _fp4.SpeedupOverFp8;
        var described = $"NVFP4 on {accelerator} (measured {speedup.Low:G3}-{speedup.High:G3}x FP8's speed; {speedup.Cite}); "
            + $"assumes the quality-neutral NVFP4 recipe ({_fp4.Recipe.Cite})";
        return Run(LeverNames.Fp4, described, one with { Precision = Precision.Fp4, AcceleratorIds = [accelerator] }, top, prices);
    }

    private static string Name(Precision precision) => precision.ToString().ToUpperInvariant();

    private Lever ComputeOptimal(QuoteSpec one, QuoteOptionResult top, PriceViewSnapshot prices)
    {
        const string name = LeverNames.ComputeOptimalTokens;
        if (one.ActiveParameters > 0 && one.ActiveParameters < one.Parameters)
        {
            return NotApplicable(name, "the compute-optimal size at equal compute", "Chinchilla's ratio is for dense models; this one is a mixture of experts.");
        }

        // Equal compute C = 6·N·D with D = 20·N: N = sqrt(N·D / 20) (Hoffmann et al. 2022, Table 3's ~20 tokens per parameter).
        var parameters = Math.Sqrt(one.Parameters * one.Tokens / 20);
        var change = $"{parameters:G3} parameters on {20 * parameters:G3} tokens (20 per parameter) at equal compute";
        return Math.Abs(parameters / one.Parameters - 1) < 0.01
            ? NotApplicable(name, change, "The run is already at 20 tokens per parameter.")
            : Run(name, change, one with { Parameters = parameters, Tokens = 20 * parameters, ActiveParameters = 0, Chinchilla = false }, top, prices);
    }

    private Lever LongerDeadline(QuoteSpec one, QuoteOptionResult top, PriceViewSnapshot prices)
    {
        const string name = LeverNames.LongerDeadline;
        if (one.AcceleratorCount > 0)
        {
            return NotApplicable(name, "twice the deadline", "The cluster size was given, not a deadline.");
        }

        var hours = 2 * (one.DeadlineHours > 0 ? one.DeadlineHours : defaults.DefaultDeadlineDays.Value * 24);
        return Run(name, $"a {hours / 24:G4}-day deadline (twice {(one.DeadlineHours > 0 ? "the asked" : "the default")}): a smaller cluster",
            one with { DeadlineHours = hours }, top, prices);
    }

    private Lever PricingLever(string name, string model, QuoteSpec changed, QuoteOptionResult top, PriceViewSnapshot prices) =>
        top.Offer.PricingModel == changed.PricingModels[0] && changed.ReuseCommittedCapacity == top.Commitment is { CapacityReused: true }
            ? NotApplicable(name, model, $"The top option is already {model}.")
            : Run(name, model, changed, top, prices);

    /// <summary>The cheapest and the cleanest obtainable region for the top option's accelerator and pricing model, from one run over every region.</summary>
    private IEnumerable<Lever> Regions(QuoteSpec spec, QuoteOptionResult top, PriceViewSnapshot prices)
    {
        var same = spec with
        {
            AcceleratorIds = [top.Offer.AcceleratorId], PricingModels = [top.Offer.PricingModel], Regions = [], Clouds = [], MaxOptions = RegionOptions,
        };
        var options = engine.Quote(same, prices).Options.Where(o => Obtainable(o) || !Obtainable(top)).ToList();
        var what = $"{top.Offer.AcceleratorId}, {top.Offer.PricingModel}";
        if (options.Count == 0)
        {
            yield return NotApplicable(LeverNames.CheapestRegion, $"the cheapest region for {what}", "No obtainable option in any region.");
            yield return NotApplicable(LeverNames.CleanestRegion, $"the cleanest region for {what}", "No obtainable option in any region.");
            yield break;
        }

        var cheapest = options[0];
        yield return cheapest.Offer.Region == top.Offer.Region
            ? NotApplicable(LeverNames.CheapestRegion, $"the cheapest region for {what}", "The top option is already in the cheapest region.")
            : With(new Lever(LeverNames.CheapestRegion, $"{cheapest.Offer.Provider} {cheapest.Offer.Region} (the cheapest region for {what})", cheapest, ""), top);
        var cleanest = options.OrderBy(o => o.Co2Kg).ThenBy(o => o.BillTotal).First();
        yield return cleanest.Offer.Region == top.Offer.Region
            ? NotApplicable(LeverNames.CleanestRegion, $"the cleanest region for {what}", "The top option is already in the cleanest region.")
            : With(new Lever(LeverNames.CleanestRegion,
                $"{cleanest.Offer.Provider} {cleanest.Offer.Region} (the lowest-carbon grid for {what}, {cleanest.GridKgCo2PerKwh.ToString("0.###", CultureInfo.InvariantCulture)} kg CO2/kWh)", cleanest, ""), top);
    }

    private Lever NextGeneration(QuoteSpec one, QuoteOptionResult top, PriceViewSnapshot prices)
    {
        var next = generations.NextAfter(top.Offer.AcceleratorId);
        return next is null
            ? NotApplicable(LeverNames.NextGeneration, "the next accelerator generation", $"No successor of {top.Offer.AcceleratorId} is listed (accelerator-generations.json).")
            : Run(LeverNames.NextGeneration, $"{next.To} instead of {next.From} ({next.Source})", one with { AcceleratorIds = [next.To] }, top, prices);
    }

    private Lever Run(string name, string change, QuoteSpec changed, QuoteOptionResult top, PriceViewSnapshot prices)
    {
        var option = engine.Quote(changed, prices).Options.FirstOrDefault();
        // Against an obtainable top option only an obtainable plan is a lever; against an unobtainable one, like for like.
        return option is null || (Obtainable(option) is false && Obtainable(top))
            ? NotApplicable(name, change, option is null ? "No offer can run the program with this change." : "No obtainable option runs the program with this change.")
            : With(new Lever(name, change, option, ""), top);
    }

    private static bool Obtainable(QuoteOptionResult option) => option.Capacity?.Obtainable != false;

    private static Lever With(Lever lever, QuoteOptionResult top) => lever with
    {
        DeltaCost = lever.Option!.BillTotal - top.BillTotal,
        DeltaHours = lever.Option.WallClockHours - top.WallClockHours,
        DeltaCo2Kg = lever.Option.Co2Kg - top.Co2Kg,
        DeltaProgramCost = lever.Option.Program is { } changed && top.Program is { } asQuoted ? changed.Total - asQuoted.Total : null,
    };

    private static Lever NotApplicable(string name, string change, string reason) => new(name, change, null, reason);
}
