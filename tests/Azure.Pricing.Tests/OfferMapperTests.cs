using Pricing.Catalog;
using Pricing.Sources;

namespace Azure.Pricing.Tests;

public sealed class OfferMapperTests
{
    private static async Task<MappingResult> MapAsync(params string[] items)
    {
        var page = await ApiJson.ParseAsync(ApiJson.Page(items));
        Assert.Empty(page.MalformedItems);
        return new AzureOfferMapper(AzureVmSizeMap.Default).Map(page.Items);
    }

    private static async Task<Offer> MapOneOfferAsync(string item)
    {
        var result = await MapAsync(item);
        Assert.Empty(result.Quarantined);
        Assert.Empty(result.Skipped);
        return Assert.Single(result.Offers);
    }

    private static async Task<string> SkipReasonAsync(string item)
    {
        var result = await MapAsync(item);
        Assert.Empty(result.Offers);
        Assert.Empty(result.Quarantined);
        var (reason, count) = Assert.Single(result.Skipped);
        Assert.Equal(1, count);
        return reason;
    }

    private static async Task<QuarantinedRow> QuarantinedAsync(string item, string rule)
    {
        var result = await MapAsync(item);
        Assert.Empty(result.Offers);
        var row = Assert.Single(result.Quarantined);
        Assert.Equal(rule, row.Rule);
        Assert.Equal("azure", row.Provider);
        return row;
    }

