using System.Globalization;
using System.Text.Json;
using static Pricing.Quoting.Tests.TestData;

namespace Pricing.Quoting.Tests;

/// <summary>
/// The calibration of docs/quote-model.md §7: every publicly reported run in <c>Data/backtest-runs.json</c> is quoted
/// through the engine with the shipped defaults (no MFU or goodput override), on one offer of the instance type that
/// matches its cluster, at its published cluster size (or the default plan when none is published), and the
/// accelerator-hours are compared with the reported ones.
/// </summary>
public sealed class BacktestTests
{
    public sealed record Run(
        string Name, double Parameters, double ActiveParameters, double Tokens, string Precision, string Provider, string InstanceType,
        string AcceleratorId, int AcceleratorCount, double ReportedHours, string Source, string? Excluded);

    public sealed record Outcome(Run Run, double Hours, double Low, double High, double Mfu, double Goodput, int Accelerators)
    {
        public double Error => Hours / Run.ReportedHours - 1;

        public double Ratio => Math.Max(Hours / Run.ReportedHours, Run.ReportedHours / Hours);

        public bool RangeHolds => Low <= Run.ReportedHours && Run.ReportedHours <= High;
    }

    public static readonly IReadOnlyList<Run> Runs = Load();

    private static IReadOnlyList<Run> Asserted => [.. Runs.Where(r => r.Excluded is null)];

    private static IReadOnlyList<Run> Load()
    {
        using var stream = typeof(BacktestTests).Assembly.GetManifestResourceStream("Pricing.Quoting.Tests.Data.backtest-runs.json")
            ?? throw new InvalidOperationException("backtest-runs.json is not embedded.");
        using var document = JsonDocument.Parse(stream);
        return [.. document.RootElement.GetProperty("runs").EnumerateArray().Select(e => e.Deserialize<Run>(new JsonSerializerOptions(JsonSerializerDefaults.Web))!)];
    }

    /// <summary>
    /// Quoted at $1 per accelerator-hour, so a cost is a number of hours. The offer is on-demand: published runs ran on
    /// reserved clusters, which bill the run's hours (the capacity had other work afterwards).
    /// </summary>
    public static Outcome Quote(Run run)
    {
        var perInstance = InstanceCapabilities.Default.For(run.Provider, run.InstanceType)?.FormFactor == "tpu" ? 1m : 8m;
        var offer = Offer(instanceType: run.InstanceType, provider: run.Provider, acceleratorId: run.AcceleratorId, acceleratorsPerInstance: perInstance,
            region: "test-region", price: 8m);
        var spec = Spec(parameters: run.Parameters, activeParameters: run.ActiveParameters, tokens: run.Tokens,
            precision: run.Precision == "fp8" ? Precision.Fp8 : Precision.Bf16, acceleratorCount: run.AcceleratorCount) with { CustomPricePerAcceleratorHour = 1m };
        var result = Engine().Quote(spec, Prices(offer));
        var option = result.Options.SingleOrDefault()
            ?? throw new InvalidOperationException($"{run.Name}: no option ({string.Join("; ", result.Excluded.Select(e => e.Reason).Concat(result.Warnings))}).");
        return new Outcome(run, option.AcceleratorHours, (double)option.TotalCostLow, (double)option.TotalCostHigh, option.Mfu!.Mfu, option.Goodput!.Goodput, option.Accelerators);
    }

    [Fact]
    public void At_least_15_runs_are_asserted_each_with_a_source()
    {
        Assert.True(Asserted.Count >= 15, $"{Asserted.Count} runs.");
        Assert.All(Runs, r => Assert.False(string.IsNullOrWhiteSpace(r.Source), $"{r.Name} has no source."));
        Assert.All(Runs.Where(r => r.Excluded is not null), r => Assert.True(r.Excluded!.Length > 40, $"{r.Name}: an excluded run states why."));
    }

    [Fact]
    public void The_median_absolute_error_is_at_most_15_percent()
    {
        var errors = Asserted.Select(r => Math.Abs(Quote(r).Error)).Order().ToList();
        var median = errors.Count % 2 == 1 ? errors[errors.Count / 2] : (errors[errors.Count / 2 - 1] + errors[errors.Count / 2]) / 2;

        Assert.True(median <= 0.15, $"Median |error| {median:P1}.");
    }

    [Fact]
    public void Every_run_is_within_1_5x_of_its_reported_hours()
    {
        var outside = Asserted.Select(Quote).Where(o => o.Ratio > 1.5).Select(o => $"{o.Run.Name}: {o.Error:+0.0%;-0.0%}").ToList();

        Assert.Empty(outside);
    }

    [Fact]
    public void The_low_high_range_holds_the_reported_hours_for_at_least_80_percent_of_runs()
    {
        var outcomes = Asserted.Select(Quote).ToList();
        var held = outcomes.Count(o => o.RangeHolds);

        Assert.True(held >= 0.8 * outcomes.Count, $"{held} of {outcomes.Count}: missed {string.Join(", ", outcomes.Where(o => !o.RangeHolds).Select(o => o.Run.Name))}.");
    }

    [Fact]
    public void A_run_of_published_size_is_quoted_at_that_size()
    {
        Assert.All(Asserted.Where(r => r.AcceleratorCount > 0), r => Assert.Equal(r.AcceleratorCount, Quote(r).Accelerators));
    }

    /// <summary>The rows of docs/quote-model.md §7, printed (and written to $PRICING_BACKTEST_TABLE when set) so the table there can be regenerated.</summary>
    [Fact]
    public void The_docs_table_rows_are_the_engines()
    {
        var output = TestContext.Current.TestOutputHelper;
        var lines = new List<string>();
        foreach (var r in Runs)
        {
            var o = Quote(r);
            lines.Add(string.Create(CultureInfo.InvariantCulture,
                $"| {r.Name}{(r.Excluded is null ? "" : " (not asserted)")} | {r.AcceleratorCount switch { 0 => "default plan", var n => n.ToString("N0", CultureInfo.InvariantCulture) }} ({o.Accelerators:N0}) | {o.Mfu:P1} | {o.Goodput:P1} | {r.ReportedHours:N0} | {o.Hours:N0} | {o.Error:+0.0%;-0.0%} | {(o.RangeHolds ? "yes" : "no")} |"));
        }

        lines.ForEach(l => output?.WriteLine(l));
        // PRICING_BACKTEST_TABLE=path writes the rows to a file, to paste into the docs.
        if (Environment.GetEnvironmentVariable("PRICING_BACKTEST_TABLE") is { Length: > 0 } path)
        {
            File.WriteAllLines(path, lines);
        }

        Assert.Equal(Runs.Count, Runs.Select(r => r.Name).Distinct().Count());
    }
}
