using Pricing.Catalog;

namespace Pricing.Quoting;

/// <summary>
/// Term billing (docs/quote-model.md §5 and §5a): what an option's pricing model bills beyond the hours used, and what a buyer
/// must know about it: whole 1- or 3-year terms for commitments and savings plans, whole blocks for capacity blocks and
/// calendar reservations, forced restarts for flex-start. The hours themselves are <see cref="ModelBilling"/>'s.
/// </summary>
internal static class TermBilling
{
    /// <summary>
    /// Accelerator-hours billed for a run of <paramref name="acceleratorHours"/> on <paramref name="rented"/> accelerators
    /// (whole terms for commitments; a block covers the run plus the <paramref name="tailHours"/> the provider takes back).
    /// </summary>
    public static double BilledHours(PricingTerms? terms, double acceleratorHours, double rented, bool reused, double tailHours = 0) =>
        ModelBilling.For(terms, acceleratorHours / rented + tailHours, reused).HoursPerInstance * rented;

    /// <summary>
    /// A commitment's or savings plan's billing: whole terms (unless reused), its kind, plan type and payment option. What
    /// is paid up front is only said where the catalog shows it: all of it for all-upfront terms (the effective hourly
    /// rate is the upfront over the term); for partial upfront the effective rate hides the split, so it is not invented.
    /// </summary>
    public static CommitmentBilling CommitmentFor(PricingTerms terms, BilledTime billed, Candidate c, QuoteSpec spec, decimal total, List<string> warnings)
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
            warnings.AddOnce($"A {termHours / PricingTerms.HoursPerYear:G}-year {(savingsPlan ? "savings plan" : "commitment")} bills the whole term: the run uses {c.WallClockHours / (count * termHours):P0} of it. "
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
    public static BlockBilling BlockFor(PricingTerms terms, BilledTime billed, Candidate c, decimal total, List<string> warnings)
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
            warnings.AddOnce($"{name}: VMs start when capacity is available (the start is not guaranteed) and each runs at most {maxRun / 24.0:G} days; "
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
                warnings.AddOnce($"{name}: a block holds at most {cap} instances, so {c.Instances} × {c.Offer.InstanceType} need {parallel} blocks bought together.");
            }

            if (blocks > 1)
            {
                notes.Add($"The run is longer than the longest block ({billed.FullBlockHours / 24:G} days): each further block is an extension or a new booking, "
                    + "which needs capacity then and is not guaranteed.");
                warnings.AddOnce($"{name}: a run longer than {billed.FullBlockHours / 24:G} days needs blocks back to back; extending or booking the next is not guaranteed.");
            }

            if (rules?.MaxLeadDays is { } lead)
            {
                notes.Add($"Starts within {lead} days of booking ({lead / 7.0:G3} weeks): book ahead no further than that.");
            }
        }

        if (terms.MovesWithDemand)
        {
            notes.Add("A list price that moves with supply and demand: the price paid is the one offered at purchase.");
            warnings.AddOnce($"{name} prices ({terms.Model}) move with supply and demand: the quote uses the listed rate; the price offered at purchase may differ.");
        }

        var blockCount = terms.Kind == PricingKind.FlexStart ? 0 : billed.BlocksInSequence;
        return new BlockBilling(terms.KindName, blockCount, billed.FullBlockHours, billed.LastBlockHours,
            blockCount > 0 ? parallel : 0, cap, billed.HoursPerInstance, Math.Max(0, billed.HoursPerInstance - c.WallClockHours),
            upfront, upfront ? total : 0, terms.MovesWithDemand, rules?.MaxLeadDays ?? 0, rules?.MaxRunHours ?? 0, restarts, notes);
    }
}
