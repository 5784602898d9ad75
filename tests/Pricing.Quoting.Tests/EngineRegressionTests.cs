using static Pricing.Quoting.Tests.TestData;

namespace Pricing.Quoting.Tests;

/// <summary>
/// Regression tests for five engine bugs a review found (exclusion texts cached across offers, a commitment's range
/// leaving its term, a fabric cap labelled as the batch's, an assumptions memory minimum that ignored the model shape).
/// </summary>
public sealed class EngineRegressionTests
{
    [Fact]
    public void A_memory_exclusion_states_the_minimum_of_its_own_offer()
    {
        var single = Offer(provider: "aws", region: "us-east-1", instanceType: "p5.4xlarge", acceleratorsPerInstance: 1m, price: 6.88m);

        var result = Engine().Quote(Spec(acceleratorCount: 16, maxOptions: 10), Prices(P5(), single));

        // 70B × 18 B / 56 GB per H100: 22.5, so 23 single-GPU instances or 3 instances of 8 (24).
        Assert.Empty(result.Options);
        Assert.Contains("at least 24 accelerators", result.Excluded.Single(e => e.Offer.InstanceType == "p5.48xlarge").Reason, StringComparison.Ordinal);
        Assert.Contains("at least 23 accelerators", result.Excluded.Single(e => e.Offer.InstanceType == "p5.4xlarge").Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_deadline_exclusion_names_its_own_instance_type()
    {
        // 12 h needs ~38K H100 at MFU 0.4, past the ~17K the batch law's 17M-token batch keeps busy.
        var result = Engine().Quote(Spec(mfu: 0.4, maxOptions: 10) with { DeadlineHours = 12, Goodput = 0.9 }, Prices(P5(), Offer()));

        Assert.Empty(result.Options);
        Assert.Equal(2, result.Excluded.Count);
        Assert.All(result.Excluded, e => Assert.Contains($"on {e.Offer.InstanceType}:", e.Reason, StringComparison.Ordinal));
    }

    [Fact]
    public void A_commitment_whose_range_stays_within_the_term_bills_the_whole_term_at_both_ends()
    {
        var offer = P5(PricingModels.Committed1Y, 36m);

        var option = Assert.Single(Engine().Quote(Spec() with { DeadlineHours = 720 }, Prices(offer)).Options);

        Assert.True(option.WallClockHours / PlanDataFiles.RangeLow < PricingTerms.HoursPerYear, "The slow end must still fit in one term.");
        PlanFormulas.WithinACent(option.Instances * 8760m * 36m, option.TotalCost);
        Assert.Equal(option.TotalCost, option.TotalCostHigh);
        Assert.Equal(option.TotalCost, option.TotalCostLow);
    }

    [Fact]
    public void A_default_plan_capped_by_the_missing_fabric_is_not_labelled_the_largest_useful_cluster()
    {
        var nc = Offer(instanceType: "Standard_NC24ads_A100_v4", acceleratorId: "nvidia-a100-80gb-pcie", acceleratorsPerInstance: 1m, price: 3.67m);

        // 1B on 1T tokens: ~20,000 A100-hours, more than 2 GPUs do in 60 days.
        var option = Assert.Single(Engine().Quote(Spec(parameters: 1e9, tokens: 1e12), Prices(nc)).Options);

        Assert.Equal(2, option.Instances);
        Assert.True(option.Accelerators < option.LargestUsefulAccelerators);
        Assert.NotEqual(ClusterBasis.LargestUseful, option.ClusterBasis);
    }

    [Fact]
    public void The_assumptions_minimum_agrees_with_the_memory_fit_when_the_model_shape_is_given()
    {
        var spec = Spec(parameters: 49e9, acceleratorCount: 16) with { Layers = 80, DModel = 8192, SequenceLength = 131072 };

        var result = Engine().Quote(spec, Prices(P5()));

        Assert.Contains("at least 24", Assert.Single(result.Excluded).Reason, StringComparison.Ordinal);
        Assert.True(Assert.Single(result.Assumptions).MinAcceleratorsForMemory > 16);
    }
}
