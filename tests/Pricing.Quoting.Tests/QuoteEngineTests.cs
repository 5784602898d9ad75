using static Pricing.Quoting.Tests.TestData;

namespace Pricing.Quoting.Tests;

/// <summary>
/// The engine against the formulas of docs/quote-model.md, each expected figure worked out here from the
/// published peaks and the data file's efficiency rows: FLOPs = 6·N·D; accelerator-hours =
/// FLOPs / (peak · MFU · goodput · 3600); cost = accelerator-hours × price per accelerator-hour.
/// </summary>
public sealed class QuoteEngineTests
{
    private const double SecondsPerHour = 3600.0;

    /// <summary>Llama-2-70B-like run: 70e9 parameters on 1.4e12 tokens.</summary>
    private const double N = 70e9;
    private const double D = 1.4e12;

    private static double ExpectedHours(double flops, double peak, double mfu, double goodput) =>
        flops / (peak * mfu * goodput * SecondsPerHour);

    private static void WithinACent(decimal expected, decimal actual) =>
        Assert.True(Math.Abs(expected - actual) <= 0.01m, $"Expected {expected} within a cent, got {actual}.");

    [Fact]
    public void Training_flops_are_six_times_parameters_times_tokens()
    {
        var result = Engine().Quote(Spec(parameters: N, tokens: D), Prices(Offer()));

        // 6 × 70e9 × 1.4e12 = 5.88e23.
        Close(5.88e23, result.TotalFlops);
    }

    [Fact]
    public void A_mixture_of_experts_model_is_costed_on_its_active_parameters()
    {
        // 1T total, 100B active per token, 10T tokens: 6 × 1e11 × 1e13 = 6e24, not 6e25.
        var result = Engine().Quote(Spec(parameters: 1e12, activeParameters: 1e11, tokens: 1e13, mfu: 0.4) with { Goodput = 0.9 }, Prices(Offer()));

        Close(6e24, result.TotalFlops);
        Close(ExpectedHours(6e24, H100DenseBf16, 0.4, 0.9), Assert.Single(result.Options).AcceleratorHours);
    }

    [Fact]
    public void Accelerator_hours_use_the_H100_dense_BF16_peak_and_the_run_dependent_MFU()
    {
        // The H100 row is vendor-based: its MFU and size factor come from the vendor runs × the production factor.
        var (row, curve) = EfficiencyModel.Default.Resolve(EfficiencyModel.Default.RowFor(H100, Precision.Bf16)!, H100DenseBf16, DataFiles.Speedups);
        // 64 H100 on 8 ND H100 v5 (400 Gbps InfiniBand per GPU, <= 1,024 GPUs): only the model-size factor moves the row.
        var mfu = row.Mfu * EfficiencyModel.Default.Estimate(row, curve, N, N, H100DenseBf16, 64, 1, null).ModelSizeFactor;
        Assert.InRange(mfu, 0.35, 0.45);

        var result = Engine().Quote(Spec(acceleratorCount: 64) with { Goodput = 0.9 }, Prices(Offer()));

        var option = Assert.Single(result.Options);
        Close(ExpectedHours(5.88e23, H100DenseBf16, mfu, 0.9), option.AcceleratorHours);
        var assumption = Assert.Single(result.Assumptions);
        Assert.Equal(H100, assumption.AcceleratorId);
        Close(H100DenseBf16, assumption.PeakFlops);
        Close(mfu, assumption.Mfu);
        Assert.Equal(0.9, assumption.Goodput);
        Assert.StartsWith(row.Source, assumption.MfuSource, StringComparison.Ordinal);
        Assert.Equal("request", assumption.GoodputSource);
        Assert.Empty(result.Warnings);
    }

    [Fact]
    public void Accelerator_hours_follow_the_formula_for_a_registry_and_efficiency_given_here()
    {
        // Round numbers: 1 PFLOP/s dense, MFU 0.5, goodput 0.8 → 1.44e18 useful FLOPs per accelerator-hour.
        var registry = new AcceleratorRegistry([new Accelerator("test-gpu", "Test", "Test GPU", 80, 1000, 2000, 700, "test")]);
        var efficiency = FlatEfficiency(new MfuRow("*", "bf16", 0.3, "judgement", "fallback"), new MfuRow("test-gpu", "bf16", 0.5, "judgement", "test row"));
        var engine = new QuoteEngine(registry, efficiency);

        var result = engine.Quote(Spec(parameters: 1e9, tokens: 1.2e11) with { Goodput = 0.8 },
            Prices(Offer(instanceType: "test-1x", acceleratorId: "test-gpu", acceleratorsPerInstance: 1m, price: 2m)));

        // 6 × 1e9 × 1.2e11 = 7.2e20 FLOPs; / 1.44e18 = 500 accelerator-hours; × $2 = $1,000.
        var option = Assert.Single(result.Options);
        Close(500, option.AcceleratorHours);
        Assert.Equal(1000.00m, option.TotalCost);
        Assert.StartsWith("test row", Assert.Single(result.Assumptions).MfuSource, StringComparison.Ordinal);
    }

