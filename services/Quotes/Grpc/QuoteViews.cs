using Pricing.Contracts.V1;

namespace Quotes.Grpc;

/// <summary>
/// The views of a quote (AIP-157): a full answer cut down to what <see cref="QuoteView.Basic"/> keeps, so both views
/// come from the one mapping. Unspecified is basic. Warnings stay in both views (a stale catalog, an as-of rebuild, an
/// infeasible request or a plan's caveat is what a reader must see whatever view they asked for), except the detail
/// ones the engine marks (<c>DetailWarnings</c>): about energy, power and CO2, which the basic view leaves out, and what
/// an option's capacity already says (not obtainable, the rate's age).
/// </summary>
public static class QuoteViews
{
    /// <summary>Groups of excluded offers the basic view keeps (the largest), and examples in each.</summary>
    public const int BasicExcludedGroups = 3;

    public const int BasicExamplesPerGroup = 1;

    private static readonly HashSet<string> KindsWithSummary = [.. Pricing.Quoting.ExclusionKinds.Known];

    public static QuoteView Effective(QuoteView requested) => requested == QuoteView.Full ? QuoteView.Full : QuoteView.Basic;

    /// <summary><paramref name="full"/> in <paramref name="view"/>; the full view is returned as it is, the basic one is cut from it in place.</summary>
    public static TrainingQuote In(TrainingQuote full, QuoteView view, IReadOnlyCollection<string>? detailWarnings = null)
    {
        if (Effective(view) == QuoteView.Full)
        {
            return full;
        }

        full.View = QuoteView.Basic;
        WithoutDetail(full.Warnings, detailWarnings);
        full.Assumptions.Clear();
        full.Excluded.Clear();
        full.Levers.Clear();
        while (full.ExcludedGroups.Count > BasicExcludedGroups)
        {
            full.ExcludedGroups.RemoveAt(full.ExcludedGroups.Count - 1);
        }

        foreach (var group in full.ExcludedGroups)
        {
            while (group.Examples.Count > BasicExamplesPerGroup)
            {
                group.Examples.RemoveAt(group.Examples.Count - 1);
            }

            // A known kind is its own summary (ExclusionKinds; documented on ExcludedGroup.kind): the text goes with the
            // full view. A kind without a summary keeps its shared reason, the only statement of the cause.
            if (KindsWithSummary.Contains(group.Kind))
            {
                group.Reason = "";
            }

            // The example names the offer by its key; its fields and its reason in full are the full view's detail.
            foreach (var example in group.Examples)
            {
                example.Reason = "";
                example.Provider = "";
                example.Region = "";
                example.InstanceType = "";
                example.AcceleratorId = "";
                example.PricingModel = "";
            }
        }

        foreach (var option in full.Options)
        {
            Basic(option);
        }

        return full;
    }

    public static AcceleratorComparison In(AcceleratorComparison full, QuoteView view, IReadOnlyCollection<string>? detailWarnings = null)
    {
        if (Effective(view) == QuoteView.Full)
        {
            return full;
        }

        full.View = QuoteView.Basic;
        WithoutDetail(full.Warnings, detailWarnings);
        foreach (var choice in full.Choices)
        {
            choice.Assumptions = null;
            if (choice.Best is { } best)
            {
                Basic(best);
            }
        }

        return full;
    }

    private static void WithoutDetail(Google.Protobuf.Collections.RepeatedField<string> warnings, IReadOnlyCollection<string>? detail)
    {
        if (detail is { Count: > 0 })
        {
            var kept = warnings.Where(w => !detail.Contains(w)).ToList();
            warnings.Clear();
            warnings.AddRange(kept);
        }
    }

    /// <summary>
    /// What the basic view keeps of an option: what it is (provider, region, zone, instance type, accelerator, pricing
    /// model; the offer key that joins them is the full view's), its price per accelerator-hour, cost and cost range, its cluster, how its capacity is had (kind,
    /// obtainable or why not, the rate's date), the plan summary and the bill total (one figure, what the whole plan costs). What
    /// goes: the parts behind them (breakdown, fabric, MFU, goodput, billing, bill lines, energy, power, the total with
    /// optional lines), the price per instance-hour (the accelerator-hour price times accelerators per instance), and
    /// the catalog version and price age, which the answer's catalog_versions carry once per provider.
    /// </summary>
    private static void Basic(QuoteOption option)
    {
        // The offer key joins provider, region, zone, instance type and pricing model, which the option has.
        option.OfferKey = "";
        option.PricePerInstanceHour = null;
        option.CatalogVersion = 0;
        option.PriceAgeSeconds = 0;
        option.BillTotalWithOptional = null;
        option.PriceSource = "";
        option.DiscountPercent = 0;
        option.EnergyKwh = 0;
        option.Co2Kg = 0;
        option.Pue = 0;
        option.GridKgCo2PerKwh = 0;
        option.GridIntensityFallback = false;
        option.LargestUsefulAccelerators = 0;
        option.Breakdown = null;
        option.Fabric = null;
        option.Mfu = null;
        option.Goodput = null;
        option.Commitment = null;
        option.Block = null;
        option.Bill.Clear();
        option.Program = null;
        option.WattsPerAccelerator = 0;
        option.LoadFactor = 0;
        option.PowerEstimated = false;
        option.PowerSource = "";
        // How the capacity is had stays (its kind, whether it is obtainable and why not, the rate's date): every option
        // says it. The request in words restates the kind, instances, instance type and days the option already has;
        // it, the rate's note (its date stays), the rule's source and the notes are the full view's.
        if (option.Capacity is { } capacity)
        {
            capacity.Request = "";
            capacity.RateNote = "";
            capacity.Source = "";
            capacity.Notes.Clear();
        }
    }
}
