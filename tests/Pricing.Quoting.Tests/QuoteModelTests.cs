using static Pricing.Quoting.Tests.TestData;

namespace Pricing.Quoting.Tests;

/// <summary>
/// The parts of the quote model beyond 6·N·D (docs/quote-model.md): attention term, Chinchilla tokens, memory fit,
/// deadlines, breakdown, cost range, discounts and custom prices, energy and CO2, comparison per accelerator and the
/// price-dependency hash behind WatchQuote. Expected figures are worked out here from the data files.
/// </summary>
public sealed class QuoteModelTests
{
    private const double SecondsPerHour = 3600.0;
    private const double D = 1.4e12;

    /// <summary>Megatron state 18 B/parameter (the default); activation allowance 30% (quote-defaults.json): 56 GB usable per H100.</summary>
    private const double BytesPerParameter = 18;

    private static double UsableH100 => 80e9 * (1 - DataFiles.Default("activationAllowance"));

    private static double Hours(double flops, double peak, double mfu, double goodput) => flops / (peak * mfu * goodput * SecondsPerHour);

    /// <summary>MFU and goodput fixed by the request, so the hours follow the formula whatever the cluster.</summary>
    private static QuoteSpec Fixed(QuoteSpec spec) => spec with { Mfu = 0.4, Goodput = 0.9 };

    private static double H100Hours(double flops) => Hours(flops, H100DenseBf16, 0.4, 0.9);

    private static void WithinACent(decimal expected, decimal actual) =>
        Assert.True(Math.Abs(expected - actual) <= 0.01m, $"Expected {expected} within a cent, got {actual}.");

    [Fact]
    public void The_attention_term_adds_12_L_d_model_seq_D()
    {
        // Llama-2-70B shape: 80 layers, d_model 8192, 4096 tokens of context.
        var spec = Fixed(Spec(parameters: 70e9, tokens: 2e12) with { Layers = 80, DModel = 8192, SequenceLength = 4096 });

        var result = Engine().Quote(spec, Prices(Offer()));

        var attention = 12.0 * 80 * 8192 * 4096 * 2e12;
        Close(6 * 70e9 * 2e12, result.Compute.DenseFlops);
        Close(attention, result.Compute.AttentionFlops);
        Close(6 * 70e9 * 2e12 + attention, result.TotalFlops);
        // A requested MFU is read with attention counted (PaLM's convention) when the shape is given.
        Close(H100Hours(6 * 70e9 * 2e12 + attention), result.Options[0].AcceleratorHours);
    }

    [Fact]
    public void Without_the_whole_attention_shape_there_is_no_attention_term()
    {
        var result = Engine().Quote(Spec() with { Layers = 80, DModel = 8192 }, Prices(Offer()));

        Assert.Equal(0, result.Compute.AttentionFlops);
        Close(6 * 70e9 * D, result.TotalFlops);
    }

    [Fact]
    public void Chinchilla_mode_trains_on_20_tokens_per_parameter()
    {
        var result = Engine().Quote(Spec(parameters: 70e9, tokens: 0) with { Chinchilla = true }, Prices(Offer()));

        Close(20 * 70e9, result.Compute.Tokens);
        Assert.True(result.Compute.ChinchillaTokens);
        Close(6 * 70e9 * 1.4e12, result.TotalFlops);
    }

    [Fact]
    public void Given_tokens_are_used_as_given()
    {
        var result = Engine().Quote(Spec(tokens: 15e12), Prices(Offer()));

        Assert.Equal(15e12, result.Compute.Tokens);
        Assert.False(result.Compute.ChinchillaTokens);
    }

    [Fact]
    public void A_mixture_of_experts_needs_memory_for_its_total_parameters_and_compute_for_its_active_ones()
    {
        // DeepSeek-V3-like: 671B total, 37B active.
        var result = Engine().Quote(Spec(parameters: 671e9, activeParameters: 37e9, tokens: 14.8e12), Prices(Offer()));

        Close(6 * 37e9 * 14.8e12, result.TotalFlops);
        Close(BytesPerParameter * 671e9, result.Compute.ModelStateBytes);
        var assumption = Assert.Single(result.Assumptions);
        Assert.Equal((long)Math.Ceiling(BytesPerParameter * 671e9 / UsableH100), assumption.MinAcceleratorsForMemory);
    }