    [Fact]
    public void An_accelerator_without_an_efficiency_row_uses_the_fallback()
    {
        var registry = new AcceleratorRegistry([new Accelerator("test-gpu", "Test", "Test GPU", 80, 1000, null, null, "test")]);
        var efficiency = FlatEfficiency(new MfuRow("*", "bf16", 0.25, "judgement", "fallback row"));

        var result = new QuoteEngine(registry, efficiency).Quote(Spec(parameters: 1e9, tokens: 1.2e11) with { Goodput = 0.5 },
            Prices(Offer(instanceType: "test-1x", acceleratorId: "test-gpu", acceleratorsPerInstance: 1m)));

        // 7.2e20 / (1e15 × 0.25 × 0.5 × 3600) = 1,600 accelerator-hours.
        Close(1600, Assert.Single(result.Options).AcceleratorHours);
        var assumption = Assert.Single(result.Assumptions);
        Assert.Equal(0.25, assumption.Mfu);
        Assert.StartsWith("fallback row", assumption.MfuSource, StringComparison.Ordinal);
    }

    [Fact]
    public void An_MFU_override_applies_and_is_reported_with_source_request()
    {
        var result = Engine().Quote(Spec(acceleratorCount: 64, mfu: 0.55), Prices(Offer()));

        // Goodput is not overridden: it comes from the failure model for 64 GPUs on 8 instances.
        var goodput = PlanFormulas.Goodput(64, 8).Goodput;
        Close(ExpectedHours(5.88e23, H100DenseBf16, 0.55, goodput), Assert.Single(result.Options).AcceleratorHours);
        var assumption = Assert.Single(result.Assumptions);
        Assert.Equal(0.55, assumption.Mfu);
        Assert.Equal("request", assumption.MfuSource);
        Close(goodput, assumption.Goodput);
        Assert.Contains("failure model", assumption.GoodputSource, StringComparison.Ordinal);
    }

    [Fact]
    public void FP8_uses_the_dense_FP8_peak()
    {
        var result = Engine().Quote(Spec(precision: Precision.Fp8, acceleratorCount: 64, mfu: 0.3) with { Goodput = 0.9 }, Prices(Offer()));

        Close(H100DenseFp8, Assert.Single(result.Assumptions).PeakFlops);
        Close(ExpectedHours(5.88e23, H100DenseFp8, 0.3, 0.9), Assert.Single(result.Options).AcceleratorHours);
    }

    [Fact]
    public void An_accelerator_with_no_published_peak_is_skipped_with_a_warning_not_priced()
    {
        var a10g = Offer(provider: "aws", region: "us-east-1", instanceType: "g5.xlarge", acceleratorId: A10G, acceleratorsPerInstance: 1m, price: 1.006m);
        var h100 = Offer();

        var result = Engine().Quote(Spec(), Prices(a10g, h100));

        var option = Assert.Single(result.Options);
        Assert.Equal(H100, option.Offer.AcceleratorId);
        Assert.Equal(1, result.OptionsConsidered);
        Assert.DoesNotContain(result.Assumptions, a => a.AcceleratorId == A10G);
        Assert.Contains(result.Warnings, w => w.Contains(A10G, StringComparison.Ordinal));
    }

    [Fact]
    public void FP8_on_an_accelerator_without_an_FP8_peak_is_skipped_with_a_warning()
    {
        var a100 = Offer(instanceType: "Standard_ND96amsr_A100_v4", acceleratorId: A100, price: 32.77m);

        var result = Engine().Quote(Spec(precision: Precision.Fp8), Prices(a100, Offer()));

        Assert.All(result.Options, o => Assert.Equal(H100, o.Offer.AcceleratorId));
        Assert.Contains(result.Warnings, w => w.Contains(A100, StringComparison.Ordinal));
    }

    [Fact]
    public void An_accelerator_missing_from_the_registry_is_skipped_with_a_warning()
    {
        var unknown = Offer(instanceType: "Standard_Mystery", acceleratorId: "acme-x1");

        var result = Engine().Quote(Spec(), Prices(unknown, Offer()));

        Assert.All(result.Options, o => Assert.Equal(H100, o.Offer.AcceleratorId));
        Assert.Contains(result.Warnings, w => w.Contains("acme-x1", StringComparison.Ordinal));
    }

