using Pricing.Catalog;
using Pricing.Sources;

namespace Gcp.Pricing.Tests;

/// <summary>
/// Dynamic Workload Scheduler SKUs: categorised usageType OnDemand like the on-demand price of the same part, told
/// apart only by their description. Descriptions are the catalog's: "Nvidia Tesla A100 GPU attached to DWS Defined
/// Duration VMs running in Americas" and "DWS Defined Duration A2 Core|Ram" (flex-start; a Billing Catalog read of
/// 2026-08-02), "DWS Defined Duration V6e running in Columbus" (a TPU, "Tpu" dropped), "Reserved TpuV5p in Delhi in
/// Calendar Mode" (SKU 026F-E6A1-BDBB, a capture of 2026-06-14) and the "DWS Calendar Mode" prefix.
/// </summary>
public sealed class DynamicWorkloadSchedulerTests
{
    // The a2-highgpu-1g flex-start parts as the catalog read prints them: A100 1.61365, 12 vCPU 0.20868, 85 GiB 0.19805.
    private static string DwsA100() =>
        ApiJson.Sku("Nvidia Tesla A100 GPU attached to DWS Defined Duration VMs running in Americas", "1", 613650000, "DWS-A100", "GPU", regions: ["us-central1"]);

    private static string DwsA2Core() =>
        ApiJson.Sku("DWS Defined Duration A2 Core running in Americas", "0", 17390000, "DWS-A2-CORE", "CPU", regions: ["us-central1"]);

    private static string DwsA2Ram() =>
        ApiJson.Sku("DWS Defined Duration A2 Ram running in Americas", "0", 2330000, "DWS-A2-RAM", "RAM", regions: ["us-central1"]);

    [Theory]
    [InlineData("Nvidia Tesla A100 GPU attached to DWS Defined Duration VMs running in Americas", "Nvidia Tesla A100 GPU", "Americas", GcpDwsMode.FlexStart)]
    [InlineData("Nvidia Tesla A100 80GB GPU attached to DWS Defined Duration VMs running in Americas", "Nvidia Tesla A100 80GB GPU", "Americas", GcpDwsMode.FlexStart)]
    [InlineData("DWS Defined Duration A2 Core running in Americas", "A2 Core", "Americas", GcpDwsMode.FlexStart)]
    [InlineData("DWS Defined Duration V6e running in Columbus", "V6e", "Columbus", GcpDwsMode.FlexStart)]
    [InlineData("DWS Flex Start H4D Core running in Iowa", "H4D Core", "Iowa", GcpDwsMode.FlexStart)]
    [InlineData("DWS Calendar Mode A4 Nvidia B200 (1 gpu slice) running in Americas", "A4 Nvidia B200 (1 gpu slice)", "Americas", GcpDwsMode.Calendar)]
    [InlineData("Reserved TpuV5p in Delhi in Calendar Mode", "TpuV5p", "Delhi", GcpDwsMode.Calendar)]
    [InlineData("Nvidia Tesla A100 GPU running in Americas", "Nvidia Tesla A100 GPU", "Americas", GcpDwsMode.None)]
    public void A_DWS_description_comes_apart_into_the_part_it_prices_and_its_mode(string description, string body, string location, GcpDwsMode mode)
    {
        var name = GcpSkuName.Parse(description);

        Assert.Equal((body, location, mode, false), (name.Body, name.Location, name.Dws, name.SpotMarker));
    }

    [Theory]
    [InlineData("Nvidia Tesla A100 GPU attached to DWS Defined Duration VMs running in Americas", "OnDemand", PricingModels.DwsFlexStart)]
    [InlineData("Reserved TpuV5p in Delhi in Calendar Mode", "OnDemand", PricingModels.DwsCalendar)]
    [InlineData("DWS Calendar Mode A4 Nvidia B200 (1 gpu slice) running in Americas", "OnDemand", PricingModels.DwsCalendar)]
    [InlineData("Nvidia Tesla A100 GPU running in Americas", "OnDemand", PricingModels.OnDemand)]
    public void The_pricing_model_of_a_DWS_SKU_comes_from_its_description_not_its_usage_type(string description, string usageType, string model) =>
        Assert.Equal(model, GcpSkuName.Parse(description).PricingModel(usageType));

    [Fact]
    public void A_DWS_SKU_categorised_Preemptible_contradicts_itself()
    {
        var name = GcpSkuName.Parse("Nvidia Tesla A100 GPU attached to DWS Defined Duration VMs running in Americas");

        Assert.Throws<FormatException>(() => name.PricingModel("Preemptible"));
    }

    [Fact]
    public void A_TPU_commitment_that_keeps_running_in_names_the_chip()
    {
        // Verbatim SKU 0115-21ED-7F03 of the 2026-06-14 capture.
        var name = GcpSkuName.Parse("Commitment v1: TpuV5p running in Netherlands for 3 Years");

        Assert.Equal(("TpuV5p", "Netherlands", true, 3), (name.Body, name.Location, name.IsCommitment, name.CommitmentYears));
        Assert.Equal(PricingModels.Committed3Y, name.PricingModel("Commit3Yr"));
    }

