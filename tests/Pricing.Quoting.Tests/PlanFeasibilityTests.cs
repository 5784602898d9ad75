using static Pricing.Quoting.Tests.TestData;

namespace Pricing.Quoting.Tests;

/// <summary>
/// Plans a team could run (docs/quote-model.md §3): whole instances joined by a training-grade fabric past two of them,
/// no more accelerators than the global batch keeps busy, trainable parts only, and a default plan sized to the default
/// deadline rather than the memory minimum.
/// </summary>
public sealed class PlanFeasibilityTests
{
    private const double N = 70e9;
    private const double D = 1.4e12;

    private static Offer Trn1Small => Offer(provider: "aws", region: "us-east-1", instanceType: "trn1.2xlarge", acceleratorId: "aws-trainium1", acceleratorsPerInstance: 1m, price: 1.34m);

    private static Offer NcA100 => Offer(instanceType: "Standard_NC24ads_A100_v4", acceleratorId: "nvidia-a100-80gb-pcie", acceleratorsPerInstance: 1m, price: 3.67m);

    /// <summary>The batch law's default batch (tokens) for a run of <paramref name="parameters"/> × <paramref name="tokens"/>.</summary>
    private static double LawBatch(double parameters, double tokens) =>
        Math.Round(DataFiles.Default("batchLawCoefficient") * Math.Pow(6 * parameters * tokens, DataFiles.Default("batchLawExponent")));

    /// <summary>Replicas of tensor parallel 8 (p5), one sequence of the assumed length per pipeline stage: batch × 8 / sequence.</summary>
    private static long Useful(double batch) => (long)Math.Floor(batch * 8 / DataFiles.Default("tokensPerContextRank"));

    /// <summary>Tokens per step that keep <paramref name="accelerators"/> busy at tensor parallel 8.</summary>
    private static double BatchFor(long accelerators) => accelerators * DataFiles.Default("tokensPerContextRank") / 8;

    /// <summary>The default batch of 70B on 1.4T tokens (about 17M tokens) keeps about 17,000 H100 busy.</summary>
    private static long UsefulSmall => Useful(LawBatch(N, D));

    /// <summary>The largest useful cluster a quote of the spec on a p5.48xlarge reports.</summary>
    private static long LargestUseful(QuoteSpec spec) => Assert.Single(Engine().Quote(spec, Prices(P5())).Options).LargestUsefulAccelerators;

    [Fact]
    public void The_largest_useful_cluster_is_the_global_batch_over_one_sequence_per_tensor_parallel_group()
    {
        Assert.InRange(UsefulSmall, 16_000, 18_000);
        Assert.Equal(UsefulSmall, LargestUseful(Spec(parameters: N)));
        // A larger model on the same tokens: more compute, a larger default batch.
        Assert.Equal(Useful(LawBatch(405e9, D)), LargestUseful(Spec(parameters: 405e9)));
        Assert.Equal(2048, LargestUseful(Spec(parameters: N) with { GlobalBatchTokens = BatchFor(2048) }));
        Assert.Equal("request", Assert.Single(Engine().Quote(Spec() with { GlobalBatchTokens = 1e6 }, Prices(P5())).Assumptions).GlobalBatchSource);
    }