    [Fact]
    public async Task Consumption_is_on_demand_with_the_size_facts_from_the_size_map()
    {
        var offer = await MapOneOfferAsync(ApiJson.Item(meterId: "m-1", skuId: "sku-1"));

        Assert.Equal("azure", offer.Provider);
        Assert.Equal("eastus", offer.Region);
        Assert.Null(offer.Zone);
        Assert.Equal("Standard_ND96isr_H100_v5", offer.InstanceType);
        Assert.Equal(PricingModels.OnDemand, offer.PricingModel);
        Assert.Equal(98.32m, offer.PricePerInstanceHour);
        Assert.Equal("USD", offer.Currency);
        Assert.Equal("nvidia-h100-80gb", offer.AcceleratorId);
        Assert.Equal(96, offer.Vcpus);
        Assert.Equal("m-1", offer.MeterId);
        Assert.Equal("sku-1", offer.SkuId);
        Assert.Equal(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), offer.EffectiveDate);
    }

    [Fact]
    public async Task ND96isr_H100_v5_has_8_GPUs_not_the_12_a_public_catalog_lists()
    {
        var offer = await MapOneOfferAsync(ApiJson.Item());

        Assert.Equal(8m, offer.AcceleratorsPerInstance);
        Assert.Equal(98.32m / 8m, offer.PricePerAcceleratorHour);
        Assert.Equal(12.29m, offer.PricePerAcceleratorHour);
    }

    [Fact]
    public async Task NV6ads_A10_v5_is_a_sixth_of_a_GPU_so_a_GPU_hour_costs_six_instance_hours()
    {
        // Illustrative price; what matters is the fraction.
        var offer = await MapOneOfferAsync(ApiJson.Item(armSkuName: "Standard_NV6ads_A10_v5", retailPrice: "0.454",
            meterName: "NV6ads A10 v5", productName: "Virtual Machines NVadsA10 v5 Series", skuName: "NV6ads A10 v5"));

        Assert.Equal("nvidia-a10", offer.AcceleratorId);
        Assert.Equal(1m / 6m, offer.AcceleratorsPerInstance);
        Assert.Equal(0.454m, offer.PricePerInstanceHour);
        Assert.Equal(6m * 0.454m, decimal.Round(offer.PricePerAcceleratorHour, 10));
    }

    [Theory]
    [InlineData("ND96isrH100v5 Spot", "ND96isrH100v5")]
    [InlineData("ND96isrH100v5", "ND96isr H100 v5 Spot")]
    [InlineData("ND96isrH100v5 Spot", "ND96isr H100 v5 Spot")]
    public async Task Spot_in_the_meter_name_or_the_sku_name_is_spot(string meterName, string skuName)
    {
        var offer = await MapOneOfferAsync(ApiJson.Item(retailPrice: "18.169536", meterName: meterName, skuName: skuName));

        Assert.Equal(PricingModels.Spot, offer.PricingModel);
        Assert.Equal(18.169536m, offer.PricePerInstanceHour);
    }

    [Fact]
    public async Task DevTestConsumption_is_skipped()
    {
        var reason = await SkipReasonAsync(ApiJson.Item(type: "DevTestConsumption", retailPrice: "5.439"));

        Assert.Contains("dev/test", reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_Windows_product_is_skipped_even_though_it_shares_the_Linux_meter_name()
    {
        var linux = ApiJson.Item(retailPrice: "98.32");
        var windows = ApiJson.Item(retailPrice: "102.736", productName: "Virtual Machines NDsr H100 v5 Series Windows");

        var result = await MapAsync(linux, windows);

        var offer = Assert.Single(result.Offers);
        Assert.Equal(98.32m, offer.PricePerInstanceHour);
        Assert.Empty(result.Quarantined);
        Assert.Equal(1, Assert.Single(result.Skipped).Value);
    }

    [Fact]
    public async Task A_product_name_ending_in_Linux_is_a_Linux_price()
    {
        var offer = await MapOneOfferAsync(ApiJson.Item(armSkuName: "Standard_ND96amsr_A100_v4", retailPrice: "32.77",
            meterName: "ND96amsr A100 v4", productName: "Virtual Machines NDamsr A100 v4 Series Linux", skuName: "ND96amsr A100 v4"));

        Assert.Equal(PricingModels.OnDemand, offer.PricingModel);
        Assert.Equal("nvidia-a100-80gb", offer.AcceleratorId);
        Assert.Equal(32.77m, offer.PricePerInstanceHour);
    }

    [Theory]
    [InlineData("Virtual Machines NDamsr A100 v4 Series Linux")]
    [InlineData("Virtual Machines NDamsr A100 v4 Series")]
    public async Task Low_Priority_is_skipped(string productName)
    {
        var reason = await SkipReasonAsync(ApiJson.Item(armSkuName: "Standard_ND96amsr_A100_v4", retailPrice: "6.554",
            meterName: "ND96amsr A100 v4 Low Priority", productName: productName, skuName: "Standard_ND96amsr_A100_v4 Low Priority"));

        Assert.Contains("Low Priority", reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_secondary_meter_region_is_skipped()
    {
        var reason = await SkipReasonAsync(ApiJson.Item(isPrimaryMeterRegion: "false"));

        Assert.Contains("secondary", reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_expired_meter_is_skipped()
    {
        await SkipReasonAsync(ApiJson.Item(meterName: "ND96isrH100v5 - Expired"));
    }

    [Fact]
    public async Task NCC40ads_H100_v5_is_one_H100_NVL_94GB_not_an_H100_PCIe_80GB()
    {
        // Verbatim westeurope item (azure-pricing-radar data/latest/vm-eu-west.json): the confidential NCCads H100 v5 size.
        var offer = await MapOneOfferAsync(ApiJson.Item(armSkuName: "Standard_NCC40ads_H100_v5", region: "westeurope", retailPrice: "8.9",
            meterName: "NCC40adsH100v5", productName: "Virtual Machines NCCadsv5 Srs", skuName: "NCC40adsH100v5"));

        Assert.Equal("nvidia-h100-nvl-94gb", offer.AcceleratorId);
        Assert.Equal(1m, offer.AcceleratorsPerInstance);
        Assert.Equal(40, offer.Vcpus);
        Assert.Equal(8.9m, offer.PricePerAcceleratorHour);
    }

    [Theory]
    [InlineData("Standard_ND128isr_NDR_GB200_v6", "nvidia-gb200", 900)]
    [InlineData("Standard_ND128isr_GB300_v6", "nvidia-gb300", 864)]
    public async Task An_ND_GB200_or_GB300_v6_VM_is_four_Blackwell_GPUs_of_its_NVL72_rack(string armSkuName, string acceleratorId, int memoryGib)
    {
        // No public source prices these sizes yet; the map still knows them so a live API row is priced, not quarantined.
        var offer = await MapOneOfferAsync(ApiJson.Item(armSkuName: armSkuName, retailPrice: "100.0", meterName: armSkuName, skuName: armSkuName));

        Assert.Equal(acceleratorId, offer.AcceleratorId);
        Assert.Equal(4m, offer.AcceleratorsPerInstance);
        Assert.Equal(128, offer.Vcpus);
        Assert.Equal(memoryGib, offer.MemoryGib);
        Assert.Equal(25m, offer.PricePerAcceleratorHour);
    }

    [Fact]
    public async Task A_reservation_of_a_new_size_is_committed_too()
    {
        var offer = await MapOneOfferAsync(ApiJson.Item(armSkuName: "Standard_NC24rs_v3", type: "Reservation", retailPrice: "70080.0",
            meterName: "NC24rs v3", productName: "Virtual Machines NCSv3 Series", skuName: "NC24rs v3", reservationTerm: "3 Years"));

        Assert.Equal(PricingModels.Committed3Y, offer.PricingModel);
        Assert.Equal(70080.0m / 26280m, offer.PricePerInstanceHour);
        Assert.Equal(4m, offer.AcceleratorsPerInstance);
    }

    [Fact]
    public async Task A_one_year_reservation_total_is_spread_over_8760_hours()
    {
        var offer = await MapOneOfferAsync(ApiJson.Item(type: "Reservation", retailPrice: "551221.0", reservationTerm: "1 Year"));

        Assert.Equal(PricingModels.Committed1Y, offer.PricingModel);
        Assert.Equal(551221.0m / 8760m, offer.PricePerInstanceHour);
        Assert.InRange(offer.PricePerInstanceHour, 62.92m, 62.93m);
        // Below on-demand (98.32), as a commitment should be.
        Assert.True(offer.PricePerInstanceHour < 98.32m);
    }

    [Fact]
    public async Task A_three_year_reservation_total_is_spread_over_26280_hours()
    {
        var offer = await MapOneOfferAsync(ApiJson.Item(type: "Reservation", retailPrice: "1134310.0", reservationTerm: "3 Years"));

        Assert.Equal(PricingModels.Committed3Y, offer.PricingModel);
        Assert.Equal(1134310.0m / 26280m, offer.PricePerInstanceHour);
        Assert.InRange(offer.PricePerInstanceHour, 43.16m, 43.17m);
    }

    [Fact]
    public async Task A_reservation_of_an_unknown_term_is_quarantined()
    {
        await QuarantinedAsync(ApiJson.Item(type: "Reservation", retailPrice: "2000000.0", reservationTerm: "5 Years"), QuarantineRules.UnknownPricingModel);
    }

    [Fact]
    public async Task An_unknown_price_type_is_quarantined()
    {
        await QuarantinedAsync(ApiJson.Item(type: "SavingsPlanConsumption"), QuarantineRules.UnknownPricingModel);
    }

    [Fact]
    public async Task An_unknown_N_family_size_is_quarantined_not_dropped()
    {
        var row = await QuarantinedAsync(ApiJson.Item(armSkuName: "Standard_ND96is_H100_v5", retailPrice: "88.488", meterName: "ND96isH100v5", skuName: "ND96isH100v5"),
            QuarantineRules.UnknownAccelerator);

        Assert.Contains("Standard_ND96is_H100_v5", row.Reason, StringComparison.Ordinal);
        Assert.Contains("88.488", row.Row, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1/Month")]
    [InlineData("1 Day")]
    [InlineData("100 Hours")]
    public async Task A_non_hourly_unit_is_quarantined(string unit)
    {
        var row = await QuarantinedAsync(ApiJson.Item(unitOfMeasure: unit), QuarantineRules.NonHourlyUnit);

        Assert.Contains(unit, row.Reason, StringComparison.Ordinal);
    }

    // Standard_D64s_v5 is the mapped CPU family (CpuOfferTests); its neighbours are not.
    [Theory]
    [InlineData("Standard_D64ds_v5")]
    [InlineData("Standard_E2bds_v5")]
    [InlineData("Standard_HB120rs_v3")]
    public async Task A_size_without_GPUs_is_skipped(string armSkuName)
    {
        var reason = await SkipReasonAsync(ApiJson.Item(armSkuName: armSkuName, retailPrice: "1.0752", meterName: "D64s v5", skuName: armSkuName));

        Assert.Contains("GPU", reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Another_service_is_skipped()
    {
        await SkipReasonAsync(ApiJson.Item(serviceName: "Storage", armSkuName: "", unitOfMeasure: "1/Month"));
    }

    [Fact]
    public async Task An_item_without_a_price_is_quarantined_as_malformed()
    {
        var item = ApiJson.Item().Replace("\"retailPrice\": 98.32,", "", StringComparison.Ordinal);

        await QuarantinedAsync(item, QuarantineRules.Malformed);
    }

    [Fact]
    public async Task The_arm_sku_name_matches_whatever_its_case_and_the_canonical_name_is_used()
    {
        var offer = await MapOneOfferAsync(ApiJson.Item(armSkuName: "standard_nd96isr_h100_v5"));

        Assert.Equal("Standard_ND96isr_H100_v5", offer.InstanceType);
        Assert.Equal(8m, offer.AcceleratorsPerInstance);
    }

    [Fact]
    public async Task Skipped_rows_are_counted_by_reason()
    {
        var result = await MapAsync(
            ApiJson.Item(type: "DevTestConsumption"),
            ApiJson.Item(type: "DevTestConsumption", region: "westus"),
            ApiJson.Item(productName: "Virtual Machines NDsr H100 v5 Series Windows"),
            ApiJson.Item(armSkuName: "Standard_E2bds_v5"),
            ApiJson.Item());

        Assert.Single(result.Offers);
        Assert.Equal(3, result.Skipped.Count);
        Assert.Equal(4, result.Skipped.Values.Sum());
        Assert.Equal(2, result.Skipped.Single(s => s.Key.Contains("dev/test", StringComparison.Ordinal)).Value);
    }
}
