using Pricing.Catalog;
using Pricing.Sources;

namespace Gcp.Pricing.Tests;

/// <summary>TPUs are priced per chip-hour: one chip is one offer ("instance"), a slice of N chips costs N times it.</summary>
public sealed class TpuTests
{
    private static string Tpu(string description, string units, long nanos, string skuId, string usageType = "OnDemand", params string[] regions) =>
        ApiJson.Sku(description, units, nanos, skuId, "TPU", usageType, regions.Length == 0 ? ["us-central1"] : regions);

    private static ValidatedOffers Validate(MappingResult composition) =>
        new OfferValidator(AcceleratorRegistry.Default).Validate(composition.Offers, composition.Quarantined);

    [Fact]
    public async Task A_TPU_chip_hour_is_one_accelerator_hour_in_every_region_the_SKU_serves()
    {
        var composition = await ApiJson.ComposeAsync(Tpu("TpuV5p running in Americas", "4", 200000000, "V5P", "OnDemand", "us-central1", "us-east5"));

        Assert.Equal(2, composition.Offers.Count);
        Assert.All(composition.Offers, o =>
        {
            Assert.Equal("tpu-v5p", o.InstanceType);
            Assert.Equal("google-tpu-v5p", o.AcceleratorId);
            Assert.Equal(1m, o.AcceleratorsPerInstance);
            Assert.Equal(4.2m, o.PricePerInstanceHour);
            Assert.Equal(4.2m, o.PricePerAcceleratorHour);
            Assert.Equal("V5P", o.SkuId);
        });
    }

    [Fact]
    public async Task Each_generation_maps_to_its_own_accelerator()
    {
        var composition = await ApiJson.ComposeAsync(
            Tpu("TpuV5e running in Americas", "1", 200000000, "V5E"),
            Tpu("TpuV6e running in Iowa", "2", 700000000, "V6E"),
            Tpu("Tpu-v4 Pod running in Oklahoma", "3", 220000000, "V4", "OnDemand", "us-central2"));

        Assert.Equal(
            [("tpu-v4", "google-tpu-v4", 3.22m), ("tpu-v5e", "google-tpu-v5e", 1.2m), ("tpu-v6e", "google-tpu-v6e", 2.7m)],
            composition.Offers.Select(o => (o.InstanceType, o.AcceleratorId, o.PricePerInstanceHour)).OrderBy(t => t.InstanceType, StringComparer.Ordinal));
    }

    [Fact]
    public async Task The_700_placeholder_reaches_the_validator_and_is_quarantined_while_the_real_price_stays()
    {
        var composition = await ApiJson.ComposeAsync(
            Tpu("TpuV6e running in Santiago", "2", 700000000, "V6E-OD", "OnDemand", "southamerica-west1"),
            Tpu("TpuV6e attached to Spot Preemptible VMs running in Santiago", "700", 0, "V6E-SPOT", "Preemptible", "southamerica-west1"));

        var candidate = Assert.Single(composition.Offers, o => o.PricingModel == PricingModels.Spot);
        Assert.Equal(700m, candidate.PricePerAcceleratorHour);

        var validated = Validate(composition);
        var kept = Assert.Single(validated.Offers);
        Assert.Equal((PricingModels.OnDemand, 2.7m), (kept.PricingModel, kept.PricePerInstanceHour));
        var row = Assert.Single(validated.Quarantined);
        Assert.Equal(QuarantineRules.ImplausiblePrice, row.Rule);
        Assert.Contains("tpu-v6e region=southamerica-west1 model=spot", row.Row, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_preemptible_TPU_SKU_categorised_OnDemand_is_a_spot_price_not_a_second_on_demand_price()
    {
        var composition = await ApiJson.ComposeAsync(
            Tpu("TpuV5e running in Americas", "1", 200000000, "V5E-OD", "OnDemand", "us-west4"),
            Tpu("TpuV5e attached to Spot Preemptible VMs running in Las Vegas", "0", 510000000, "V5E-SPOT", "OnDemand", "us-west4"));

        var validated = Validate(composition);

        Assert.Empty(validated.Quarantined);
        Assert.Equal(1.2m, validated.Offers.Single(o => o.PricingModel == PricingModels.OnDemand).PricePerInstanceHour);
        Assert.Equal(0.51m, validated.Offers.Single(o => o.PricingModel == PricingModels.Spot).PricePerInstanceHour);
    }

    [Fact]
    public async Task A_TPU_spot_price_above_on_demand_is_quarantined_by_the_shared_validator()
    {
        // TPU v4 in us-central2: $3.686 preemptible against $3.22 on demand in Google's own table (gpuhunt tpu_pricing.json).
        var composition = await ApiJson.ComposeAsync(
            Tpu("Tpu-v4 Pod running in Oklahoma", "3", 220000000, "V4-OD", "OnDemand", "us-central2"),
            Tpu("Preemptible Tpu-v4 Pod running in Oklahoma", "3", 686000000, "V4-SPOT", "OnDemand", "us-central2"));

        var validated = Validate(composition);

        Assert.Equal(PricingModels.OnDemand, Assert.Single(validated.Offers).PricingModel);
        Assert.Equal(QuarantineRules.SpotAboveOnDemand, Assert.Single(validated.Quarantined).Rule);
    }

    [Fact]
    public async Task Generations_we_do_not_price_are_skipped()
    {
        var composition = await ApiJson.ComposeAsync(Tpu("Tpu-v3 Pod running in Netherlands", "2", 0, "V3", "OnDemand", "europe-west4"));

        Assert.Empty(composition.Offers);
        Assert.Empty(composition.Quarantined);
        Assert.Equal(1, composition.Skipped["not a component of a priced machine type"]);
    }
}
