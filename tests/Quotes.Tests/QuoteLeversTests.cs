using System.Diagnostics;
using Pricing.Contracts;
using Pricing.Contracts.V1;

namespace Quotes.Tests;

/// <summary>
/// The quote's levers on the bundled catalogs (issue 24, item 4): in the full view of QuoteTrainingRun only, each
/// applicable one with its deltas against option #1; <c>pricing quote</c> prints them as a table.
/// </summary>
public sealed class QuoteLeversTests(StandaloneServer server, ITestOutputHelper log)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static QuoteTrainingRunRequest Llama405B(QuoteView view) => new()
    {
        Parameters = 405e9, Tokens = 15.6e12, AcceleratorIds = { "nvidia-h100-80gb" }, MaxOptions = 5, View = view,
    };

    [Fact]
    public async Task The_full_view_carries_the_levers_with_deltas_against_option_1_and_the_basic_view_none()
    {
        var full = await server.Quotes.QuoteTrainingRunAsync(Llama405B(QuoteView.Full), cancellationToken: Ct);
        var basic = await server.Quotes.QuoteTrainingRunAsync(Llama405B(QuoteView.Basic), cancellationToken: Ct);

        Assert.Empty(basic.Levers);
        Assert.Equal(10, full.Levers.Count);
        Assert.Equal(full.Levers.Count, full.Levers.Select(l => l.Name).Distinct().Count());
        var top = full.Options[0];
        Assert.All(full.Levers.Where(l => l.Applicable), l =>
        {
            Assert.Equal(l.BillTotal.ToDecimal() - top.BillTotal.ToDecimal(), l.DeltaCost.ToDecimal());
            Assert.Equal(l.WallClockHours - top.WallClockHours, l.DeltaHours, 1e-6);
            Assert.Equal(l.Co2Kg - top.Co2Kg, l.DeltaCo2Kg, 1e-3);
            Assert.NotEmpty(l.OfferKey);
            // The whole program under the lever, against option 1's program total.
            Assert.Equal(l.ProgramTotal.ToDecimal() - top.Program.Total.ToDecimal(), l.DeltaProgramCost.ToDecimal());
        });
        Assert.All(full.Levers.Where(l => !l.Applicable), l => Assert.NotEmpty(l.Reason));
        // FP8 runs faster on H100 (its dense FP8 peak is twice BF16's).
        var fp8 = Assert.Single(full.Levers, l => l.Name == "fp8");
        Assert.True(fp8.Applicable, fp8.Reason);
        Assert.True(fp8.DeltaHours < 0, $"{fp8.DeltaHours:N0} h");
    }

    [Fact]
    public async Task What_the_levers_cost_is_measured()
    {
        // Warm both paths, then time each on a spec the cache has not seen.
        await server.Quotes.QuoteTrainingRunAsync(Llama405B(QuoteView.Full), cancellationToken: Ct);
        var basicRequest = Llama405B(QuoteView.Basic);
        basicRequest.Parameters = 404e9;
        var fullRequest = Llama405B(QuoteView.Full);
        fullRequest.Parameters = 403e9;

        var clock = Stopwatch.StartNew();
        await server.Quotes.QuoteTrainingRunAsync(basicRequest, cancellationToken: Ct);
        var basic = clock.Elapsed;
        clock.Restart();
        var full = await server.Quotes.QuoteTrainingRunAsync(fullRequest, cancellationToken: Ct);
        var withLevers = clock.Elapsed;

        log.WriteLine($"basic {basic.TotalMilliseconds:N0} ms, full with {full.Levers.Count} levers {withLevers.TotalMilliseconds:N0} ms");
        Assert.Equal(10, full.Levers.Count);
        // Bounded: at most 9 more engine runs, each over the same offers (generous for a shared 2-core machine).
        Assert.True(withLevers < TimeSpan.FromSeconds(30), $"{withLevers.TotalSeconds:N1} s");
    }

    [Fact]
    public async Task Pricing_quote_prints_the_levers_table()
    {
        var (code, output, error) = await CliRun.RunAsync("quote", "--params", "405e9", "--tokens", "15.6e12", "--accelerator", "nvidia-h100-80gb", "--top", "3", "--server", server.Address);

        Assert.True(code == 0, error);
        Assert.Contains("Levers (the same program under each", output, StringComparison.Ordinal);
        foreach (var name in new[] { "fp8", "fp4", "compute_optimal_tokens", "longer_deadline", "on_demand", "capacity_block", "commitment_with_reuse", "cheapest_region", "cleanest_region", "next_generation" })
        {
            Assert.Contains("│ " + name + " ", output, StringComparison.Ordinal);
        }

        Assert.Contains("Δ cost", output, StringComparison.Ordinal);
    }
}
