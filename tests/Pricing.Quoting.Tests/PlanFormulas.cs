namespace Pricing.Quoting.Tests;

/// <summary>
/// The formulas of docs/quote-model.md written out once more on the test side, from the data files' rows, so that a
/// test compares the engine with the formula rather than with itself.
/// </summary>
internal static class PlanFormulas
{
    public const double SecondsPerHour = 3600.0;
    public const double HoursPerMonth = 730;

    public static double Hours(double flops, double peak, double mfu, double goodput) => flops / (peak * mfu * goodput * SecondsPerHour);

    /// <summary>The parts of goodput (shares of wall time) for a job on some accelerators over some instances (see <see cref="Goodput"/>).</summary>
    public sealed record Parts(double MeanHours, double IntervalHours, double Stall, double Rework, double Restart, double SpotRestart, double HardwareShare)
    {
        public double Loss => Stall + Rework + Restart + SpotRestart;

        public double Goodput => 1 - Loss;
    }

    /// <summary>
    /// Young/Daly with the data file's defaults: λ = interruptions per accelerator-day / 24 × N (+ spot per instance-month
    /// / 730 × instances) per hour, M = 1/λ, τ = √(2δM), stall δ/τ, lost work τ/2M, restarts λ·R (λ_spot·R_spot).
    /// </summary>
    public static Parts Goodput(double accelerators, int instances, double spotPerInstanceMonth = 0)
    {
        var hardware = DataFiles.Maturity().Lambda / 24 * accelerators;
        var spot = spotPerInstanceMonth / HoursPerMonth * instances;
        var meanHours = 1 / (hardware + spot);
        var delta = DataFiles.Default("checkpointStallSeconds") / SecondsPerHour;
        var tau = Math.Sqrt(2 * delta * meanHours);
        return new Parts(meanHours, tau, delta / tau, tau / (2 * meanHours), hardware * DataFiles.Maturity().RestartHours,
            spot * DataFiles.Default("spotRestartHours"), hardware / (hardware + spot));
    }

    public static void WithinACent(decimal expected, decimal actual) =>
        Assert.True(Math.Abs(expected - actual) <= 0.01m, $"Expected {expected} within a cent, got {actual}.");

    /// <summary>An amount the way a bill shows it: rounded to the cent.</summary>
    public static decimal Cents(double usd) => decimal.Round((decimal)usd, 2, MidpointRounding.AwayFromZero);
}
