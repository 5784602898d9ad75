namespace Pricing.Quoting;

/// <summary>
/// Where a run's wall time goes besides training: checkpoint stalls, work lost and restarts after hardware
/// interruptions, and the same after spot preemptions. Shares of wall time; goodput = 1 − their sum.
/// </summary>
public sealed record GoodputParts(
    double Goodput,
    double CheckpointStall,
    double FailureLoss,
    double PreemptionLoss,
    double MeanHoursBetweenInterruptions,
    double CheckpointIntervalHours,
    double InterruptionsPerDay,
    double PreemptionsPerDay)
{
    /// <summary>Restarts forced by a cap on how long a VM may run (DWS flex-start: 7 days), counted in the preemption loss.</summary>
    public int ForcedRestarts { get; init; }

    /// <summary>The team maturity level whose interruption rate, restart time and bring-up these parts use (with a goodput override, only its bring-up).</summary>
    public string TeamMaturity { get; init; } = "";

    /// <summary>Goodput at the next worse maturity level (the range's slow end), at least 1 − <see cref="FailureModel.MaxLoss"/>.</summary>
    public double GoodputLow { get; init; }

    /// <summary>Goodput at the next better maturity level (the range's fast end).</summary>
    public double GoodputHigh { get; init; }

    /// <summary>Hours the whole cluster is rented before training starts (acceptance, burn-in, bad-node hunting); a bill line, not a share of the run.</summary>
    public double BringUpHours { get; init; }
}

/// <summary>
/// Goodput from a failure model instead of a constant (docs/quote-model.md §4): interruptions arrive at
/// λ per accelerator-day (plus spot preemptions per instance), so the mean time between interruptions of the whole
/// job is M = 1 / (λ·N + λ_spot·instances). Checkpointing every τ = √(2δM) (Young 1974 / Daly 2006) costs δ/τ in
/// stalls and τ/2M in lost work; each interruption also costs a restart R. Pure.
/// </summary>
public static class FailureModel
{
    public const double HoursPerMonth = 730;

    /// <summary>Past this loss a synchronous job spends more time recovering than training: not a plan.</summary>
    public const double MaxLoss = 0.9;

    public static GoodputParts Goodput(
        double accelerators,
        int instances,
        double interruptionsPerAcceleratorDay,
        double restartHours,
        double checkpointStallSeconds,
        double spotInterruptionsPerInstanceMonth,
        double spotRestartHours)
    {
        var hardwarePerHour = interruptionsPerAcceleratorDay / 24 * accelerators;
        var spotPerHour = spotInterruptionsPerInstanceMonth / HoursPerMonth * instances;
        var perHour = hardwarePerHour + spotPerHour;
        if (perHour <= 0)
        {
            return new GoodputParts(1, 0, 0, 0, double.PositiveInfinity, double.PositiveInfinity, 0, 0);
        }

        var meanHours = 1 / perHour;
        var stallHours = checkpointStallSeconds / 3600;
        var interval = Math.Sqrt(2 * stallHours * meanHours);
        var stall = interval > 0 ? stallHours / interval : 0;
        var rework = interval / (2 * meanHours);
        var hardwareShare = hardwarePerHour / perHour;
        var failure = rework * hardwareShare + hardwarePerHour * restartHours;
        var preemption = rework * (1 - hardwareShare) + spotPerHour * spotRestartHours;
        var loss = stall + failure + preemption;
        return new GoodputParts(Math.Max(0, 1 - loss), stall, failure, preemption, meanHours, interval, hardwarePerHour * 24, spotPerHour * 24);
    }

    /// <summary>
    /// Goodput when no VM may run longer than <paramref name="maxRunHours"/> (DWS flex-start): a run of wall-clock W
    /// restarts n = ceil(W / max run) − 1 times on newly obtained capacity, each costing the restart R plus the work lost
    /// since the last checkpoint (half an interval, the interval capped at the max run). With the other losses b and the
    /// productive hours T (the run at goodput 1), W·(1 − b) = T + n·(R + τ/2), solved for the whole n it implies; the
    /// restarts join the preemption loss. Returns <paramref name="parts"/> unchanged when nothing is forced.
    /// </summary>
    public static GoodputParts WithForcedRestarts(GoodputParts parts, double productiveHours, double maxRunHours, double restartHours)
    {
        var kept = 1 - (parts.CheckpointStall + parts.FailureLoss + parts.PreemptionLoss);
        if (maxRunHours <= 0 || kept <= 0 || !(productiveHours > 0) || !double.IsFinite(productiveHours))
        {
            return parts;
        }

        var interval = double.IsFinite(parts.CheckpointIntervalHours) ? Math.Min(parts.CheckpointIntervalHours, maxRunHours) : 0;
        var perRestart = restartHours + interval / 2;
        var restarts = 0.0;
        var wall = productiveHours / kept;
        // Each restart lengthens the run, which may need another: the count only grows, and settles while a restart
        // costs less than a max run (minutes against days); the cap keeps a pathological input from looping.
        for (var round = 0; round < 64; round++)
        {
            wall = (productiveHours + restarts * perRestart) / kept;
            var needed = Math.Max(0, Math.Ceiling(wall / maxRunHours - 1e-9) - 1);
            if (needed <= restarts)
            {
                break;
            }

            restarts = needed;
        }

        if (restarts == 0)
        {
            return parts;
        }

        var forcedShare = restarts * perRestart / wall;
        return parts with
        {
            Goodput = Math.Max(0, productiveHours / wall),
            PreemptionLoss = parts.PreemptionLoss + forcedShare,
            PreemptionsPerDay = parts.PreemptionsPerDay + restarts / (wall / 24),
            ForcedRestarts = (int)restarts,
        };
    }
}
