using System.Globalization;
using Pricing.Contracts;
using Pricing.Contracts.V1;
using PricingTerms = Pricing.Catalog.PricingTerms;

namespace Pricing.Client;

/// <summary>
/// One line of a plan: a stable <see cref="Key"/> ("cluster", "breakdown.compute", "bill.training_run"), what it is
/// (<see cref="Label"/>), its figure (<see cref="Value"/>) and what lies behind it (<see cref="Detail"/>, may be empty).
/// The CLI prints <see cref="Text"/>; the Dashboard lays the three parts out as HTML.
/// </summary>
public sealed record PlanLine(string Key, string Label, string Value, string Detail)
{
    /// <summary>How a line reads as text: "Label: value — detail".</summary>
    public string Text => Detail.Length > 0 ? $"{Label}: {Value} — {Detail}" : $"{Label}: {Value}";
}

/// <summary>
/// The one plan renderer: a quote option as plan lines (cluster, capacity, fabric, MFU parts, goodput parts, commitment or block
/// billing with its upfront note, energy, the cost breakdown, the bill lines, the bill total and the program), the same for the
/// CLI and the Dashboard. An option in the basic view has no parts: the plan summary's figures stand in for them, and a
/// line whose figures the view left out is not rendered (never as a false zero).
/// Numbers are formatted here, once, in the invariant culture.
/// </summary>
public static class PlanLines
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>The heading of an option's plan: "#1 azure eastus Standard_ND96isr_H100_v5, on demand".</summary>
    public static string Heading(QuoteOption o) =>
        $"#{o.Rank} {o.Provider} {o.Region}{(o.Zone.Length > 0 ? "/" + o.Zone : "")} {o.InstanceType}, {Words(o.PricingModel)}";

    public static IReadOnlyList<PlanLine> Of(QuoteOption o)
    {
        var lines = new List<PlanLine>
        {
            new("cluster", "Cluster", $"{o.Instances} × {o.InstanceType} ({Whole(o.Accelerators)} accelerators, {Words(o.ClusterBasis)})",
                $"{Duration(o.WallClockHours)} wall-clock, {Whole(o.AcceleratorHours)} accelerator-hours at {Rate(o.PricePerAcceleratorHour)}/accelerator-hour"
                + (o.LargestUsefulAccelerators > 0 ? $"; the global batch keeps at most {Whole(o.LargestUsefulAccelerators)} accelerators busy" : "")),
        };

        if (o.Capacity is { } capacity)
        {
            lines.Add(Capacity(capacity));
        }

        if (o.Fabric is { } f)
        {
            lines.Add(new("fabric", "Fabric",
                $"{(f.Known ? f.FormFactor + ", " : "")}{f.ScaleOutFabric}{(f.ScaleOutGbps > 0 ? $" {Whole(f.ScaleOutGbps)} Gbps" : "")}{(f.TrainingGrade ? " (training-grade)" : "")}, "
                + $"scale-up domain {f.ScaleUpDomain} ({f.ScaleUpFabric})",
                f.ScaleOutDetail));
        }

        if (o.Mfu is { } m)
        {
            lines.Add(new("mfu", "MFU", Percent(m.Mfu),
                $"reference {Percent(m.BaseMfu)} × model size {Factor(m.ModelSizeFactor)} × MoE {Factor(m.MoeFactor)} × scale {Factor(m.ScaleFactor)} × fabric {Factor(m.FabricFactor)}; "
                + $"range {Percent(m.MfuLow)}–{Percent(m.MfuHigh)}"));
        }

        if (o.Goodput is { } g)
        {
            lines.Add(new("goodput", "Goodput", Percent(g.Goodput),
                $"checkpoint stalls {Percent(g.CheckpointStall)}, failures {Percent(g.FailureLoss)}, preemptions {Percent(g.PreemptionLoss)} "
                + $"({Factor(g.InterruptionsPerDay)} interruptions/day, {Factor(g.PreemptionsPerDay)} preemptions/day, checkpoint every {Whole(g.CheckpointIntervalHours * 60)} min)"
                + (g.TeamMaturity.Length > 0 ? $"; {Words(g.TeamMaturity)} team, range {Percent(g.GoodputLow)}–{Percent(g.GoodputHigh)}" : "")
                + (g.BringUpHours > 0 ? $"; {Whole(g.BringUpHours)} h bring-up before training" : "")));
        }

        if (o.Commitment is { } c)
        {
            lines.Add(Commitment(c));
        }

        if (o.Block is { } k)
        {
            lines.Add(Block(k));
        }

        if (o.Summary is { } summary)
        {
            AddSummary(lines, o, summary);
        }

        // A figure the view left out (energy, the bill total) is absent, not zero: its line is left out too.
        if (o.EnergyKwh > 0)
        {
            lines.Add(new("energy", "Energy", $"{One(o.EnergyKwh / 1000)} MWh, {One(o.Co2Kg / 1000)} t CO2",
                $"{Whole(o.WattsPerAccelerator)} W per accelerator × load {Factor(o.LoadFactor)} × PUE {Factor(o.Pue)}{(o.PowerEstimated ? " (estimated)" : "")}; {o.PowerSource}"));
        }

        if (o.Breakdown is { } b)
        {
            lines.Add(new("breakdown.compute", "Cost: compute", Cost(b.Compute), $"{Whole(b.ComputeHours)} productive accelerator-hours"));
            AddPart(lines, "failures_and_restarts", b.FailuresAndRestarts, b.FailureHours, "lost to failures and restarts");
            AddPart(lines, "checkpoints", b.Checkpoints, b.CheckpointHours, "stalled writing checkpoints");
            AddPart(lines, "preemptions", b.Preemptions, b.PreemptionHours, "lost to preemptions and forced restarts");
            AddPart(lines, "unused_commitment", b.UnusedCommitment, b.UnusedCommitmentHours, "billed but unused (term or block tail)");
        }

        foreach (var line in o.Bill)
        {
            lines.Add(new("bill." + line.Name, $"Bill: {Words(line.Name)}{(line.Optional ? " (optional)" : "")}", Cost(line.Amount), line.Detail));
        }

        if (o.BillTotal is { } billTotal)
        {
            lines.Add(new("bill-total", "Bill total", Cost(billTotal), o.BillTotalWithOptional is { } withOptional ? $"with optional lines {Cost(withOptional)}" : ""));
        }

        lines.AddRange(ProgramLines.Of(o.Program));

        return lines;
    }

    /// <summary>The basic view (AIP-157) leaves the parts out: their totals, from the plan summary, stand in for them.</summary>
    private static void AddSummary(List<PlanLine> lines, QuoteOption o, PlanSummary s)
    {
        if (o.Fabric is null && s.ScaleOutFabric.Length > 0)
        {
            lines.Add(new("fabric", "Fabric", s.ScaleOutFabric + (s.TrainingGradeFabric ? " (training-grade)" : ""), ""));
        }

        if (o.Mfu is null && s.Mfu > 0)
        {
            lines.Add(new("mfu", "MFU", Percent(s.Mfu), ""));
        }

        if (o.Goodput is null && s.Goodput > 0)
        {
            lines.Add(new("goodput", "Goodput", Percent(s.Goodput), ""));
        }

        if (o.Commitment is null && o.Block is null && s.Billing.Length > 0)
        {
            lines.Add(new("billing", "Billing", Words(s.Billing), ""));
        }
    }

    private static void AddPart(List<PlanLine> lines, string name, Money? amount, double hours, string what)
    {
        if (hours > 0 || (amount?.ToDecimal() ?? 0) > 0)
        {
            lines.Add(new("breakdown." + name, $"Cost: {Words(name)}", Cost(amount), $"{Whole(hours)} accelerator-hours {what}"));
        }
    }

    /// <summary>"Capacity: capacity block, obtainable: 2 Capacity Blocks of 64 p5.48xlarge, 28 days each — …" with why not, the rate's age and what to do first.</summary>
    private static PlanLine Capacity(CapacityPlan c)
    {
        var value = $"{Words(c.Kind)}, {(c.Obtainable ? "obtainable" : "NOT obtainable as planned")}: {c.Request}";
        var detail = string.Join(" ", new[] { c.Obtainable ? "" : $"Why: {c.Reason}.", c.RateNote.Length > 0 ? c.RateNote + "." : "" }
            .Concat(c.Notes).Where(s => s.Length > 0));
        return new("capacity", "Capacity", value, detail);
    }

    private static PlanLine Commitment(CommitmentBilling c)
    {
        var label = (c.Kind == "savings_plan" ? "Savings plan" : "Commitment") + (c.PlanType.Length > 0 ? $" ({Words(c.PlanType)})" : "");
        var value = $"{c.Terms} × {Factor(c.TermHours / PricingTerms.HoursPerYear)}-year term, {Whole(c.BilledHoursPerInstance)} h billed per instance, "
            + $"{Percent(c.TermShareUsed)} of the term used, {Words(c.PaymentOption)}"
            + ((c.Upfront?.ToDecimal() ?? 0) > 0 ? $", {Cost(c.Upfront)} up front" : "");
        var detail = string.Join(" ", new[]
        {
            c.CapacityReused ? "Capacity reused after the run: only the run's hours billed." : "",
            c.UpfrontNote,
        }.Where(s => s.Length > 0));
        return new("commitment", label, value, detail);
    }

    private static PlanLine Block(BlockBilling k)
    {
        var blocks = k.BlocksInSequence switch
        {
            0 => "billed per hour used",
            1 => $"1 × {Factor(k.LastBlockHours / 24)}-day block",
            _ => $"{k.BlocksInSequence - 1} × {Factor(k.FullBlockHours / 24)}-day + 1 × {Factor(k.LastBlockHours / 24)}-day blocks back to back",
        };
        var value = blocks
            + (k.ParallelBlocks > 1 ? $", {k.ParallelBlocks} side by side (≤ {k.MaxInstancesPerBlock} instances a block)" : "")
            + $", {Whole(k.BilledHoursPerInstance)} h billed per instance ({Whole(k.UnusedHoursPerInstance)} h unused tail)"
            + (k.ForcedRestarts > 0 ? $", {k.ForcedRestarts} forced restart(s) (a VM runs at most {Factor(k.MaxRunHours / 24)} days)" : "")
            + (k.PaidUpfront ? $", {Cost(k.Upfront)} up front" : "")
            + (k.MovesWithDemand ? ", price moves with demand" : "")
            + (k.MaxLeadDays > 0 ? $", starts within {k.MaxLeadDays} days of booking" : "");
        return new("block", Capitalised(Words(k.Kind)), value, string.Join(" ", k.Notes));
    }

    /// <summary>"$1,234,567".</summary>
    public static string Cost(Money? money) => "$" + (money?.ToDecimal() ?? 0m).ToString("#,0", Invariant);

    /// <summary>A price per hour: "$12.29", "$0.0312".</summary>
    public static string Rate(Money? money)
    {
        var value = money?.ToDecimal() ?? 0m;
        return "$" + value.ToString(value < 1m ? "0.0000##" : "#,0.00##", Invariant);
    }

    /// <summary>"43.2%".</summary>
    public static string Percent(double share) => (share * 100).ToString("0.0", Invariant) + "%";

    /// <summary>Hours as people say them: "20.5 h", "34.2 days", "1.4 years".</summary>
    public static string Duration(double hours) => hours switch
    {
        < 48 => hours.ToString("0.0", Invariant) + " h",
        < PricingTerms.HoursPerYear => (hours / 24).ToString("0.0", Invariant) + " days",
        _ => (hours / PricingTerms.HoursPerYear).ToString("0.0", Invariant) + " years",
    };

    /// <summary>"on_demand" → "on demand".</summary>
    public static string Words(string name) => name.Replace('_', ' ');

    private static string Capitalised(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];

    private static string Whole(double value) => value.ToString("#,0", Invariant);

    private static string One(double value) => value.ToString("#,0.0", Invariant);

    private static string Factor(double value) => value.ToString("0.###", Invariant);
}
