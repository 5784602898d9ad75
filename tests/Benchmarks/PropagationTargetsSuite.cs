using System.Globalization;

namespace Pricing.Benchmarks;

/// <summary>
/// Every propagation target of issue 25 in one run, one suite after the other on the same servers: <c>propagation</c>
/// (1,000-change versions back to back: ≥ 10,000 changes/s end to end, and their p99 shown), then
/// <c>propagation-paced</c> with 1,000-change versions one a second (p99 diff → watcher &lt; 50 ms), with 10-change
/// versions every 100 ms (p99 &lt; 50 ms) and with single changes every 10 ms
/// (p99 ≤ 15 ms); then a summary, MET or NOT MET per target with its figure and the load average. <c>propagation
/// --versions-only</c> runs too, for comparison: the version path without the per-change messages for topic subscribers.
/// </summary>
public sealed class PropagationTargetsSuite : IBenchmarkSuite
{
    public string Name => "propagation-targets";

    public string Description => "propagation, then propagation-paced at 20 x 1,000 every 1 s, 100 x 10 every 100 ms and 1,000 x 1 every 10 ms; a MET / NOT MET summary of every target";

    public async Task<int> RunAsync(string[] args)
    {
        PropagationTargets.Clear();
        await new PropagationSuite().RunAsync([]);
        // The same without the per-change messages for topic subscribers: what the version path alone does (not a target).
        await new PropagationSuite().RunAsync(["--versions-only"]);
        // A 1,000-change version on its own (one a second, as a scrape that moved a thousand prices would publish it).
        await new PacedPropagationSuite().RunAsync(["--offers", "1000", "--versions", "20", "--interval-ms", "1000"]);
        await new PacedPropagationSuite().RunAsync(["--offers", "10", "--versions", "100", "--interval-ms", "100"]);
        await new PacedPropagationSuite().RunAsync(["--offers", "1", "--versions", "1000", "--interval-ms", "10"]);

        Console.WriteLine();
        Console.WriteLine("## propagation targets (issue 25)");
        Console.WriteLine();
        Console.WriteLine("| target | status | figure |");
        Console.WriteLine("|---|---|---|");
        foreach (var (target, met, figure) in PropagationTargets.All)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {target} | {(met ? "MET" : "NOT MET")} | {figure} |"));
        }

        return PropagationTargets.All.Where(t => !t.Target.StartsWith('(')).All(t => t.Met) ? 0 : 1;
    }
}

/// <summary>What the propagation suites measured against their targets in this process, for the summary above.</summary>
internal static class PropagationTargets
{
    private static readonly List<(string Target, bool Met, string Figure)> Results = [];

    public static IReadOnlyList<(string Target, bool Met, string Figure)> All
    {
        get
        {
            lock (Results)
            {
                return [.. Results];
            }
        }
    }

    public static void Record(string target, bool met, string figure)
    {
        lock (Results)
        {
            Results.Add((target, met, figure));
        }
    }

    public static void Clear()
    {
        lock (Results)
        {
            Results.Clear();
        }
    }
}
