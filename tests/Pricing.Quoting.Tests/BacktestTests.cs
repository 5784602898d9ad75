using System.Globalization;
using System.Text.Json;
using static Pricing.Quoting.Tests.TestData;

namespace Pricing.Quoting.Tests;

/// <summary>
/// The backtest of docs/quote-model.md §10: every publicly reported run in <c>Data/backtest-runs.json</c> is quoted
/// through the engine with the shipped defaults (no MFU or goodput override), on one offer of the instance type that
/// matches its cluster, at its published cluster size (or the default plan when none is published), and its
/// accelerator-hours and low-high range are compared with the reported hours. Calibration runs may have set constants;
/// validation runs may not (no data file names them), so only the validation table says how the engine does on runs it
/// has not seen. Both sets are held to one principle: the low-high range is meant as an 80% interval, so its coverage
/// must be plausible for one (a binomial test), and the median error must be what such a range implies.
/// </summary>
public sealed class BacktestTests
{
    /// <summary>The share of runs the low-high range is meant to hold (docs/quote-model.md §10).</summary>
    public const double IntervalShare = 0.8;

    /// <summary>A coverage less likely than this for an 80% interval fails the test (one-sided binomial).</summary>
    public const double Significance = 0.05;

    /// <summary>
    /// Under log-normal errors an 80% central interval spans ±1.2816 σ and the median |error| is 0.6745 σ: the median
    /// |log error| may be at most 0.6745 / 1.2816 of the median log half-width of the ranges.
    /// </summary>
    public const double MedianErrorShareOfHalfWidth = 0.6745 / 1.2816;

    public sealed record Run(
        string Name, string Set, double Parameters, double ActiveParameters, double Tokens, string Precision, string Provider, string InstanceType,
        string AcceleratorId, int AcceleratorCount, double ReportedHours, string Source, string? Excluded, string? TeamMaturity, IReadOnlyList<string>? Keys);

    public sealed record Outcome(Run Run, double Hours, double Low, double High, double Mfu, double Goodput, int Accelerators)
    {
        public double Error => Hours / Run.ReportedHours - 1;

        public double LogError => Math.Abs(Math.Log(Hours / Run.ReportedHours));

        public double LogHalfWidth => Math.Log(High / Low) / 2;

        public bool RangeHolds => Low <= Run.ReportedHours && Run.ReportedHours <= High;
    }

    public static readonly IReadOnlyList<Run> Runs = Load();

    public static IReadOnlyList<Run> Calibration => [.. Runs.Where(r => r.Set == "calibration" && r.Excluded is null)];

    public static IReadOnlyList<Run> Validation => [.. Runs.Where(r => r.Set == "validation" && r.Excluded is null)];

