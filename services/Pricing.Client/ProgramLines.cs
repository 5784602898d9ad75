using System.Globalization;
using Pricing.Contracts;
using Pricing.Contracts.V1;

namespace Pricing.Client;

/// <summary>
/// An option's program as plan lines (part of <see cref="PlanLines.Of"/>, so the CLI and the Dashboard show the same):
/// the total with its range, each stage, each line with its range and source, and rent or own.
/// Nothing when the answer has no program (the basic view).
/// </summary>
public static class ProgramLines
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static IEnumerable<PlanLine> Of(TrainingProgram? p)
    {
        if (p is null)
        {
            yield break;
        }

        yield return new("program", "Program total", $"{PlanLines.Cost(p.Total)} ({Range(p.TotalLow, p.TotalHigh)})",
            $"every stage, experiments, staff and data, {Whole(p.AcceleratorHours)} accelerator-hours; staff {PlanLines.Percent(p.StaffShare)} of it "
            + $"({p.StaffShareSource})");

        foreach (var s in p.Stages)
        {
            yield return new("program.stage." + s.Name, $"Program stage: {PlanLines.Words(s.Name)}", $"{PlanLines.Cost(s.Cost)} ({Range(s.CostLow, s.CostHigh)})",
                $"{Tokens(s.Tokens)} tokens, {Whole(s.AcceleratorHours)} accelerator-hours at MFU {PlanLines.Percent(s.Mfu)} [{s.Source}]");
        }

        foreach (var l in p.Lines)
        {
            yield return new("program.line." + l.Name, $"Program: {PlanLines.Words(l.Name)}{(l.Optional ? " (not summed)" : "")}",
                $"{PlanLines.Cost(l.Amount)} ({Range(l.Low, l.High)})", $"{l.Detail} [{l.Source}]");
        }

        if (p.Owner is { } o)
        {
            yield return new("program.owner", "Rent or own",
                $"own {Cents(o.PerAcceleratorHour)}/accelerator-hour ({Cents(o.Low)}–{Cents(o.High)}) against rent {Cents(o.RentPerAcceleratorHour)}",
                $"hardware {Cents(o.HardwarePerAcceleratorHour)}/h ({PlanLines.Cost(o.HardwarePerAccelerator)} per accelerator with the interconnect at "
                + $"{PlanLines.Percent(o.InterconnectShare)} of hardware, over {o.LifeYears.ToString("0.#", Invariant)} years) + power {Cents(o.PowerPerAcceleratorHour)}/h "
                + $"at ${o.ElectricityUsdPerKwh.ToString("0.###", Invariant)}/kWh (Epoch AI's amortised-hardware method) [{o.Source}]");
        }
    }

    private static string Range(Money? low, Money? high) => $"{PlanLines.Cost(low)}–{PlanLines.Cost(high)}";

    /// <summary>An owner's figure per hour, rounded to the cent as computed: "$0.77".</summary>
    private static string Cents(Money? money) => "$" + (money?.ToDecimal() ?? 0m).ToString("#,0.00", Invariant);

    private static string Whole(double value) => value.ToString("#,0", Invariant);

    /// <summary>"800B", "15.6T", "40M".</summary>
    private static string Tokens(double tokens) => tokens switch
    {
        >= 1e12 => (tokens / 1e12).ToString("0.##", Invariant) + "T",
        >= 1e9 => (tokens / 1e9).ToString("0.##", Invariant) + "B",
        >= 1e6 => (tokens / 1e6).ToString("0.##", Invariant) + "M",
        _ => Whole(tokens),
    };
}
