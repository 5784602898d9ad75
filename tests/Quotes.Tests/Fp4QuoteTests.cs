using Pricing.Contracts;
using Pricing.Contracts.V1;

namespace Quotes.Tests;

/// <summary>
/// FP4 over gRPC on the embedded default (docs/quote-model.md §2, §7b): a B200 quote in fp4 is read, quoted against
/// the FP4 peak and runs faster than the same quote in fp8 by the cited NVFP4 speed-up's range; an fp8 quote's fp4
/// lever carries that plan.
/// </summary>
public sealed class Fp4QuoteTests(StandaloneServer server)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static QuoteTrainingRunRequest B200(string precision, QuoteView view = QuoteView.Basic) => new()
    {
        Parameters = 70e9, Tokens = 1.4e12, Precision = precision, AcceleratorIds = { "nvidia-b200" }, AcceleratorCount = 512, MaxOptions = 1, View = view,
    };

    [Fact]
    public async Task An_fp4_quote_on_B200_is_an_FP4_plan_faster_than_fp8_by_the_measured_range()
    {
        var fp4 = await server.Quotes.QuoteTrainingRunAsync(B200("fp4", QuoteView.Full), cancellationToken: Ct);
        var fp8 = await server.Quotes.QuoteTrainingRunAsync(B200("fp8", QuoteView.Full), cancellationToken: Ct);

        Assert.Equal("fp4", fp4.Precision);
        var assumption = Assert.Single(fp4.Assumptions);
        Assert.Equal("fp4", assumption.Precision);
        Assert.Equal(2 * Assert.Single(fp8.Assumptions).PeakFlops, assumption.PeakFlops, 1e-6 * assumption.PeakFlops);
        // The same 512 B200: hours differ by throughput alone (fp4-training.json: 1.05-1.34x).
        var speedup = fp8.Options[0].AcceleratorHours / fp4.Options[0].AcceleratorHours;
        Assert.InRange(speedup, 1.045, 1.34);
        Assert.True(fp4.Options[0].TotalCost.ToDecimal() < fp8.Options[0].TotalCost.ToDecimal());
        // Already in FP4: neither precision lever applies.
        Assert.False(Assert.Single(fp4.Levers, l => l.Name == "fp4").Applicable);

        var lever = Assert.Single(fp8.Levers, l => l.Name == "fp4");
        Assert.True(lever.Applicable, lever.Reason);
        Assert.Equal(fp4.Options[0].WallClockHours, lever.WallClockHours, 1e-6);
        Assert.Equal(fp4.Options[0].BillTotal.ToDecimal(), lever.BillTotal.ToDecimal());
    }
}