    private static readonly Lazy<IReadOnlyDictionary<string, Outcome>> Outcomes = new(() => Runs.ToDictionary(r => r.Name, Quote));

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
            precision: run.Precision == "fp8" ? Precision.Fp8 : Precision.Bf16, acceleratorCount: run.AcceleratorCount) with
        {
            CustomPricePerAcceleratorHour = 1m,
            TeamMaturity = run.TeamMaturity ?? "",
        };
        var result = Engine().Quote(spec, Prices(offer));
        var option = result.Options.SingleOrDefault()
            ?? throw new InvalidOperationException($"{run.Name}: no option ({string.Join("; ", result.Excluded.Select(e => e.Reason).Concat(result.Warnings))}).");
        return new Outcome(run, option.AcceleratorHours, (double)option.TotalCostLow, (double)option.TotalCostHigh, option.Mfu!.Mfu, option.Goodput!.Goodput, option.Accelerators);
    }

    private static Outcome Of(Run run) => Outcomes.Value[run.Name];

    [Fact]
    public void Every_run_has_a_source_and_a_set_and_both_sets_are_large_enough_to_test()
    {
        Assert.All(Runs, r => Assert.False(string.IsNullOrWhiteSpace(r.Source), $"{r.Name} has no source."));
        Assert.All(Runs, r => Assert.Contains(r.Set, new[] { "calibration", "validation" }));
        Assert.All(Runs.Where(r => r.Excluded is not null), r => Assert.True(r.Excluded!.Length > 40, $"{r.Name}: an excluded run states why."));
        Assert.All(Runs.Where(r => r.Set == "validation"), r => Assert.True(r.Keys is { Count: > 0 }, $"{r.Name}: a validation run lists the keys that name it."));
        Assert.Equal(Runs.Count, Runs.Select(r => r.Name).Distinct().Count());
        Assert.True(Calibration.Count >= 15, $"{Calibration.Count} calibration runs.");
        Assert.True(Validation.Count >= 5, $"{Validation.Count} validation runs.");
    }

    /// <summary>
    /// A validation run may not set a constant: no data file the engine reads (every embedded JSON of Pricing.Quoting
    /// and Pricing.Catalog, sources and bases included) names one by any of its keys (its name or its report).
    /// </summary>
    [Fact]
    public void No_data_file_names_a_validation_run()
    {
        var files = new[] { typeof(QuoteEngine).Assembly, typeof(Pricing.Catalog.Offer).Assembly }
            .SelectMany(a => a.GetManifestResourceNames().Where(n => n.EndsWith(".json", StringComparison.Ordinal)).Select(n => (a, n)))
            .Select(f =>
            {
                using var reader = new StreamReader(f.a.GetManifestResourceStream(f.n)!);
                return (Name: f.n, Text: reader.ReadToEnd());
            })
            .ToList();
        Assert.Contains(files, f => f.Name.EndsWith("failure-rates.json", StringComparison.Ordinal));

        var named = (from r in Runs.Where(r => r.Set == "validation")
                     from key in r.Keys ?? []
                     from f in files
                     where f.Text.Contains(key, StringComparison.OrdinalIgnoreCase)
                     select $"{f.Name} names validation run {r.Name} ('{key}')").ToList();

        Assert.Empty(named);
    }

    [Fact]
    public void The_range_holds_the_validation_runs_as_often_as_an_80_percent_interval_plausibly_would() => AssertCoverage(Validation);

    [Fact]
    public void The_range_holds_the_calibration_runs_as_often_as_an_80_percent_interval_plausibly_would() => AssertCoverage(Calibration);

    /// <summary>In sample the errors must be what an 80% range implies.</summary>
    [Fact]
    public void The_median_calibration_error_is_what_the_range_claims() => AssertMedianError(Calibration);

    /// <summary>
    /// Out of sample too the errors must be what an 80% range implies: the same bound as in sample, on runs no constant
    /// was set from (docs/quote-model.md §10 reports both).
    /// </summary>
    [Fact]
    public void The_median_validation_error_is_what_the_range_claims() => AssertMedianError(Validation);

    /// <summary>
    /// A coarser floor beside the strict bound, so a failure says how far off it is: the median validation run within a
    /// factor of two, the out-of-sample miss found before this split existed (issue 23: "too optimistic, by up to half").
    /// </summary>
    [Fact]
    public void The_median_validation_run_is_within_a_factor_of_two()
    {
        var outcomes = Validation.Select(Of).ToList();

        var median = Median(outcomes.Select(o => o.LogError));

        Assert.True(median <= Math.Log(2), $"Median |log error| {median:0.000} > ln 2: out of sample the engine is off by more than 2x for the median run.");
    }

    [Fact]
    public void A_run_of_published_size_is_quoted_at_that_size()
    {
        Assert.All(Calibration.Concat(Validation).Where(r => r.AcceleratorCount > 0), r => Assert.Equal(r.AcceleratorCount, Of(r).Accelerators));
    }

    [Theory]
    [InlineData(5, 1, 0.0067)]
    [InlineData(5, 2, 0.0579)]
    [InlineData(10, 5, 0.0328)]
    public void The_binomial_tail_is_the_textbook_one(int n, int k, double expected) => Assert.Equal(expected, AtMost(k, n, IntervalShare), 4);

    /// <summary>
    /// Both tables of docs/quote-model.md §10 and their summary lines, printed, and written to $PRICING_BACKTEST_TABLE
    /// when set: <c>PRICING_BACKTEST_TABLE=/tmp/backtest.md dotnet test --project tests/Pricing.Quoting.Tests --
    /// --filter-method "*The_tables*"</c>, then paste the file.
    /// </summary>
    [Fact]
    public void The_tables_of_both_sets_are_the_engines()
    {
        var lines = new List<string>();
        foreach (var (title, set) in new[] { ("Calibration set (may set constants)", "calibration"), ("Validation set (no data file names these runs)", "validation") })
        {
            var runs = Runs.Where(r => r.Set == set).ToList();
            var asserted = runs.Where(r => r.Excluded is null).Select(Of).ToList();
            lines.Add($"**{title}**: {Summary(asserted)}");
            lines.Add("");
            lines.Add("| run | team | cluster (used) | MFU | goodput | reported hours | engine | error | range | in range |");
            lines.Add("|---|---|---|---|---|---|---|---|---|---|");
            foreach (var r in runs)
            {
                var o = Of(r);
                lines.Add(string.Create(CultureInfo.InvariantCulture,
                    $"| {r.Name}{(r.Excluded is null ? "" : " (not asserted)")} | {(r.TeamMaturity ?? "default")} | {r.AcceleratorCount switch { 0 => "default plan", var n => n.ToString("N0", CultureInfo.InvariantCulture) }} ({o.Accelerators:N0}) | {o.Mfu:P1} | {o.Goodput:P1} | {r.ReportedHours:N0} | {o.Hours:N0} | {o.Error:+0.0%;-0.0%} | {o.Low:N0}–{o.High:N0} | {(o.RangeHolds ? "yes" : "no")} |"));
            }

            lines.Add("");
        }

        var output = TestContext.Current.TestOutputHelper;
        lines.ForEach(l => output?.WriteLine(l));
        if (Environment.GetEnvironmentVariable("PRICING_BACKTEST_TABLE") is { Length: > 0 } path)
        {
            File.WriteAllLines(path, lines);
        }

        Assert.Equal(Runs.Count, lines.Count(l => l.StartsWith("| ", StringComparison.Ordinal) && !l.StartsWith("| run ", StringComparison.Ordinal)));
    }

    private static string Summary(IReadOnlyList<Outcome> outcomes)
    {
        var held = outcomes.Count(o => o.RangeHolds);
        var median = Median(outcomes.Select(o => Math.Abs(o.Error)));
        var bias = Median(outcomes.Select(o => o.Error));
        return string.Create(CultureInfo.InvariantCulture,
            $"{outcomes.Count} runs; median |error| {median:P1} (median signed {bias:+0.0%;-0.0%}); range holds {held} of {outcomes.Count} "
            + $"(binomial P(≤ {held}) = {AtMost(held, outcomes.Count, IntervalShare):0.000} for an 80% interval); median |log error| {Median(outcomes.Select(o => o.LogError)):0.000} "
            + $"against the 80%-interval bound {MedianErrorShareOfHalfWidth * Median(outcomes.Select(o => o.LogHalfWidth)):0.000}");
    }

    private static void AssertCoverage(IReadOnlyList<Run> runs)
    {
        var outcomes = runs.Select(Of).ToList();
        var held = outcomes.Count(o => o.RangeHolds);

        var p = AtMost(held, outcomes.Count, IntervalShare);

        Assert.True(p >= Significance,
            $"The range holds {held} of {outcomes.Count} (P = {p:0.0000} for an 80% interval); missed {string.Join(", ", outcomes.Where(o => !o.RangeHolds).Select(o => $"{o.Run.Name} {o.Error:+0%;-0%}"))}.");
    }

    private static void AssertMedianError(IReadOnlyList<Run> runs)
    {
        var outcomes = runs.Select(Of).ToList();

        var median = Median(outcomes.Select(o => o.LogError));
        var bound = MedianErrorShareOfHalfWidth * Median(outcomes.Select(o => o.LogHalfWidth));

        Assert.True(median <= bound, $"Median |log error| {median:0.000} > {bound:0.000}: the errors are wider than the range claims.");
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    /// <summary>P(X ≤ k) for X ~ Binomial(n, p).</summary>
    private static double AtMost(int k, int n, double p)
    {
        var total = 0.0;
        for (var i = 0; i <= k; i++)
        {
            total += Math.Exp(LogChoose(n, i) + i * Math.Log(p) + (n - i) * Math.Log(1 - p));
        }

        return total;
    }

    private static double LogChoose(int n, int k)
    {
        var sum = 0.0;
        for (var i = 1; i <= k; i++)
        {
            sum += Math.Log(n - k + i) - Math.Log(i);
        }

        return sum;
    }
}