    [Fact]
    public void When_nothing_matches_there_are_no_options_and_a_warning_says_so()
    {
        var result = Engine().Quote(Spec(regions: ["antarctica"]), Prices(Offer()));

        Assert.Empty(result.Options);
        Assert.Empty(result.Assumptions);
        Assert.Equal(0, result.OptionsConsidered);
        Assert.NotEmpty(result.Warnings);
    }

    [Fact]
    public void Options_are_ranked_by_total_cost_ascending()
    {
        Offer[] offers =
        [
            Offer(),                                                                                                   // H100 on demand, 12.29/acc-h
            Offer(pricingModel: PricingModels.Spot, price: 39.33m),                                                     // H100 spot, 4.92/acc-h
            Offer(instanceType: "Standard_ND96amsr_A100_v4", acceleratorId: A100, price: 32.77m),                       // A100 on demand, 4.10/acc-h
            Offer(provider: "aws", region: "us-east-1", instanceType: "p4de.24xlarge", acceleratorId: A100, price: 40.97m),
            Offer(instanceType: "Standard_ND96isr_H200_v5", acceleratorId: "nvidia-h200-141gb", price: 110.24m),
        ];

        // MFU and goodput fixed, so each offer's hours follow from its peak alone. Spot is named, so its plan is offered
        // although 8 × ND H100 on spot for months is past the spot rule of capacity-rules.json (at most 4 for 7 days).
        var result = Engine().Quote(Spec(acceleratorCount: 64, mfu: 0.4, pricingModels: AllModels) with { Goodput = 0.9 }, Prices(offers));

        // Each offer's cost from the formula, independently of the engine.
        var registry = AcceleratorRegistry.Default;
        var expected = offers
            .Select(o =>
            {
                registry.TryGet(o.AcceleratorId, out var accelerator);
                var hours = ExpectedHours(5.88e23, accelerator.PeakDenseBf16Tflops!.Value * 1e12, 0.4, 0.9);
                return (o.OfferKey, Cost: (decimal)hours * o.PricePerInstanceHour / o.AcceleratorsPerInstance, Days: hours / 64 / 24);
            })
            // Unobtainable plans rank after every obtainable one: spot past its rule, and plans longer than a year (the A100s).
            .OrderBy(x => x.OfferKey.EndsWith("|spot", StringComparison.Ordinal) || x.Days > 365)
            .ThenBy(x => x.Cost)
            .ToList();

        Assert.Equal(expected.Select(x => x.OfferKey), result.Options.Select(o => o.Offer.OfferKey));
        for (var i = 0; i < expected.Count; i++)
        {
            WithinACent(expected[i].Cost, result.Options[i].TotalCost);
        }

        var obtainable = result.Options.Where(o => o.Capacity!.Obtainable).Select(o => o.TotalCost).ToList();
        Assert.Equal(obtainable.Order(), obtainable);
        Assert.Equal(expected.Count(x => x.OfferKey.EndsWith("|spot", StringComparison.Ordinal) || x.Days > 365), result.Options.Count(o => !o.Capacity!.Obtainable));
        // Every priced accelerator has its assumptions listed once.
        Assert.Equal(offers.Select(o => o.AcceleratorId).Distinct().Order(StringComparer.Ordinal), result.Assumptions.Select(a => a.AcceleratorId));
    }

    /// <summary>Every pricing model of <see cref="Mixed"/>, named: spot named is offered past the spot rule (capacity-rules.json), marked unobtainable.</summary>
    private static readonly IReadOnlyList<string> AllModels = [PricingModels.OnDemand, PricingModels.Spot, PricingModels.Committed1Y];

    public static readonly Offer[] Mixed =
    [
        Offer(),
        Offer(pricingModel: PricingModels.Spot, price: 39.33m),
        Offer(region: "westus3", price: 98.32m),
        Offer(region: "westus3", pricingModel: PricingModels.Committed1Y, price: 62.92m),
        Offer(instanceType: "Standard_ND96amsr_A100_v4", acceleratorId: A100, price: 32.77m),
        Offer(instanceType: "Standard_ND96amsr_A100_v4", acceleratorId: A100, region: "westus3", pricingModel: PricingModels.Spot, price: 13.1m),
        Offer(provider: "aws", region: "us-east-1", instanceType: "p5.48xlarge", price: 55.04m),
        Offer(provider: "aws", region: "us-east-1", instanceType: "p5.48xlarge", pricingModel: PricingModels.Spot, price: 30.2m),
        Offer(provider: "aws", region: "us-east-1", instanceType: "p4de.24xlarge", acceleratorId: A100, price: 40.97m),
        Offer(provider: "gcp", region: "us-central1", zone: "us-central1-a", instanceType: "a3-highgpu-8g", price: 88.49m),
    ];

