using Pricing.Catalog;
using static Pricing.Quoting.Tests.TestData;

namespace Pricing.Quoting.Tests;

/// <summary>
/// The default global batch (docs/quote-model.md §3): DeepSeek LLM's batch law B = 0.2920 · C^0.3271 up to the largest
/// published batch, bounding data-parallel replicas (TP × PP × CP accelerators) rather than single accelerators, so the
/// published frontier runs get a plan.
/// </summary>
public sealed class GlobalBatchTests
{
    private const string H100 = "nvidia-h100-80gb";

    private static double Law(double flops) => DataFiles.Default("batchLawCoefficient") * Math.Pow(flops, DataFiles.Default("batchLawExponent"));

    private static AcceleratorAssumptions Assumed(QuoteSpec spec) => Assert.Single(Engine().Quote(spec, Prices(P5())).Assumptions);

    [Fact]
    public void The_default_batch_is_the_batch_law_at_the_runs_compute()
    {
        // Llama 3.1 70B on 15T tokens: C = 6.3e24 FLOPs, about 38M tokens per step.
        var spec = Spec(parameters: 70.55e9, tokens: 15e12);
        var assumed = Assumed(spec);
        Close(Math.Round(Law(6 * 70.55e9 * 15e12)), assumed.GlobalBatchTokens);
        Assert.InRange(assumed.GlobalBatchTokens, 37e6, 40e6);
        Assert.Contains("arXiv:2401.02954", assumed.GlobalBatchSource, StringComparison.Ordinal);

        // A mixture of experts is costed on its active parameters.
        Close(Math.Round(Law(6 * 37e9 * 14.8e12)), Assumed(Spec(parameters: 671e9, activeParameters: 37e9, tokens: 14.8e12)).GlobalBatchTokens);
    }

    [Fact]
    public void The_default_batch_stops_at_the_largest_published_batch_and_a_requested_one_overrides_it()
    {
        // Llama 3 405B on 15.6T tokens: the law gives ~68M, above DeepSeek-V3's 62.9M.
        var large = Assumed(Spec(parameters: 405e9, tokens: 15.6e12));
        Assert.True(Law(6 * 405e9 * 15.6e12) > DataFiles.Default("maxGlobalBatchTokens"));
        Assert.Equal(DataFiles.Default("maxGlobalBatchTokens"), large.GlobalBatchTokens);
        Assert.Contains("arXiv:2412.19437", large.GlobalBatchSource, StringComparison.Ordinal);

        var requested = Assumed(Spec() with { GlobalBatchTokens = 1e6 });
        Assert.Equal(1e6, requested.GlobalBatchTokens);
        Assert.Equal("request", requested.GlobalBatchSource);
    }

    [Fact]
    public void A_batch_keeps_busy_its_replicas_of_tensor_parallel_accelerators_one_sequence_per_pipeline_stage()
    {
        var perRank = DataFiles.Default("tokensPerContextRank");
        var batch = 2048 * perRank;
        // 8-wide tensor parallelism on p5: batch / sequence replicas' worth of pipeline micro-batches × TP 8.
        var option = Assert.Single(Engine().Quote(Spec() with { GlobalBatchTokens = batch }, Prices(P5())).Options);
        Assert.Equal(2048 * 8, option.LargestUsefulAccelerators);

        // Half the sequence: twice the replicas. A sequence past one context-parallel rank adds CP ranks to each replica.
        Assert.Equal(4096 * 8, Assert.Single(Engine().Quote(Spec() with { GlobalBatchTokens = batch, Layers = 80, DModel = 8192, SequenceLength = (int)perRank / 2 }, Prices(P5())).Options).LargestUsefulAccelerators);
        Assert.Equal(2048 * 8, Assert.Single(Engine().Quote(Spec() with { GlobalBatchTokens = batch, Layers = 80, DModel = 8192, SequenceLength = (int)perRank * 4 }, Prices(P5())).Options).LargestUsefulAccelerators);
    }

    [Theory]
    [InlineData(70.55e9, 15e12, 8192)]   // Llama 3.1 70B as trained: 8,192 H100
    [InlineData(405e9, 15.6e12, 16384)]  // Llama 3 405B: 16,384 H100
    public void Published_frontier_runs_get_a_plan_at_their_published_size(double parameters, double tokens, int accelerators)
    {
        var result = Engine().Quote(Spec(parameters: parameters, tokens: tokens, acceleratorIds: [H100], acceleratorCount: accelerators), Prices(P5()));

        var option = Assert.Single(result.Options);
        Assert.Equal(accelerators, option.Accelerators);
        Assert.Empty(result.Excluded);
        Assert.True(option.LargestUsefulAccelerators >= accelerators);
    }
}