    [Fact]
    public async Task A_flex_start_VM_is_its_DWS_cores_plus_DWS_memory_plus_DWS_GPUs()
    {
        var composition = await ApiJson.ComposeAsync(DwsA100(), DwsA2Core(), DwsA2Ram(), ApiJson.A100Americas(), ApiJson.A2CoreAmericas(), ApiJson.A2RamAmericas());

        var dws = ApiJson.Single(composition, "a2-highgpu-1g", "us-central1", PricingModels.DwsFlexStart);
        Assert.Equal(12 * 0.01739m + 85 * 0.00233m + 1.61365m, dws.PricePerInstanceHour);
        Assert.Equal("core=DWS-A2-CORE;ram=DWS-A2-RAM;gpu=DWS-A100", dws.MeterId);
        Assert.Equal((PricingKind.FlexStart, 168), (PricingModels.Terms(dws.PricingModel)!.Kind, PricingModels.Terms(dws.PricingModel)!.Block!.MaxRunHours));
        // The on-demand VM beside it still prices from the on-demand SKUs only.
        Assert.Equal(3.673385m, ApiJson.Single(composition, "a2-highgpu-1g", "us-central1", PricingModels.OnDemand).PricePerInstanceHour);
        Assert.Empty(composition.Quarantined);
    }

    [Fact]
    public async Task A_DWS_GPU_without_its_DWS_host_is_quarantined_never_priced_on_the_on_demand_host()
    {
        var composition = await ApiJson.ComposeAsync(DwsA100(), ApiJson.A100Americas(), ApiJson.A2CoreAmericas(), ApiJson.A2RamAmericas());

        Assert.DoesNotContain(composition.Offers, o => o.PricingModel == PricingModels.DwsFlexStart);
        var rows = composition.Quarantined.Where(r => r.Rule == GcpQuarantineRules.MissingComponent).ToList();
        Assert.NotEmpty(rows);
        Assert.All(rows, r => Assert.Contains("model=dws_flex_start", r.Row, StringComparison.Ordinal));
        Assert.Contains(rows, r => r.Reason.Contains("'A2 Core'", StringComparison.Ordinal) && r.Reason.Contains("'A2 Ram'", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A4_DWS_slices_carry_the_whole_VM_in_both_modes()
    {
        var composition = await ApiJson.ComposeAsync(
            ApiJson.Sku("A4 Nvidia B200 (1 gpu slice) attached to DWS Defined Duration VMs running in Americas", "8", 55000000, "B200-FLEX", regions: ["us-central1"]),
            ApiJson.Sku("DWS Calendar Mode A4 Nvidia B200 (1 gpu slice) running in Americas", "11", 277000000, "B200-CAL", regions: ["us-central1"]));

        Assert.Equal(64.44m, ApiJson.Single(composition, "a4-highgpu-8g", "us-central1", PricingModels.DwsFlexStart).PricePerInstanceHour);
        Assert.Equal(90.216m, ApiJson.Single(composition, "a4-highgpu-8g", "us-central1", PricingModels.DwsCalendar).PricePerInstanceHour);
        Assert.Empty(composition.Quarantined);
    }

    [Fact]
    public async Task A_calendar_mode_TPU_reservation_SKU_is_a_dws_calendar_chip_hour()
    {
        var composition = await ApiJson.ComposeAsync(
            ApiJson.Sku("Reserved TpuV5p in Delhi in Calendar Mode", "2", 940000000, "026F-E6A1-BDBB", "TPU", regions: ["asia-south2"]),
            ApiJson.Sku("TpuV5p running in Sao Paulo", "6", 430995000, "082F-763E-B398", "TPU", regions: ["southamerica-east1"]));

        var calendar = ApiJson.Single(composition, "tpu-v5p", "asia-south2", PricingModels.DwsCalendar);
        Assert.Equal(2.94m, calendar.PricePerAcceleratorHour);
        Assert.Equal("google-tpu-v5p", calendar.AcceleratorId);
        Assert.DoesNotContain(composition.Offers, o => o.Region == "asia-south2" && o.PricingModel == PricingModels.OnDemand);
        Assert.Equal(6.430995m, ApiJson.Single(composition, "tpu-v5p", "southamerica-east1", PricingModels.OnDemand).PricePerAcceleratorHour);
    }

    [Fact]
    public async Task TPU7x_is_priced_per_chip_in_every_region_of_its_Americas_SKU()
    {
        // Verbatim SKU 0F71-4391-B6CA of the 2026-06-14 capture.
        var composition = await ApiJson.ComposeAsync(
            ApiJson.Sku("TPU7x running in Americas", "12", 0, "0F71-4391-B6CA", "TPU", regions: ["us-west1", "us-central1", "us-east1"]));
        var validated = new OfferValidator(AcceleratorRegistry.Default).Validate(composition.Offers, composition.Quarantined);

        Assert.Equal(["us-central1", "us-east1", "us-west1"], validated.Offers.Select(o => o.Region).Order(StringComparer.Ordinal));
        Assert.All(validated.Offers, o => Assert.Equal(("tpu7x", "google-tpu-v7", 12m, 1m), (o.InstanceType, o.AcceleratorId, o.PricePerAcceleratorHour, o.AcceleratorsPerInstance)));
        Assert.Empty(validated.Quarantined);
    }
}
