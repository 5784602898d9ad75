using Pricing.Catalog;
using static Pricing.Quoting.QuoteRounding;

namespace Pricing.Quoting;

/// <summary>
/// Writes a ranked candidate out as an option (docs/quote-model.md §5): the rate it is priced at, the cost billed as the
/// cloud bills it and where the hours go, its term billing, energy, whole bill and the program around it (§6a);
/// option-level warnings go to the quote.
/// </summary>
internal sealed class QuoteOptionBuilder(OptionEnergy energy, BillLines bills, CapacityRules capacity, ProgramModel program, ModelDefaults defaults)
{
    public QuoteOptionResult Build(Candidate c, QuoteEvaluation evaluation)
    {
        var spec = evaluation.Spec;
        var warnings = evaluation.Warnings;
        var offer = c.Offer;
        var a = c.Plan.Accelerator;
        var (rate, priceSource) = spec.CustomPricePerAcceleratorHour is { } custom
            ? (custom, "custom")
            : (offer.PricePerInstanceHour / offer.AcceleratorsPerInstance * (1 - (decimal)c.Discount / 100), c.Discount > 0 ? "catalog_discounted" : "catalog");
        var hours = c.Run.AcceleratorHours;
        var terms = PricingModels.Terms(offer.PricingModel);
        var tail = capacity.HoursToBook(offer, terms, c.WallClockHours) - c.WallClockHours;
        var billed = ModelBilling.For(terms, c.WallClockHours + tail, spec.ReuseCommittedCapacity);
        var billedPerInstance = billed.HoursPerInstance;
        var unusedHours = Math.Max(0, (billedPerInstance - c.WallClockHours) * c.Rented);
        var total = Money(hours + unusedHours, rate);
        var g = c.Run.Goodput;
        var breakdown = Breakdown(hours, unusedHours, g, total, rate);

        var commitment = terms is { BillsWholeTerm: true } ? TermBilling.CommitmentFor(terms, billed, c, spec, total, warnings) : null;
        var block = terms is { Kind: PricingKind.CapacityBlock or PricingKind.Calendar or PricingKind.FlexStart } ? TermBilling.BlockFor(terms, billed, c, total, warnings) : null;

        var plan = capacity.Plan(offer, terms, c.Instances, c.WallClockHours, spec, c.Catalog.AsOf);
        if (!plan.Obtainable)
        {
            evaluation.DetailWarnings.AddOnce($"Not obtainable as planned: {c.Instances:N0} × {offer.InstanceType} ({offer.PricingModel}): {plan.Reason}.");
        }

        if (plan.RateNote.Length > 0)
        {
            evaluation.DetailWarnings.AddOnce(plan.RateNote + ".");
        }

        var use = energy.For(a, c.Family, offer, spec, hours, evaluation.DetailWarnings);
        var (bill, billTotal, withOptional) = bills.For(spec, offer, c, total, rate, evaluation.Compute);
        var costLow = Money(TermBilling.BilledHours(terms, c.Run.AcceleratorHoursLow, c.Rented, spec.ReuseCommittedCapacity, tail), rate);
        var costHigh = Money(TermBilling.BilledHours(terms, c.Run.AcceleratorHoursHigh, c.Rented, spec.ReuseCommittedCapacity, tail), rate);
        var compute = evaluation.Compute;
        var run = new PreTrainingRun(compute.Tokens, compute.SequenceLength, hours, c.Run.AcceleratorHoursLow, c.Run.AcceleratorHoursHigh,
            c.Run.Mfu.Mfu, rate, total, costLow, costHigh);
        var datasetBytes = spec.DatasetBytes > 0 ? spec.DatasetBytes : compute.Tokens * defaults.DatasetBytesPerToken.Value;

        return new QuoteOptionResult(
            offer, c.Catalog.Version, c.Catalog.AsOf, hours,
            (int)Math.Ceiling(Math.Round(c.Rented, 6)), c.Instances, c.WallClockHours, total,
            rate, priceSource, c.Discount, breakdown,
            costLow,
            costHigh,
            c.Basis, use.Kwh, use.Co2Kg, use.Pue, use.GridKgCo2PerKwh, use.GridIntensityIsFallback)
        {
            Family = c.Family,
            Mfu = c.Run.Mfu,
            Goodput = g,
            Commitment = commitment,
            Block = block,
            Bill = bill,
            BillTotal = billTotal,
            BillTotalWithOptional = withOptional,
            Power = use.Power,
            LargestUsefulAccelerators = evaluation.LargestUseful,
            Capacity = plan,
            Program = program.For(new ProgramInputs(spec, offer, run, billTotal, use.Power, use.Pue, datasetBytes,
                evaluation.VcpuPrices.CheapestFor(offer.Provider, offer.Region))),
        };
    }

    /// <summary>
    /// Where the hours go: productive, checkpoint stalls, failures (lost work + restarts), preemptions, unused term. The
    /// compute amount is the rest of the total, so the amounts sum to it exactly.
    /// </summary>
    private static CostBreakdown Breakdown(double hours, double unusedHours, GoodputParts g, decimal total, decimal rate)
    {
        var computeHours = hours * g.Goodput;
        var checkpointHours = hours * g.CheckpointStall;
        var preemptionHours = hours * g.PreemptionLoss;
        var failureHours = Math.Max(0, hours - computeHours - checkpointHours - preemptionHours);
        var checkpoints = Money(checkpointHours, rate);
        var preemptions = Money(preemptionHours, rate);
        var unused = Money(unusedHours, rate);
        var failures = Money(failureHours, rate);
        return new CostBreakdown(computeHours, failureHours, checkpointHours, total - checkpoints - failures - preemptions - unused, failures, checkpoints)
        {
            PreemptionHours = preemptionHours,
            Preemptions = preemptions,
            UnusedCommitmentHours = unusedHours,
            UnusedCommitment = unused,
        };
    }
}
