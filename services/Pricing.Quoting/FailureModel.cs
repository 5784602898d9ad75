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
    double PreemptionsPerDay);

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
}
