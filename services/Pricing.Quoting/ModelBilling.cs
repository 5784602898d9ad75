using Pricing.Catalog;

namespace Pricing.Quoting;

/// <summary>
/// The hours a run is billed per instance under one pricing model, read from its terms (pricing-models.json; never from
/// the model's name): whole terms for commitments and savings plans, whole purchasable blocks for capacity blocks and
/// calendar reservations (back to back past the longest block), the hours used otherwise. Pure; docs/quote-model.md §5.
/// </summary>
public readonly record struct BilledTime(
    double HoursPerInstance,
    double TermHours,
    int Terms,
    int BlocksInSequence,
    double FullBlockHours,
    double LastBlockHours)
{
    /// <summary>Each instance runs the hours it uses and is billed for them.</summary>
    public static BilledTime Used(double wallHours) => new(wallHours, 0, 0, 0, 0, 0);
}

public static class ModelBilling
{
    /// <summary>Whole-term and whole-block rounding tolerates floating-point noise.</summary>
    private const double Slack = 1e-9;

    /// <summary>
    /// Hours billed per instance for a run of <paramref name="wallHours"/> under <paramref name="terms"/> (null: an
    /// unknown model, billed as used). A commitment bills ceil(wall / term) terms unless its capacity is
    /// <paramref name="reused"/> after the run; a block model bills the shortest purchasable block covering the run, or
    /// as many longest blocks as fit before it plus one covering the rest (a new block each: an extension or a new
    /// booking is not guaranteed); flex-start and the rest bill the hours used.
    /// </summary>
    public static BilledTime For(PricingTerms? terms, double wallHours, bool reused)
    {
        if (terms is null)
        {
            return BilledTime.Used(wallHours);
        }

        if (terms.BillsWholeTerm)
        {
            var termHours = terms.TermHours;
            if (reused)
            {
                return new BilledTime(wallHours, termHours, 1, 0, 0, 0);
            }

            var count = (int)Math.Max(1, Math.Ceiling(wallHours / termHours - Slack));
            return new BilledTime(count * termHours, termHours, count, 0, 0, 0);
        }

        if (terms.Block is { MaxHours: { } longest } rules && terms.Kind is PricingKind.CapacityBlock or PricingKind.Calendar)
        {
            // Whole longest blocks first, then the shortest block that covers the rest (at least the minimum block).
            var full = wallHours > longest * (1 + Slack) ? Math.Ceiling(wallHours / longest - Slack) - 1 : 0;
            var last = rules.BlockHoursFor(Math.Max(0, wallHours - full * longest)) ?? longest;
            return new BilledTime(full * longest + last, 0, 0, (int)full + 1, full > 0 ? longest : 0, last);
        }

        return BilledTime.Used(wallHours);
    }

    /// <summary>Blocks side by side for <paramref name="instances"/>: one per <see cref="BlockRules.MaxInstancesPerBlock"/> (1 without a cap).</summary>
    public static int ParallelBlocks(PricingTerms terms, int instances) =>
        terms.Block?.MaxInstancesPerBlock is { } cap && cap > 0 ? Math.Max(1, (instances + cap - 1) / cap) : 1;

    /// <summary>Restarts forced by a cap on one VM's run (flex-start): ceil(wall / max run) − 1, 0 without a cap.</summary>
    public static int ForcedRestarts(PricingTerms? terms, double wallHours) =>
        terms?.Block?.MaxRunHours is { } max && max > 0 ? (int)Math.Max(0, Math.Ceiling(wallHours / max - Slack) - 1) : 0;
}
