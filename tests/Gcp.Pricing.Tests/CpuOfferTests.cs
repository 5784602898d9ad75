using Pricing.Catalog;

namespace Gcp.Pricing.Tests;

/// <summary>
/// The CPU machine type the scrape composes for the quote's data processing (n2-standard-32 on the host-only N2
/// series): 32 x the N2 core SKU + 128 GiB x the N2 RAM SKU, one unit of the registry's cpu-vcpu row per vCPU; like a
/// GPU VM, never priced from one part alone.
/// </summary>
public sealed class CpuOfferTests
{
    private const string Cpu = "cpu-vcpu";
    private const decimal N2Core = 0.031611m;
    private const decimal N2Ram = 0.004237m;

    private static string N2CoreSku(long nanos = 31611000) => ApiJson.Sku("N2 Instance Core running in Americas", "0", nanos, "N2-CORE-OD", "CPU", regions: ["us-central1"]);

    private static string N2RamSku(long nanos = 4237000) => ApiJson.Sku("N2 Instance Ram running in Americas", "0", nanos, "N2-RAM-OD", "RAM", regions: ["us-central1"]);

    [Fact]
    public async Task An_n2_standard_32_is_its_cores_plus_its_memory_one_unit_per_vcpu()
    {
        var composition = await ApiJson.ComposeAsync(N2CoreSku(), N2RamSku());

        var n2 = ApiJson.Single(composition, "n2-standard-32", "us-central1", PricingModels.OnDemand);
        Assert.Equal(32 * N2Core + 128 * N2Ram, n2.PricePerInstanceHour);
        Assert.Equal((Cpu, 32m, 32, 128m), (n2.AcceleratorId, n2.AcceleratorsPerInstance, n2.Vcpus, n2.MemoryGib));
        Assert.Equal(1.553888m / 32, n2.PricePerAcceleratorHour);
        Assert.Equal("core=N2-CORE-OD;ram=N2-RAM-OD", n2.MeterId);
        Assert.Empty(composition.Quarantined);
    }

    [Fact]
    public async Task Cores_without_their_ram_sku_are_quarantined_not_priced()
    {
        var composition = await ApiJson.ComposeAsync(N2CoreSku());

        Assert.DoesNotContain(composition.Offers, o => o.AcceleratorId == Cpu);
        var row = Assert.Single(composition.Quarantined);
        Assert.Equal(QuarantineRules.MissingComponent, row.Rule);
        Assert.Contains("N2 Instance Ram", row.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_zero_priced_n2_part_is_quarantined_and_no_vm_is_priced_from_the_rest()
    {
        var composition = await ApiJson.ComposeAsync(N2CoreSku(nanos: 0), N2RamSku());

        Assert.DoesNotContain(composition.Offers, o => o.AcceleratorId == Cpu);
        Assert.Contains(composition.Quarantined, r => r.Rule == QuarantineRules.ZeroPrice);
    }

    [Fact]
    public async Task The_recorded_pages_carry_the_n2_skus_and_compose_a_vcpu_hour_in_us_central1()
    {
        var scrape = await new GcpSnapshotSource().ScrapeAsync(TestContext.Current.CancellationToken);
        var offers = new OfferValidator(AcceleratorRegistry.Default).Validate(scrape.Candidates, scrape.Quarantined).Offers;

        var n2 = Assert.Single(offers, o => o.AcceleratorId == Cpu);
        Assert.Equal(("us-central1", "n2-standard-32", PricingModels.OnDemand), (n2.Region, n2.InstanceType, n2.PricingModel));
        Assert.Equal(1.553888m, n2.PricePerInstanceHour);
        Assert.Equal(0.048559m, n2.PricePerAcceleratorHour);
    }

    [Fact]
    public void The_cpu_machine_types_sit_on_host_only_series_and_map_to_the_cpu_row()
    {
        var map = GcpMachineTypeMap.Default;

        var n2 = Assert.Single(map.CpuMachineTypes);
        Assert.Equal(GcpVmPricing.HostOnly, n2.Series.Pricing);
        Assert.True(AcceleratorRegistry.Default.IsCpu(n2.AcceleratorId));
        Assert.DoesNotContain(map.MachineTypes, m => m.Series.Pricing == GcpVmPricing.HostOnly);
    }
}
