using System.Globalization;
using Cluster.Tests.Load;
using Pricing.Testing;

namespace Cluster.Tests;

/// <summary>
/// One fault's figures, as a line for docs/reliability.md: what was done, the changes in flight, what was lost or
/// applied twice (by the watchers, by the history), watcher gaps, quote calls failed and their p99 during the fault,
/// and the time to recover. Written to the test output and, when PRICING_TEST_FIGURES names a file, appended to it.
/// </summary>
public sealed record FaultReport(
    string Fault,
    string What,
    int Changes,
    string ChangesByProvider,
    IReadOnlyList<(PriceWatcher Watcher, Tally Tally)> Watchers,
    Tally History,
    IReadOnlyList<QuoteCall> QuotesDuringFault,
    IReadOnlyList<QuoteCall> QuotesBefore,
    TimeSpan Recovered,
    string? Extra = null)
{
    public int WatcherGaps => Watchers.Count(w => w.Tally.Lost > 0);

    public int WatcherLost => Watchers.Sum(w => w.Tally.Lost);

    public int WatcherRepeats => Watchers.Sum(w => w.Tally.Repeated + w.Tally.Unexpected);

    public int QuotesFailed => QuotesDuringFault.Count(c => c.Failed);

    public string Line()
    {
        static string Ms(TimeSpan t) => t.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture);
        var reconnects = Watchers.Sum(w => w.Watcher.Connections - 1);
        return string.Create(CultureInfo.InvariantCulture,
            $"{Fault} | {What} | changes {Changes:N0} ({ChangesByProvider}) | lost: watchers {WatcherLost}, history {History.Lost} | applied twice: watchers {WatcherRepeats}, history {History.Repeated + History.Unexpected} "
            + $"| watcher gaps {WatcherGaps} of {Watchers.Count} ({reconnects} reconnects) | quote calls {QuotesDuringFault.Count:N0}, failed {QuotesFailed}, p99 {Ms(QuoteLoad.P99(QuotesDuringFault))} ms "
            + $"(before: {Ms(QuoteLoad.P99(QuotesBefore))} ms) | recovered in {Recovered.TotalSeconds:0.0} s{(Extra is null ? "" : $" | {Extra}")}");
    }

    /// <summary>Writes the line, then fails the test when anything was lost, applied twice, or a quote call failed.</summary>
    public void WriteAndAssert()
    {
        var line = Line();
        TestContext.Current.TestOutputHelper?.WriteLine(line);
        Console.Error.WriteLine($"Cluster.Tests figures: {line}");
        if (TestInfrastructure.Variable("PRICING_TEST_FIGURES") is { } file)
        {
            File.AppendAllText(file, $"{DateTime.UtcNow:O} cluster: {line}{Environment.NewLine}");
        }

        var failures = Watchers.Where(w => !w.Tally.Clean).Select(w => $"{w.Watcher.Name}: {w.Tally}").ToList();
        if (!History.Clean)
        {
            failures.Add($"history: {History}");
        }

        if (QuotesFailed > 0)
        {
            failures.Add($"{QuotesFailed} quote calls failed: {string.Join("; ", QuotesDuringFault.Where(c => c.Failed).Select(c => c.Error).Distinct().Take(3))}");
        }

        Assert.True(failures.Count == 0, $"{line}{Environment.NewLine}{string.Join(Environment.NewLine, failures)}");
        Assert.True(Changes >= 1000, $"only {Changes} changes were in flight; the fault needs a 1,000-change burst");
    }
}