    private static void AssertSameOffers(IEnumerable<Offer> expected, QuoteResult result)
    {
        Assert.Equal(expected.Select(o => o.OfferKey).Order(StringComparer.Ordinal), result.Options.Select(o => o.Offer.OfferKey).Order(StringComparer.Ordinal));
        Assert.Equal(result.Options.Count, result.OptionsConsidered);
    }

    [Fact]
    public void The_clouds_filter_keeps_only_the_named_providers()
    {
        var result = Engine().Quote(Spec(clouds: ["aws", "gcp"], pricingModels: AllModels), Prices(Mixed));

        AssertSameOffers(Mixed.Where(o => o.Provider is "aws" or "gcp"), result);
    }

    [Fact]
    public void The_regions_filter_keeps_only_the_named_regions()
    {
        var result = Engine().Quote(Spec(regions: ["westus3", "us-central1"], pricingModels: AllModels), Prices(Mixed));

        AssertSameOffers(Mixed.Where(o => o.Region is "westus3" or "us-central1"), result);
    }

    [Fact]
    public void The_pricing_models_filter_keeps_only_the_named_models()
    {
        var result = Engine().Quote(Spec(pricingModels: [PricingModels.Spot, PricingModels.Committed1Y]), Prices(Mixed));

        AssertSameOffers(Mixed.Where(o => o.PricingModel is PricingModels.Spot or PricingModels.Committed1Y), result);
    }

    [Fact]
    public void The_accelerator_filter_keeps_only_the_named_accelerators()
    {
        var result = Engine().Quote(Spec(acceleratorIds: [A100], pricingModels: AllModels), Prices(Mixed));

        AssertSameOffers(Mixed.Where(o => o.AcceleratorId == A100), result);
        Assert.Equal(A100, Assert.Single(result.Assumptions).AcceleratorId);
    }

    [Fact]
    public void Filters_combine()
    {
        var result = Engine().Quote(Spec(clouds: ["azure"], regions: ["westus3"], pricingModels: [PricingModels.Spot], acceleratorIds: [A100]), Prices(Mixed));

        AssertSameOffers(Mixed.Where(o => o.Provider == "azure" && o.Region == "westus3" && o.PricingModel == PricingModels.Spot && o.AcceleratorId == A100), result);
        Assert.Single(result.Options);
    }

    [Fact]
    public void Max_options_truncates_to_the_cheapest_and_reports_how_many_were_considered()
    {
        var all = Engine().Quote(Spec(maxOptions: 1000, pricingModels: AllModels), Prices(Mixed));
        var top3 = Engine().Quote(Spec(maxOptions: 3, pricingModels: AllModels), Prices(Mixed));

        Assert.Equal(Mixed.Length, all.Options.Count);
        Assert.Equal(3, top3.Options.Count);
        Assert.Equal(Mixed.Length, top3.OptionsConsidered);
        var cheapest = top3.Options.Max(o => o.TotalCost);
        // Obtainable plans first: what is left out is dearer, or not obtainable as planned.
        Assert.All(all.Options.Where(o => !top3.Options.Any(t => t.Offer.OfferKey == o.Offer.OfferKey)), o => Assert.True(o.TotalCost >= cheapest || !o.Capacity!.Obtainable));
    }

    [Fact]
    public void Max_options_zero_means_twenty()
    {
        var offers = Enumerable.Range(1, 25).Select(i => Offer(region: $"region-{i:00}", price: 90m + i)).ToArray();

        var result = Engine().Quote(Spec(maxOptions: 0), Prices(offers));

        Assert.Equal(20, result.Options.Count);
        Assert.Equal(25, result.OptionsConsidered);
    }

    /// <summary>A 7B model: 126 GB of state fits on three H100s, so the cluster (not memory) decides the size.</summary>
    private const double Small = 7e9;
    private const double SmallFlops = 6 * Small * D;

    [Theory]
    [InlineData(12, 2)]
    [InlineData(16, 2)]
    [InlineData(17, 3)]
    [InlineData(1024, 128)]
    public void A_cluster_rents_whole_instances(int cluster, int instances)
    {
        var hours = ExpectedHours(SmallFlops, H100DenseBf16, 0.4, 0.9);

        var option = Assert.Single(Engine().Quote(Spec(parameters: Small, acceleratorCount: cluster, mfu: 0.4) with { Goodput = 0.9 }, Prices(Offer())).Options);

        Assert.Equal(instances, option.Instances);
        Assert.Equal(instances * 8, option.Accelerators);
        Assert.Equal(ClusterBasis.Requested, option.ClusterBasis);
        // The run spreads over every rented accelerator: 12 GPUs on 8-GPU instances → 16 GPUs, wall-clock = hours / 16.
        Close(hours / (instances * 8), option.WallClockHours);
        Close(hours, option.AcceleratorHours);
    }