    [Fact]
    public void A_requested_cluster_too_small_for_the_model_is_excluded_with_the_reason()
    {
        // 70B × 18 B = 1,260 GB over 8 × 56 GB per instance: 3 instances, 24 accelerators.
        var atLeast = 8 * (int)Math.Ceiling(BytesPerParameter * 70e9 / (8 * UsableH100));

        var result = Engine().Quote(Spec(acceleratorCount: 16), Prices(Offer()));

        Assert.Empty(result.Options);
        Assert.Equal(0, result.OptionsConsidered);
        var excluded = Assert.Single(result.Excluded);
        Assert.Equal(Offer().OfferKey, excluded.Offer.OfferKey);
        Assert.Equal(24, atLeast);
        Assert.Contains($"at least {atLeast} accelerators", excluded.Reason, StringComparison.Ordinal);
        Assert.Contains(result.Warnings, w => w.Contains("excluded", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(30)]
    [InlineData(90)]
    [InlineData(365)]
    public void A_deadline_gets_the_smallest_whole_instance_cluster_that_meets_it(double days)
    {
        var deadline = days * 24;
        var hours = H100Hours(6 * 70e9 * D);

        var option = Assert.Single(Engine().Quote(Fixed(Spec()) with { DeadlineHours = deadline }, Prices(Offer())).Options);

        var expectedInstances = Math.Max(3, (int)Math.Ceiling(hours / (deadline * 8)));
        Assert.Equal(expectedInstances, option.Instances);
        Assert.Equal(ClusterBasis.Deadline, option.ClusterBasis);
        Assert.True(option.WallClockHours <= deadline, $"{option.WallClockHours} h misses the {deadline} h deadline.");
        // One instance fewer would miss it.
        Assert.True(hours / ((option.Instances - 1) * 8) > deadline);
    }

    [Theory]
    [InlineData(20)]
    [InlineData(45)]
    public void A_deadline_with_the_run_dependent_MFU_and_goodput_gets_the_smallest_cluster_that_meets_it(double days)
    {
        var deadline = days * 24;

        var option = Assert.Single(Engine().Quote(Spec() with { DeadlineHours = deadline }, Prices(Offer())).Options);

        Assert.True(option.WallClockHours <= deadline, $"{option.WallClockHours} h misses the {deadline} h deadline.");
        // The same run on one instance fewer (its MFU and goodput a little higher) still misses it.
        var fewer = Assert.Single(Engine().Quote(Spec(acceleratorCount: (option.Instances - 1) * 8), Prices(Offer())).Options);
        Assert.True(fewer.WallClockHours > deadline, $"{option.Instances - 1} instances finish in {fewer.WallClockHours} h.");
    }

    [Fact]
    public void A_loose_deadline_still_rents_enough_memory_for_the_model()
    {
        var option = Assert.Single(Engine().Quote(Spec() with { DeadlineHours = 24 * 365 * 10 }, Prices(Offer())).Options);

        Assert.Equal(3, option.Instances);
        Assert.Equal(ClusterBasis.MemoryMinimum, option.ClusterBasis);
    }

    [Theory]
    [InlineData(0.90)]
    [InlineData(0.99)]
    [InlineData(1.0)]
    public void A_goodput_override_puts_the_whole_loss_in_failures_and_the_breakdown_sums_to_the_total(double goodput)
    {
        var option = Assert.Single(Engine().Quote(Spec() with { Goodput = goodput }, Prices(Offer())).Options);

        var b = option.Breakdown;
        Close(option.AcceleratorHours * goodput, b.ComputeHours);
        Assert.Equal(0, b.CheckpointHours);
        Assert.Equal(0, b.PreemptionHours);
        Close(option.AcceleratorHours * (1 - goodput), b.FailureHours, 1e-9);
        Assert.True(Math.Abs(option.AcceleratorHours - b.ComputeHours - b.CheckpointHours - b.FailureHours) <= option.AcceleratorHours * 1e-12);
        Assert.Equal(option.TotalCost, b.Compute + b.FailuresAndRestarts + b.Checkpoints + b.Preemptions + b.UnusedCommitment);
        WithinACent((decimal)b.ComputeHours * option.PricePerAcceleratorHour, b.Compute);
        if (goodput == 1.0)
        {
            Assert.Equal(0m, b.FailuresAndRestarts + b.Checkpoints);
        }
    }

    [Theory]
    [InlineData(PricingModels.OnDemand)]
    [InlineData(PricingModels.Spot)]
    [InlineData(PricingModels.Committed1Y)]
    public void The_breakdown_parts_sum_to_the_total_cost_for_every_pricing_model(string model)
    {
        var offer = P5(model, 40m);

        var option = Assert.Single(Engine().Quote(Spec(acceleratorCount: 512, pricingModels: [model]), Prices(offer)).Options);

        var b = option.Breakdown;
        Assert.Equal(option.TotalCost, b.Compute + b.FailuresAndRestarts + b.Checkpoints + b.Preemptions + b.UnusedCommitment);
        Assert.True(b.Compute > 0 && b.FailuresAndRestarts > 0 && b.Checkpoints > 0);
        Assert.Equal(model == PricingModels.Spot, b.Preemptions > 0);
        Assert.Equal(model == PricingModels.Committed1Y, b.UnusedCommitment > 0);
        Close(option.AcceleratorHours, b.ComputeHours + b.CheckpointHours + b.FailureHours + b.PreemptionHours, 1e-12);
    }

    [Fact]
    public void A_goodput_override_applies_and_is_reported_with_source_request()
    {
        var result = Engine().Quote(Spec(mfu: 0.4) with { Goodput = 0.5 }, Prices(Offer()));

        var assumption = Assert.Single(result.Assumptions);
        Assert.Equal(0.5, assumption.Goodput);
        Assert.Equal("request", assumption.GoodputSource);
        Close(Hours(6 * 70e9 * D, H100DenseBf16, 0.4, 0.5), result.Options[0].AcceleratorHours);
    }

    [Fact]
    public void The_cost_range_comes_from_the_MFU_bounds()
    {
        // The flat model's rows alone set the MFU; its range is x0.8 to x1.2.
        var engine = new QuoteEngine(AcceleratorRegistry.Default, FlatEfficiency(new MfuRow("*", "bf16", 0.3, "judgement", "fallback"), new MfuRow(H100, "bf16", 0.45, "judgement", "row")));
        var flops = 6 * 70e9 * D;

        var option = Assert.Single(engine.Quote(Spec() with { Goodput = 0.9 }, Prices(Offer())).Options);

        var rate = 98.32m / 8;
        Close(Hours(flops, H100DenseBf16, 0.45, 0.9), option.AcceleratorHours);
        WithinACent((decimal)Hours(flops, H100DenseBf16, 0.45 * 1.2, 0.9) * rate, option.TotalCostLow);
        WithinACent((decimal)Hours(flops, H100DenseBf16, 0.45 * 0.8, 0.9) * rate, option.TotalCostHigh);
        Assert.True(option.TotalCostLow < option.TotalCost && option.TotalCost < option.TotalCostHigh);
    }

    [Fact]
    public void An_MFU_and_a_goodput_override_collapse_the_range_onto_the_quote()
    {
        var option = Assert.Single(Engine().Quote(Spec(mfu: 0.5) with { Goodput = 0.9 }, Prices(Offer())).Options);

        Assert.Equal(option.TotalCost, option.TotalCostLow);
        Assert.Equal(option.TotalCost, option.TotalCostHigh);
    }

    [Fact]
    public void A_provider_discount_takes_its_percentage_off_that_providers_prices_only()
    {
        var azure = Offer();
        var aws = Offer(provider: "aws", region: "us-east-1", instanceType: "p5.48xlarge", price: 55.04m);
        var full = Engine().Quote(Spec(maxOptions: 10), Prices(azure, aws));

        var discounted = Engine().Quote(Spec(maxOptions: 10) with { DiscountPercent = new Dictionary<string, double> { ["azure"] = 25 } }, Prices(azure, aws));

        var azureFull = full.Options.Single(o => o.Offer.Provider == "azure");
        var azureOff = discounted.Options.Single(o => o.Offer.Provider == "azure");
        Assert.Equal(98.32m / 8 * 0.75m, azureOff.PricePerAcceleratorHour);
        WithinACent(azureFull.TotalCost * 0.75m, azureOff.TotalCost);
        Assert.Equal("catalog_discounted", azureOff.PriceSource);
        Assert.Equal(25, azureOff.DiscountPercent);
        var awsOff = discounted.Options.Single(o => o.Offer.Provider == "aws");
        Assert.Equal(full.Options.Single(o => o.Offer.Provider == "aws").TotalCost, awsOff.TotalCost);
        Assert.Equal("catalog", awsOff.PriceSource);
    }

    [Fact]
    public void A_custom_price_replaces_every_catalog_price()
    {
        var offers = new[] { Offer(), Offer(provider: "aws", region: "us-east-1", instanceType: "p5.48xlarge", price: 55.04m) };

        var result = Engine().Quote(Spec() with { CustomPricePerAcceleratorHour = 2.00m }, Prices(offers));

        Assert.Equal(2, result.Options.Count);
        Assert.All(result.Options, o =>
        {
            Assert.Equal(2.00m, o.PricePerAcceleratorHour);
            Assert.Equal("custom", o.PriceSource);
            WithinACent((decimal)o.AcceleratorHours * 2.00m, o.TotalCost);
        });
    }

    [Fact]
    public void Energy_is_accelerator_hours_times_node_power_per_GPU_times_load_times_the_providers_PUE_and_CO2_uses_the_regions_grid()
    {
        var utilisation = DataFiles.Default("energyUtilisation");
        var node = PlanDataFiles.Family("azure", "Standard_ND96isr_H100_v5").NodePowerWatts!.Value;

        var option = Assert.Single(Engine().Quote(Spec(), Prices(Offer())).Options);

        // ND H100 v5: a DGX H100-class node, 10.2 kW for 8 GPUs.
        var kwh = option.AcceleratorHours * node / 8 / 1000 * utilisation * DataFiles.PueOf("azure");
        Close(kwh, option.EnergyKwh, 1e-9);
        Close(kwh * DataFiles.GridOf("azure", "eastus"), option.Co2Kg, 1e-9);
        Assert.Equal(DataFiles.PueOf("azure"), option.Pue);
        Assert.False(option.GridIntensityIsFallback);
    }

    [Fact]
    public void An_energy_utilisation_override_scales_energy_and_CO2()
    {
        var full = Assert.Single(Engine().Quote(Spec(), Prices(Offer())).Options);

        var half = Assert.Single(Engine().Quote(Spec() with { EnergyUtilisation = 0.5 }, Prices(Offer())).Options);

        Close(full.EnergyKwh * 0.5 / DataFiles.Default("energyUtilisation"), half.EnergyKwh, 1e-9);
        Close(full.Co2Kg * 0.5 / DataFiles.Default("energyUtilisation"), half.Co2Kg, 1e-9);
        Assert.Equal(0.5, half.Power!.LoadFactor);
    }

    [Fact]
    public void A_region_without_a_grid_row_uses_the_provider_average_with_a_warning()
    {
        var result = Engine().Quote(Spec(), Prices(Offer(region: "atlantiscentral")));

        var option = Assert.Single(result.Options);
        Assert.True(option.GridIntensityIsFallback);
        Assert.Equal(DataFiles.GridFallbacks.Single(f => f.Provider == "azure").KgCo2PerKwh, option.GridKgCo2PerKwh);
        Assert.Contains(result.Warnings, w => w.Contains("atlantiscentral", StringComparison.Ordinal));
    }

    [Fact]
    public void An_absurd_run_is_excluded_for_its_cost_not_thrown()
    {
        // A batch large enough to keep the 32K GPUs the state needs busy; 40,000 H100 at 1% MFU for 6e30 FLOPs.
        var spec = Spec(parameters: 1e14, tokens: 1e16, acceleratorCount: 40_000, mfu: 0.01) with { Goodput = 0.1, GlobalBatchTokens = 1e10 };

        var result = Engine().Quote(spec, Prices(Offer()));

        Assert.Empty(result.Options);
        Assert.Contains("Costs more than", Assert.Single(result.Excluded).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Compare_gives_the_cheapest_option_of_each_accelerator_type()
    {
        var all = Engine().Quote(Spec(maxOptions: 1000), Prices(QuoteEngineTests.Mixed));

        var comparison = Engine().Compare(Spec(), Prices(QuoteEngineTests.Mixed));

        var types = QuoteEngineTests.Mixed.Select(o => o.AcceleratorId).Distinct().Order(StringComparer.Ordinal).ToList();
        Assert.Equal(types, comparison.Choices.Select(c => c.AcceleratorId).Order(StringComparer.Ordinal));
        foreach (var choice in comparison.Choices)
        {
            var cheapest = all.Options.First(o => o.Offer.AcceleratorId == choice.AcceleratorId);
            Assert.NotNull(choice.Best);
            Assert.Equal(cheapest.Offer.OfferKey, choice.Best.Offer.OfferKey);
            Assert.Equal(cheapest.TotalCost, choice.Best.TotalCost);
            Assert.Equal(all.Options.Count(o => o.Offer.AcceleratorId == choice.AcceleratorId), choice.OptionsConsidered);
        }

        var bests = comparison.Choices.Select(c => c.Best!.TotalCost).ToList();
        Assert.Equal(bests.Order(), bests);
    }

    [Fact]
    public void Compare_says_why_a_type_has_no_option()
    {
        var l4 = Offer(provider: "gcp", region: "us-central1", instanceType: "g2-standard-4", acceleratorId: "nvidia-l4", acceleratorsPerInstance: 1m, price: 0.7m);

        // 64 accelerators: enough H100s for a 70B model, far too few 24 GB L4s (1,260 GB / 16.8 GB = 75).
        var comparison = Engine().Compare(Spec(acceleratorCount: 64), Prices(Offer(), l4));

        Assert.NotNull(comparison.Choices[0].Best);
        Assert.Equal(H100, comparison.Choices[0].AcceleratorId);
        var none = comparison.Choices[1];
        Assert.Equal("nvidia-l4", none.AcceleratorId);
        Assert.Null(none.Best);
        Assert.Equal(1, none.OptionsExcluded);
        Assert.Contains("at least 75", none.ExcludedReason, StringComparison.Ordinal);
    }

    [Fact]
    public void The_price_dependency_hash_moves_with_a_matching_offers_price_and_not_with_a_filtered_out_one()
    {
        var spec = Spec(acceleratorIds: [H100]);
        var a100 = Offer(instanceType: "Standard_ND96amsr_A100_v4", acceleratorId: A100, price: 32.77m);
        var before = Engine().PriceDependencyHash(spec, Prices(1, Offer(), a100));

        var a100Moved = Engine().PriceDependencyHash(spec, Prices(2, Offer(), a100 with { PricePerInstanceHour = 30m }));
        var h100Moved = Engine().PriceDependencyHash(spec, Prices(3, Offer(price: 90m), a100));
        var h100Gone = Engine().PriceDependencyHash(spec, Prices(4, a100));
        var sameAgain = Engine().PriceDependencyHash(spec, Prices(5, Offer(), a100));

        Assert.Equal(before, a100Moved);
        Assert.Equal(before, sameAgain);
        Assert.NotEqual(before, h100Moved);
        Assert.NotEqual(before, h100Gone);
    }
}
