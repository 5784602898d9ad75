using System.Text;
using Pricing.Catalog;

namespace Gcp.Pricing.Tests;

public sealed class MachineTypeMapTests
{
    private static GcpMachineTypeMap Load(string json) => GcpMachineTypeMap.Load(new MemoryStream(Encoding.UTF8.GetBytes(json)));

    private const string Series = """{ "series": "a2", "pricing": "host_plus_accelerators", "coreSku": "A2 Instance Core", "ramSku": "A2 Instance Ram", "commitmentCoreSku": null, "commitmentRamSku": null, "source": "s" }""";
    private const string Gpu = """{ "gpu": "nvidia-tesla-a100", "acceleratorId": "nvidia-a100-40gb", "skus": ["Nvidia Tesla A100 GPU"], "source": "s" }""";
    private const string Machine = """{ "machineType": "a2-highgpu-1g", "series": "a2", "vcpus": 12, "memoryGib": 85, "gpu": "nvidia-tesla-a100", "count": 1, "source": "s" }""";

    private static string File(string series = Series, string gpus = Gpu, string machines = Machine, string tpus = "") =>
        $$"""{ "series": [{{series}}], "accelerators": [{{gpus}}], "machineTypes": [{{machines}}], "tpus": [{{tpus}}] }""";

    [Fact]
    public void Every_shipped_machine_type_and_TPU_maps_to_a_registered_accelerator()
    {
        var map = GcpMachineTypeMap.Default;

        Assert.NotEmpty(map.MachineTypes);
        Assert.All(map.MachineTypes, m => Assert.True(AcceleratorRegistry.Default.Contains(m.Accelerator.AcceleratorId), m.MachineType));
        Assert.All(map.Tpus, t => Assert.True(AcceleratorRegistry.Default.Contains(t.AcceleratorId), t.InstanceType));
        Assert.All(map.MachineTypes, m => Assert.False(string.IsNullOrWhiteSpace(m.Source)));
    }

    [Theory]
    [InlineData("a2-highgpu-8g", GcpVmPricing.HostPlusAccelerators, "nvidia-a100-40gb", 8, 96)]
    [InlineData("a2-ultragpu-1g", GcpVmPricing.HostPlusAccelerators, "nvidia-a100-80gb", 1, 12)]
    [InlineData("a3-highgpu-8g", GcpVmPricing.HostPlusAccelerators, "nvidia-h100-80gb", 8, 208)]
    [InlineData("a3-megagpu-8g", GcpVmPricing.HostPlusAccelerators, "nvidia-h100-80gb", 8, 208)]
    [InlineData("a3-ultragpu-8g", GcpVmPricing.HostPlusAccelerators, "nvidia-h200-141gb", 8, 224)]
    [InlineData("a4-highgpu-8g", GcpVmPricing.AcceleratorIncludesHost, "nvidia-b200", 8, 224)]
    [InlineData("a4x-highgpu-4g", GcpVmPricing.AcceleratorIncludesHost, "nvidia-gb200", 4, 140)] // GB200: a published training type once missing
    [InlineData("g2-standard-48", GcpVmPricing.HostPlusAccelerators, "nvidia-l4", 4, 48)]
    [InlineData("n1-standard-8+1xV100", GcpVmPricing.HostPlusAccelerators, "nvidia-v100-16gb", 1, 8)]
    public void The_data_file_states_how_each_series_is_billed(string machineType, GcpVmPricing pricing, string acceleratorId, int count, int vcpus)
    {
        var machine = GcpMachineTypeMap.Default.MachineTypes.Single(m => m.MachineType == machineType);

        Assert.Equal(pricing, machine.Series.Pricing);
        Assert.Equal(acceleratorId, machine.Accelerator.AcceleratorId);
        Assert.Equal(count, machine.Count);
        Assert.Equal(vcpus, machine.Vcpus);
    }

    [Fact]
    public void A_valid_file_loads_and_finds_components_by_exact_name()
    {
        var map = Load(File());

        Assert.True(map.TryFindComponent("A2 Instance Core", false, out var core));
        Assert.Equal(new GcpComponent(GcpComponentKind.Core, "a2"), core);
        Assert.True(map.TryFindComponent("Nvidia Tesla A100 GPU", true, out var gpu));
        Assert.Equal(new GcpComponent(GcpComponentKind.Accelerator, "nvidia-tesla-a100"), gpu);
        Assert.False(map.TryFindComponent("Nvidia Tesla A100", false, out _));
        Assert.False(map.TryFindComponent("A2 Instance Core", true, out _));
    }

    [Fact]
    public void A_dws_host_name_is_found_only_under_a_dws_wrapper_and_a_gpu_under_both()
    {
        var map = GcpMachineTypeMap.Default;

        Assert.True(map.TryFindComponent("A2 Core", false, out var core, dws: true));
        Assert.Equal(new GcpComponent(GcpComponentKind.Core, "a2"), core);
        Assert.False(map.TryFindComponent("A2 Core", false, out _));
        Assert.False(map.TryFindComponent("A2 Instance Core", false, out _, dws: true));
        Assert.True(map.TryFindComponent("Nvidia Tesla A100 GPU", false, out var gpu, dws: true));
        Assert.Equal(new GcpComponent(GcpComponentKind.Accelerator, "nvidia-tesla-a100"), gpu);
    }

    [Fact]
    public void A_row_without_a_source_is_rejected()
    {
        Assert.Throws<InvalidDataException>(() => Load(File(machines: Machine.Replace("\"source\": \"s\"", "\"source\": \"\"", StringComparison.Ordinal))));
    }

    [Fact]
    public void A_machine_type_of_an_unknown_series_is_rejected()
    {
        Assert.Throws<InvalidDataException>(() => Load(File(machines: Machine.Replace("\"series\": \"a2\"", "\"series\": \"a9\"", StringComparison.Ordinal))));
    }

    [Fact]
    public void Two_components_claiming_one_SKU_name_are_rejected()
    {
        var clash = """{ "gpu": "other", "acceleratorId": "nvidia-a100-80gb", "skus": ["A2 Instance Core"], "source": "s" }""";
        var machine2 = """{ "machineType": "x", "series": "a2", "vcpus": 1, "memoryGib": 1, "gpu": "other", "count": 1, "source": "s" }""";

        Assert.Throws<InvalidDataException>(() => Load(File(gpus: $"{Gpu}, {clash}", machines: $"{Machine}, {machine2}")));
    }

    [Fact]
    public void A_host_priced_series_without_core_and_RAM_names_is_rejected()
    {
        Assert.Throws<InvalidDataException>(() => Load(File(series: Series.Replace("\"ramSku\": \"A2 Instance Ram\"", "\"ramSku\": null", StringComparison.Ordinal))));
    }
}