    [Theory]
    [InlineData("trn1.2xlarge")]
    [InlineData("Standard_NC24ads_A100_v4")]
    public void Single_accelerator_instances_without_a_training_grade_fabric_are_excluded_past_two_with_the_reason_naming_the_fabric(string instanceType)
    {
        var offer = instanceType == "trn1.2xlarge" ? Trn1Small : NcA100;
        var family = PlanDataFiles.Family(offer.Provider, instanceType);
        Assert.False(family.TrainingGradeFabric);

        var result = Engine().Quote(Spec(acceleratorCount: 64), Prices(offer, P5()));

        var option = Assert.Single(result.Options);
        Assert.Equal("p5.48xlarge", option.Offer.InstanceType);
        var excluded = Assert.Single(result.Excluded);
        Assert.Equal(offer.OfferKey, excluded.Offer.OfferKey);
        Assert.Contains("training-grade fabric", excluded.Reason, StringComparison.Ordinal);
        Assert.Contains(family.ScaleOutDetail, excluded.Reason, StringComparison.Ordinal);
        Assert.Contains("at most 2 instances", excluded.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Two_instances_without_a_training_grade_fabric_may_join_one_job_at_the_without_fabric_factor()
    {
        // 1B parameters fit on one A100 PCIe; two of them joined by Ethernet.
        var result = Engine().Quote(Spec(parameters: 1e9, tokens: 2e10, acceleratorCount: 2) with { Goodput = 0.9 }, Prices(NcA100));

        var option = Assert.Single(result.Options);
        Assert.Equal(2, option.Instances);
        Assert.NotNull(option.Mfu);
        Assert.Equal(PlanDataFiles.WithoutTrainingFabric, option.Mfu.FabricFactor);
        Assert.Equal(1, Assert.Single(Engine().Quote(Spec(parameters: 1e9, tokens: 2e10, acceleratorCount: 1), Prices(NcA100)).Options).Mfu!.FabricFactor);
    }

    [Fact]
    public void A_deadline_that_needs_more_than_two_instances_without_a_fabric_is_refused_naming_the_fabric()
    {
        var family = PlanDataFiles.Family("aws", "trn1.2xlarge");

        var result = Engine().Quote(Spec() with { DeadlineHours = 24 * 30 }, Prices(Trn1Small));

        Assert.Empty(result.Options);
        var reason = Assert.Single(result.Excluded).Reason;
        Assert.Contains("Cannot finish in 720 h", reason, StringComparison.Ordinal);
        Assert.Contains("no training-grade fabric", reason, StringComparison.Ordinal);
        Assert.Contains(family.ScaleOutDetail, reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Inferentia_offers_are_excluded_as_not_trainable()
    {
        var inf2 = Offer(provider: "aws", region: "us-east-1", instanceType: "inf2.48xlarge", acceleratorId: "aws-inferentia2", acceleratorsPerInstance: 12m, price: 12.98m);
        Assert.True(AcceleratorRegistry.Default.TryGet("aws-inferentia2", out var inferentia));
        Assert.False(inferentia.Trainable);

        var result = Engine().Quote(Spec(parameters: 7e9, tokens: 1.4e11), Prices(inf2, P5()));

        Assert.Equal("p5.48xlarge", Assert.Single(result.Options).Offer.InstanceType);
        var excluded = Assert.Single(result.Excluded);
        Assert.Equal(inf2.OfferKey, excluded.Offer.OfferKey);
        Assert.Contains("not offered for training", excluded.Reason, StringComparison.Ordinal);
        Assert.Contains(inferentia.NotTrainableReason!, excluded.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_family_that_is_not_offered_for_training_is_excluded_with_its_reason()
    {
        // One sixth of an A10 sold as a virtual workstation.
        var sixth = Offer(instanceType: "Standard_NV6ads_A10_v5", acceleratorId: A10, acceleratorsPerInstance: 1m / 6m, price: 0.454m);
        var family = PlanDataFiles.Family("azure", "Standard_NV6ads_A10_v5");
        Assert.False(family.Trainable);

        var result = Engine().Quote(Spec(parameters: 1e8, tokens: 2e9), Prices(sixth));

        Assert.Empty(result.Options);
        var reason = Assert.Single(result.Excluded).Reason;
        Assert.Contains("Standard_NV6ads_A10_v5 is not offered for training", reason, StringComparison.Ordinal);
        Assert.Contains(family.NotTrainableReason!, reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_deadline_that_needs_more_than_the_largest_useful_cluster_is_refused_with_the_reason()
    {
        // 70B on 1.4T tokens in 12 hours needs ~36,000 H100s; the default 17M-token batch keeps ~17,000 busy.
        var result = Engine().Quote(Spec(mfu: 0.4) with { DeadlineHours = 12, Goodput = 0.9 }, Prices(P5()));

        var needed = PlanFormulas.Hours(6 * N * D, H100DenseBf16, 0.4, 0.9) / 12;
        Assert.True(needed > UsefulSmall, $"The test needs a deadline beyond the useful cluster: {needed:N0} accelerators.");
        Assert.Empty(result.Options);
        var reason = Assert.Single(result.Excluded).Reason;
        Assert.Contains("Cannot finish in 12 h", reason, StringComparison.Ordinal);
        Assert.Contains($"keeps at most {UsefulSmall:N0} accelerators busy", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_requested_count_above_the_largest_useful_cluster_is_refused()
    {
        var result = Engine().Quote(Spec(acceleratorCount: (int)UsefulSmall + 8), Prices(P5()));

        Assert.Empty(result.Options);
        var reason = Assert.Single(result.Excluded).Reason;
        Assert.Contains($"{UsefulSmall + 8:N0} accelerators are more than a global batch", reason, StringComparison.Ordinal);
        // Exactly the largest useful cluster is a plan.
        Assert.Single(Engine().Quote(Spec(acceleratorCount: (int)UsefulSmall), Prices(P5())).Options);
    }

    [Fact]
    public void A_raised_global_batch_admits_a_larger_cluster()
    {
        var count = (int)UsefulSmall * 2;

        var result = Engine().Quote(Spec(acceleratorCount: count) with { GlobalBatchTokens = BatchFor(count) }, Prices(P5()));

        Assert.Equal(count, Assert.Single(result.Options).Accelerators);
    }

    [Fact]
    public void A_model_whose_state_needs_more_accelerators_than_the_batch_keeps_busy_is_excluded()
    {
        // 1T parameters × 18 B = 18 TB: 322 H100s after the 30% allowance, against 256 busy with a 262,144-token batch.
        var result = Engine().Quote(Spec(parameters: 1e12) with { GlobalBatchTokens = 256 * 1024 }, Prices(P5()));

        Assert.Empty(result.Options);
        Assert.Contains("raise global_batch_tokens or pick a larger accelerator", Assert.Single(result.Excluded).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void The_default_plan_finishes_within_the_default_deadline_on_more_than_the_memory_minimum()
    {
        var deadline = DataFiles.Default("defaultDeadlineDays") * 24;
        // 70B × 18 B/parameter / (80 GB × 0.7): 23 H100s, so 3 instances of 8.
        var memoryInstances = (int)Math.Ceiling(18 * N / (8 * 80e9 * (1 - DataFiles.Default("activationAllowance"))));

        var result = Engine().Quote(Spec(parameters: N, tokens: D), Prices(P5()));

        var option = Assert.Single(result.Options);
        Assert.Equal(ClusterBasis.DefaultDeadline, option.ClusterBasis);
        Assert.Equal(3, memoryInstances);
        Assert.True(option.Instances > memoryInstances, $"{option.Instances} instances is the memory minimum.");
        Assert.True(option.WallClockHours <= deadline, $"{option.WallClockHours / 24:N1} days misses the {deadline / 24} day default.");
        Assert.True(option.Accelerators <= UsefulSmall);
        Assert.Equal(UsefulSmall, option.LargestUsefulAccelerators);
        Assert.Contains(result.Warnings, w => w.Contains("No cluster size or deadline given", StringComparison.Ordinal));
        // The smallest such cluster: one instance fewer misses the default deadline.
        var fewer = Assert.Single(Engine().Quote(Spec(parameters: N, tokens: D, acceleratorCount: (option.Instances - 1) * 8), Prices(P5())).Options);
        Assert.True(fewer.WallClockHours > deadline, $"{option.Instances - 1} instances also finish in {fewer.WallClockHours / 24:N1} days.");
    }

    [Fact]
    public void The_default_plan_of_a_run_too_big_for_the_default_deadline_takes_the_largest_useful_cluster()
    {
        // 70B on 1,000T tokens: ~300M H100-hours, more than a 4M-token batch (4,096 GPUs, under the on-demand fleet the
        // engine counts on) can do in 60 days.
        var batch = BatchFor(4096);
        var result = Engine().Quote(Spec(parameters: N, tokens: 1e15) with { GlobalBatchTokens = batch }, Prices(P5()));

        var option = Assert.Single(result.Options);
        Assert.Equal(ClusterBasis.LargestUseful, option.ClusterBasis);
        Assert.Equal(Useful(batch), option.Accelerators);
        Assert.True(option.WallClockHours > DataFiles.Default("defaultDeadlineDays") * 24);
    }

    [Fact]
    public void The_default_plan_stays_within_the_fleet_the_engine_counts_on_and_runs_longer()
    {
        // 405B on 15.6T tokens needs ~4,600 p5.48xlarge for 60 days, more than the 2,500 on-demand instances the engine
        // judges obtainable (capacity-rules.json): the default plan takes those, for longer, and is obtainable.
        var cap = CapacityRules.Default.PlannedCap(P5(), PricingModels.Terms(PricingModels.OnDemand))!.Value;
        var option = Assert.Single(Engine().Quote(Spec(parameters: 405e9, tokens: 15.6e12), Prices(P5())).Options);

        Assert.Equal(ClusterBasis.CapacityLimit, option.ClusterBasis);
        Assert.Equal(cap, option.Instances);
        Assert.True(option.Capacity!.Obtainable);
        Assert.True(option.WallClockHours > DataFiles.Default("defaultDeadlineDays") * 24);
        // A deadline the user gives is met if it can be, and the plan says it is over what the engine counts on.
        var asked = Assert.Single(Engine().Quote(Spec(parameters: 405e9, tokens: 15.6e12) with { DeadlineHours = option.WallClockHours * 0.9 }, Prices(P5())).Options);
        Assert.True(asked.Instances > cap);
        Assert.False(asked.Capacity!.Obtainable);
    }

    [Fact]
    public void A_small_run_that_fits_one_instance_in_the_default_deadline_rents_one()
    {
        var option = Assert.Single(Engine().Quote(Spec(parameters: 1e9, tokens: 2e10), Prices(P5())).Options);

        Assert.Equal(1, option.Instances);
        Assert.Equal(ClusterBasis.OneInstance, option.ClusterBasis);
    }

    [Fact]
    public void Spot_named_needs_more_accelerator_hours_than_on_demand_on_the_same_instance_and_says_a_large_long_run_is_not_obtainable()
    {
        var onDemand = P5();
        var spot = P5(PricingModels.Spot, 30.2m);

        var result = Engine().Quote(Spec(acceleratorCount: 512, maxOptions: 10, pricingModels: [PricingModels.OnDemand, PricingModels.Spot]), Prices(onDemand, spot));

        var od = result.Options.Single(o => o.Offer.PricingModel == PricingModels.OnDemand);
        var sp = result.Options.Single(o => o.Offer.PricingModel == PricingModels.Spot);
        Assert.Equal(od.Instances, sp.Instances);
        Assert.True(sp.AcceleratorHours > od.AcceleratorHours, $"Spot {sp.AcceleratorHours:N0} h, on demand {od.AcceleratorHours:N0} h.");
        // The extra hours are the preemptions of the failure model (AWS spot rate per instance-month).
        var spotRate = PlanDataFiles.Cost("aws").SpotInterruptionsPerInstanceMonth;
        Close(PlanFormulas.Goodput(512, 64, spotRate).Goodput, sp.Goodput!.Goodput, 1e-12);
        Close(od.AcceleratorHours * od.Goodput!.Goodput / sp.Goodput.Goodput, sp.AcceleratorHours, 1e-12);
        Assert.True(sp.Breakdown.PreemptionHours > 0 && sp.Breakdown.Preemptions > 0);
        Assert.Equal(0, od.Breakdown.PreemptionHours);
        Assert.False(sp.Capacity!.Obtainable);
        Assert.Contains("64 × p5.48xlarge", sp.Capacity.Reason, StringComparison.Ordinal);
        Assert.Contains(result.Warnings, w => w.StartsWith("Not obtainable as planned: 64 × p5.48xlarge (spot)", StringComparison.Ordinal));
        // Obtainable first: on demand ranks above spot although spot costs less.
        Assert.Equal([PricingModels.OnDemand, PricingModels.Spot], result.Options.Select(o => o.Offer.PricingModel));
    }

    [Fact]
    public void A_short_spot_run_on_one_instance_has_no_capacity_warning()
    {
        var result = Engine().Quote(Spec(parameters: 1e9, tokens: 2e10), Prices(P5(PricingModels.Spot, 30.2m)));

        var option = Assert.Single(result.Options);
        Assert.True(option.WallClockHours < 7 * 24);
        Assert.True(option.Capacity!.Obtainable);
        Assert.Equal("spot", option.Capacity.Kind);
        Assert.DoesNotContain(result.Warnings, w => w.StartsWith("Not obtainable", StringComparison.Ordinal));
    }
}