    [Fact]
    public void A_bigger_cluster_needs_more_accelerator_hours_for_the_same_run()
    {
        // Lower MFU at scale and more interruptions: accelerator-hours grow with the cluster.
        var hours = new[] { 64, 1024, 4096 }
            .Select(n => Assert.Single(Engine().Quote(Spec(parameters: Small, acceleratorCount: n), Prices(Offer())).Options).AcceleratorHours)
            .ToList();

        Assert.True(hours[0] < hours[1] && hours[1] < hours[2], string.Join(" < ", hours));
    }

    /// <summary>Tiny model (1.8 GB of state) so that even a sixth of an A10 holds it.</summary>
    private const double Tiny = 1e8;
    private const double TinyFlops = 6 * Tiny * D;

    [Fact]
    public void A_fractional_instance_prices_an_accelerator_hour_at_the_inverse_fraction_times_the_instance_price()
    {
        // One sixth of an A10 at $0.454 per instance-hour (as Standard_NV6ads_A10_v5, under a name without a family row:
        // the real size is excluded as not offered for training).
        var sixth = Offer(instanceType: "test-sixth-a10", acceleratorId: A10, acceleratorsPerInstance: 1m / 6m, price: 0.454m);
        var hours = ExpectedHours(TinyFlops, 125e12, 0.4, 0.9);

        Assert.True(Math.Abs(6m * 0.454m - sixth.PricePerAcceleratorHour) < 1e-9m, $"Price per accelerator-hour {sixth.PricePerAcceleratorHour}.");

        var option = Assert.Single(Engine().Quote(Spec(parameters: Tiny, mfu: 0.4) with { Goodput = 0.9, DeadlineHours = 24 * 3650 }, Prices(sixth)).Options);
        Assert.Equal(1, option.Instances);
        // One sixth of a GPU takes six times as long as a whole one.
        Close(hours * 6, option.WallClockHours, 1e-9);
        WithinACent((decimal)hours * 6m * 0.454m, option.TotalCost);
    }

    [Fact]
    public void A_cluster_of_fractional_instances_without_a_fabric_is_excluded_past_two_instances()
    {
        var sixth = Offer(instanceType: "test-sixth-a10", acceleratorId: A10, acceleratorsPerInstance: 1m / 6m, price: 0.454m);

        var result = Engine().Quote(Spec(parameters: Tiny, acceleratorCount: 2), Prices(sixth));

        Assert.Empty(result.Options);
        var reason = Assert.Single(result.Excluded).Reason;
        Assert.Contains("12 × test-sixth-a10 would need a training-grade fabric", reason, StringComparison.Ordinal);
        Assert.Contains("not in instance-families.json", reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(24)]
    [InlineData(1024)]
    public void Cost_is_billed_hours_times_price_per_accelerator_hour_within_a_cent(int cluster)
    {
        var result = Engine().Quote(Spec(acceleratorCount: cluster, mfu: 0.4, pricingModels: AllModels) with { Goodput = 0.9 }, Prices(Mixed));

        Assert.Equal(Mixed.Length, result.Options.Count);
        foreach (var option in result.Options)
        {
            // Hours used, plus the unused rest of a commitment's term (0 for on demand and spot).
            WithinACent((decimal)(option.AcceleratorHours + option.Breakdown.UnusedCommitmentHours) * option.Offer.PricePerAcceleratorHour, option.TotalCost);
            Assert.Equal(option.Offer.PricingModel == PricingModels.Committed1Y, option.Breakdown.UnusedCommitmentHours > 0);
        }

        // The Azure H100 on-demand figure worked out in full: hours × 98.32 / 8.
        var h100 = result.Options.Single(o => o.Offer.OfferKey == Offer().OfferKey);
        WithinACent((decimal)ExpectedHours(5.88e23, H100DenseBf16, 0.4, 0.9) * (98.32m / 8m), h100.TotalCost);
    }

    [Fact]
    public void Each_option_carries_its_catalog_version_and_as_of()
    {
        var result = Engine().Quote(Spec(), Prices(7, Offer()));

        var option = Assert.Single(result.Options);
        Assert.Equal(7, option.CatalogVersion);
        Assert.Equal(AsOf, option.CatalogAsOf);
    }
}
