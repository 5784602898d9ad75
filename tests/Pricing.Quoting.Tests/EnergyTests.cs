using static Pricing.Quoting.Tests.TestData;

namespace Pricing.Quoting.Tests;

/// <summary>
/// Energy at node level (docs/quote-model.md §8): accelerator-hours × node watts per accelerator (the family's node
/// power, else TDP × the node overhead, else a flagged fallback) × load factor × PUE; CO2 from the region's grid.
/// </summary>
public sealed class EnergyTests
{
    private static double Load => DataFiles.Default("energyUtilisation");

    /// <summary>Sized clusters and goodput fixed: energy follows from the hours whatever they are.</summary>
    private static QuoteResult Quote(Offer offer, int count = 64) =>
        Engine().Quote(Spec(acceleratorCount: count) with { Goodput = 0.9 }, Prices(offer));

    [Fact]
    public void A_p5_48xlarge_draws_its_node_power_over_its_eight_GPUs()
    {
        var family = PlanDataFiles.Family("aws", "p5.48xlarge");
        var offer = P5();

        var option = Assert.Single(Quote(offer).Options);

        Assert.Equal(10_200, family.NodePowerWatts);
        var watts = family.NodePowerWatts!.Value / 8;
        Assert.NotNull(option.Power);
        Assert.Equal(watts, option.Power.WattsPerAccelerator);
        Assert.Equal(Load, option.Power.LoadFactor);
        Assert.False(option.Power.Estimated);
        var kwh = option.AcceleratorHours * watts / 1000 * Load * DataFiles.PueOf("aws");
        Close(kwh, option.EnergyKwh, 1e-12);
        Close(kwh * DataFiles.GridOf("aws", "us-east-1"), option.Co2Kg, 1e-12);
        Assert.Equal(DataFiles.PueOf("aws"), option.Pue);
    }

    [Fact]
    public void A_family_without_node_power_uses_the_TDP_times_the_node_overhead_flagged_as_an_estimate()
    {
        // p5.4xlarge: one H100 (TDP 700 W), no published node figure.
        Assert.Null(PlanDataFiles.Family("aws", "p5.4xlarge").NodePowerWatts);
        var offer = Offer(provider: "aws", region: "us-east-1", instanceType: "p5.4xlarge", acceleratorsPerInstance: 1m, price: 6.88m);

        var option = Assert.Single(Quote(offer).Options);

        var watts = 700 * DataFiles.Default("nodePowerOverTdp");
        Close(watts, option.Power!.WattsPerAccelerator);
        Assert.True(option.Power.Estimated);
        Close(option.AcceleratorHours * watts / 1000 * Load * DataFiles.PueOf("aws"), option.EnergyKwh, 1e-12);
    }

    [Fact]
    public void TPU_v4_uses_its_measured_power_per_chip()
    {
        var family = PlanDataFiles.Family("gcp", "tpu-v4");
        var offer = Offer(provider: "gcp", region: "us-central2", instanceType: "tpu-v4", acceleratorId: "google-tpu-v4", acceleratorsPerInstance: 1m, price: 3.22m);

        var option = Assert.Single(Quote(offer).Options);

        Assert.Equal("tpu", family.FormFactor);
        Assert.Equal(family.NodePowerWatts, option.Power!.WattsPerAccelerator);
        Close(option.AcceleratorHours * family.NodePowerWatts!.Value / 1000 * Load * DataFiles.PueOf("gcp"), option.EnergyKwh, 1e-12);
    }

    [Theory]
    [InlineData("gcp", "us-east5", "tpu-v6e", "google-tpu-v6e", 1)]
    [InlineData("aws", "us-east-1", "trn1.32xlarge", "aws-trainium1", 16)]
    public void A_part_without_published_power_gets_the_flagged_fallback_never_zero(string provider, string region, string instanceType, string acceleratorId, int perInstance)
    {
        var offer = Offer(provider: provider, region: region, instanceType: instanceType, acceleratorId: acceleratorId, acceleratorsPerInstance: perInstance, price: 2.7m * perInstance);

        var result = Quote(offer);

        var option = Assert.Single(result.Options);
        var watts = DataFiles.Default("fallbackWattsPerAccelerator");
        Assert.Equal(watts, option.Power!.WattsPerAccelerator);
        Assert.True(option.Power.Estimated);
        Assert.True(option.EnergyKwh > 0);
        Close(option.AcceleratorHours * watts / 1000 * Load * DataFiles.PueOf(provider), option.EnergyKwh, 1e-12);
        Assert.Contains(result.Warnings, w => w.Contains(acceleratorId, StringComparison.Ordinal) && w.Contains("estimated", StringComparison.Ordinal));
    }
}
