using Pricing.Catalog;

namespace Azure.Pricing.Tests;

/// <summary>
/// The CPU family the scrape keeps for the quote's data processing (Dsv5, Data/azure-vm-sizes.json): its sizes map to
/// the registry's cpu-vcpu row with one unit per vCPU, are read from the recorded pages like any item, validated like
/// any row, and are never a training accelerator.
/// </summary>
public sealed class CpuOfferTests
{
    private const string Cpu = "cpu-vcpu";

    private static async Task<ValidatedOffers> MapAndValidateAsync(params string[] items)
    {
        var page = await ApiJson.ParseAsync(ApiJson.Page(items));
        var mapped = new AzureOfferMapper(AzureVmSizeMap.Default).Map(page.Items);
        return new OfferValidator(AcceleratorRegistry.Default).Validate(mapped.Offers, mapped.Quarantined);
    }

    private static string D8s(string price = "0.384", string region = "eastus") =>
        ApiJson.Item(armSkuName: "Standard_D8s_v5", region: region, retailPrice: price, meterName: "D8s v5",
            productName: "Virtual Machines Dsv5 Series", skuName: "D8s v5", meterId: "0c3a9f4e-1b7d-5c2a-9e4f-6a8b2d1c3e5f", skuId: "DZH318Z0BQPS/00GN");

    [Fact]
    public async Task The_recorded_pages_carry_dsv5_on_demand_prices_per_vcpu()
    {
        var scrape = await new AzureSnapshotSource().ScrapeAsync(TestContext.Current.CancellationToken);
        var offers = new OfferValidator(AcceleratorRegistry.Default).Validate(scrape.Candidates, scrape.Quarantined).Offers;
        var cpu = offers.Where(o => o.AcceleratorId == Cpu).ToList();

        var d8 = Assert.Single(cpu, o => o.OfferKey == OfferKey.Format("azure", "eastus", null, "Standard_D8s_v5", PricingModels.OnDemand));
        Assert.Equal((0.384m, 8m, 8, 32m), (d8.PricePerInstanceHour, d8.AcceleratorsPerInstance, d8.Vcpus, d8.MemoryGib));
        Assert.Equal(0.048m, d8.PricePerAcceleratorHour);
        Assert.All(cpu, o =>
        {
            Assert.Equal(PricingModels.OnDemand, o.PricingModel);
            Assert.Equal(o.Vcpus, o.AcceleratorsPerInstance);
        });
        // Standard_D8s_v5 and Standard_D64s_v5 in the eight US regions of the SkyPilot catalog the snapshot cites.
        Assert.Equal(16, cpu.Count);
        Assert.Equal(8, cpu.Select(o => o.Region).Distinct().Count());
    }

    [Fact]
    public async Task A_dsv5_item_maps_to_one_unit_per_vcpu()
    {
        var result = await MapAndValidateAsync(D8s());

        var offer = Assert.Single(result.Offers);
        Assert.Equal((Cpu, 8m, PricingModels.OnDemand), (offer.AcceleratorId, offer.AcceleratorsPerInstance, offer.PricingModel));
        Assert.Empty(result.Quarantined);
    }

    [Fact]
    public async Task A_zero_priced_dsv5_item_is_quarantined_with_its_reason_not_priced()
    {
        var result = await MapAndValidateAsync(D8s(price: "0.0"));

        Assert.Empty(result.Offers);
        var row = Assert.Single(result.Quarantined);
        Assert.Equal(QuarantineRules.ZeroPrice, row.Rule);
        Assert.Contains("Standard_D8s_v5", row.Row, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_mapped_cpu_size_counts_one_unit_per_vcpu_and_the_default_filter_asks_for_it()
    {
        var cpu = AzureVmSizeMap.Default.All.Where(s => s.AcceleratorId == Cpu).ToList();

        Assert.NotEmpty(cpu);
        Assert.All(cpu, s =>
        {
            Assert.Equal(s.Vcpus, s.AcceleratorsPerInstance);
            Assert.StartsWith("Standard_D", s.ArmSkuName, StringComparison.Ordinal);
            Assert.EndsWith("s_v5", s.ArmSkuName, StringComparison.Ordinal);
        });
        Assert.Contains("contains(armSkuName, 'Standard_D') and contains(armSkuName, 's_v5')", AzurePricingOptions.DefaultFilter, StringComparison.Ordinal);
    }
}
