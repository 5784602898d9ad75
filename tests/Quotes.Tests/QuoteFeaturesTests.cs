using Google.Rpc;
using Grpc.Core;
using Pricing.Contracts;
using Pricing.Contracts.V1;

namespace Quotes.Tests;

/// <summary>
/// The quote's newer parts over gRPC on the embedded default: breakdown, cost range, energy and CO2, memory fit and
/// exclusions, deadline, overrides, prices; CompareAccelerators; and InvalidArgument for the new fields.
/// </summary>
public sealed class QuoteFeaturesTests(StandaloneServer server)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // These tests read the plan's details: the full view (the default is basic).
    private Task<TrainingQuote> QuoteAsync(QuoteTrainingRunRequest request) =>
        server.Quotes.QuoteTrainingRunAsync(Full(request), cancellationToken: Ct).ResponseAsync;

    private static QuoteTrainingRunRequest Full(QuoteTrainingRunRequest request)
    {
        request.View = QuoteView.Full;
        return request;
    }

    private static QuoteTrainingRunRequest EastUsOnDemand()
    {
        var request = StandaloneServer.H100Request();
        request.Regions.Add("eastus");
        request.PricingModels.Add("on_demand");
        return request;
    }

    [Fact]
    public async Task Every_option_carries_a_breakdown_that_sums_to_its_total_and_a_range_around_it()
    {
        var quote = await QuoteAsync(StandaloneServer.H100Request());

        Assert.NotEmpty(quote.Options);
        Assert.All(quote.Options, o =>
        {
            var b = o.Breakdown;
            Assert.Equal(o.TotalCost.ToDecimal(), b.Compute.ToDecimal() + b.FailuresAndRestarts.ToDecimal() + b.Checkpoints.ToDecimal()
                + b.Preemptions.ToDecimal() + b.UnusedCommitment.ToDecimal());
            Assert.True(b.FailuresAndRestarts.ToDecimal() > 0 && b.Checkpoints.ToDecimal() > 0, "The failure model loses time to both on a multi-node run.");
            Assert.Equal(o.PricingModel == "spot", b.Preemptions.ToDecimal() > 0);
            Assert.True(o.TotalCostLow.ToDecimal() < o.TotalCost.ToDecimal() && o.TotalCost.ToDecimal() < o.TotalCostHigh.ToDecimal());
            Assert.Equal("catalog", o.PriceSource);
        });
    }

    [Fact]
    public async Task Energy_and_CO2_are_shown_per_option_from_node_power_load_PUE_and_the_regions_grid()
    {
        var option = Assert.Single((await QuoteAsync(EastUsOnDemand())).Options);

        var assumption = (await QuoteAsync(EastUsOnDemand())).Assumptions.Single();
        Assert.Equal(700, assumption.TdpWatts);
        // ND H100 v5 is an 8-GPU HGX H100 node: 10.2 kW for 8 GPUs (DGX H100 datasheet), not the GPUs' 700 W TDP.
        Assert.Equal(10_200.0 / 8, option.WattsPerAccelerator);
        Assert.False(option.PowerEstimated);
        var kwh = option.AcceleratorHours * 1.275 * option.LoadFactor * option.Pue;
        Assert.Equal(kwh, option.EnergyKwh, kwh * 1e-9);
        Assert.Equal(kwh * option.GridKgCo2PerKwh, option.Co2Kg, option.Co2Kg * 1e-9);
        Assert.False(option.GridIntensityFallback);
        Assert.InRange(option.Pue, 1.0, 2.0);
    }

    [Fact]
    public async Task A_model_too_big_for_the_requested_cluster_is_excluded_with_the_reason()
    {
        var request = EastUsOnDemand();
        request.AcceleratorCount = 8;

        var quote = await QuoteAsync(request);

        Assert.Empty(quote.Options);
        Assert.Equal(1, quote.OptionsExcluded);
        var excluded = Assert.Single(quote.Excluded);
        Assert.Equal("Standard_ND96isr_H100_v5", excluded.InstanceType);
        // 18 B/parameter (Megatron, bf16 with fp32 gradients) × 70e9 = 1,260 GB over 56 GB usable per H100: 23, so 3 instances of 8.
        Assert.Contains("at least 24 accelerators", excluded.Reason, StringComparison.Ordinal);
        Assert.Equal(23, quote.Assumptions.Single().MinAcceleratorsForMemory);
    }

    [Fact]
    public async Task A_deadline_sizes_the_cluster_to_meet_it()
    {
        var request = EastUsOnDemand();
        request.DeadlineHours = 30 * 24;

        var option = Assert.Single((await QuoteAsync(request)).Options);

        Assert.Equal("deadline", option.ClusterBasis);
        Assert.True(option.WallClockHours <= 30 * 24);
        Assert.True(option.AcceleratorHours / ((option.Instances - 1) * 8) > 30 * 24, "one instance fewer would also meet it");
    }

    [Fact]
    public async Task The_attention_term_and_Chinchilla_tokens_reach_the_engine()
    {
        var request = EastUsOnDemand();
        request.Tokens = 0;
        request.Chinchilla = true;
        request.Layers = 80;
        request.DModel = 8192;
        request.SequenceLength = 4096;

        var quote = await QuoteAsync(request);

        Assert.True(quote.ChinchillaTokens);
        Assert.Equal(1.4e12, quote.Tokens, 1.4e12 * 1e-12);
        Assert.Equal(6 * 70e9 * 1.4e12, quote.DenseFlops, 1e12);
        Assert.Equal(12.0 * 80 * 8192 * 4096 * 1.4e12, quote.AttentionFlops, 1e12);
        Assert.Equal(quote.DenseFlops + quote.AttentionFlops, quote.TotalFlops, 1e12);
    }

    [Fact]
    public async Task A_custom_price_replaces_the_catalog_price()
    {
        var request = EastUsOnDemand();
        request.PricePerAcceleratorHour = 2.5m.ToMoney();

        var option = Assert.Single((await QuoteAsync(request)).Options);

        Assert.Equal(2.5m, option.PricePerAcceleratorHour.ToDecimal());
        Assert.Equal("custom", option.PriceSource);
        Assert.True(Math.Abs((decimal)option.AcceleratorHours * 2.5m - option.TotalCost.ToDecimal()) <= 0.01m);
    }

    [Fact]
    public async Task A_provider_discount_lowers_that_providers_price()
    {
        var full = Assert.Single((await QuoteAsync(EastUsOnDemand())).Options);
        var request = EastUsOnDemand();
        request.DiscountPercent["azure"] = 20;

        var discounted = Assert.Single((await QuoteAsync(request)).Options);

        Assert.Equal(full.PricePerAcceleratorHour.ToDecimal() * 0.8m, discounted.PricePerAcceleratorHour.ToDecimal());
        Assert.Equal(20, discounted.DiscountPercent);
        Assert.True(Math.Abs(full.TotalCost.ToDecimal() * 0.8m - discounted.TotalCost.ToDecimal()) <= 0.01m);
    }

    [Fact]
    public async Task CompareAccelerators_gives_each_types_cheapest_option()
    {
        var request = new QuoteTrainingRunRequest { Parameters = 7e9, Tokens = 1.4e12, MaxOptions = 1000 };
        var all = await QuoteAsync(request);

        var comparison = await server.Quotes.CompareAcceleratorsAsync(Full(request), cancellationToken: Ct);

        var withOptions = comparison.Choices.Where(c => c.Best is not null).ToList();
        Assert.True(withOptions.Count > 1, "the bundled snapshot has several accelerator types");
        Assert.Equal(all.Options.Select(o => o.AcceleratorId).Distinct().Order(StringComparer.Ordinal), withOptions.Select(c => c.AcceleratorId).Order(StringComparer.Ordinal));
        foreach (var choice in withOptions)
        {
            var cheapest = all.Options.First(o => o.AcceleratorId == choice.AcceleratorId);
            Assert.Equal(cheapest.TotalCost, choice.Best.TotalCost);
            Assert.Equal(cheapest.KeyOfOffer(), choice.Best.KeyOfOffer());
            Assert.Equal(choice.AcceleratorId, choice.Assumptions.AcceleratorId);
        }

        // Types whose best plan is obtainable first (capacity-rules.json), each group cheapest first.
        Assert.Equal(withOptions.Select(c => c.Best.Capacity.Obtainable).OrderByDescending(x => x), withOptions.Select(c => c.Best.Capacity.Obtainable));
        foreach (var group in withOptions.GroupBy(c => c.Best.Capacity.Obtainable))
        {
            var bests = group.Select(c => c.Best.TotalCost.ToDecimal()).ToList();
            Assert.Equal(bests.Order(), bests);
        }
        Assert.Equal(all.TotalFlops, comparison.TotalFlops);
    }

    [Fact]
    public async Task CompareAccelerators_refuses_a_bad_spec_like_QuoteTrainingRun()
    {
        var ex = await Assert.ThrowsAsync<RpcException>(() => server.Quotes.CompareAcceleratorsAsync(new QuoteTrainingRunRequest { Parameters = -1, Tokens = 1e12 }, cancellationToken: Ct).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Equal("parameters", Assert.Single(ex.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations).Field);
    }

    [Theory]
    [InlineData("chinchilla", "with_tokens")]
    [InlineData("tokens", "zero_without_chinchilla")]
    [InlineData("deadline_hours", "with_count")]
    [InlineData("deadline_hours", "negative")]
    [InlineData("goodput", "above_one")]
    [InlineData("layers", "negative")]
    [InlineData("sequence_length", "missing")]
    [InlineData("price_per_accelerator_hour", "malformed_nanos")]
    [InlineData("price_per_accelerator_hour", "euro")]
    [InlineData("price_per_accelerator_hour", "negative")]
    [InlineData("discount_percent", "unknown_cloud")]
    [InlineData("discount_percent", "hundred")]
    [InlineData("discount_percent", "with_custom_price")]
    [InlineData("activation_allowance", "too_large")]
    [InlineData("energy_utilisation", "above_one")]
    [InlineData("precision", "fp4_on_h100")]
    [InlineData("precision", "fp8_on_a100")]
    public async Task A_bad_new_field_is_InvalidArgument_with_a_violation_on_it(string field, string problem)
    {
        var request = StandaloneServer.H100Request();
        switch (problem)
        {
            case "with_tokens": request.Chinchilla = true; break;
            case "zero_without_chinchilla": request.Tokens = 0; break;
            case "with_count": request.DeadlineHours = 720; request.AcceleratorCount = 1024; break;
            case "negative" when field == "deadline_hours": request.DeadlineHours = -1; break;
            case "above_one" when field == "goodput": request.Goodput = 1.2; break;
            case "negative" when field == "layers": request.Layers = -80; request.DModel = 8192; request.SequenceLength = 4096; break;
            case "missing": request.Layers = 80; request.DModel = 8192; break;
            case "malformed_nanos": request.PricePerAcceleratorHour = new Money { CurrencyCode = "USD", Units = 2, Nanos = -5 }; break;
            case "euro": request.PricePerAcceleratorHour = new Money { CurrencyCode = "EUR", Units = 2 }; break;
            case "negative": request.PricePerAcceleratorHour = (-2m).ToMoney(); break;
            case "unknown_cloud": request.DiscountPercent["oracle"] = 10; break;
            case "hundred": request.DiscountPercent["aws"] = 100; break;
            case "with_custom_price": request.DiscountPercent["aws"] = 10; request.PricePerAcceleratorHour = 2m.ToMoney(); break;
            case "too_large": request.ActivationAllowance = 0.95; break;
            case "above_one": request.EnergyUtilisation = 1.5; break;
            case "fp4_on_h100": request.Precision = "fp4"; break;
            case "fp8_on_a100": request.Precision = "fp8"; request.AcceleratorIds[0] = "nvidia-a100-80gb"; break;
            default: throw new ArgumentOutOfRangeException(nameof(problem), problem);
        }

        var ex = await Assert.ThrowsAsync<RpcException>(() => QuoteAsync(request));

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        var violations = ex.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations;
        Assert.Equal(field, Assert.Single(violations).Field);
    }
}
