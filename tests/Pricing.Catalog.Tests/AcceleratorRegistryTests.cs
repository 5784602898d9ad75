namespace Pricing.Catalog.Tests;

public sealed class AcceleratorRegistryTests
{
    private static Accelerator Get(string id)
    {
        Assert.True(AcceleratorRegistry.Default.TryGet(id, out var accelerator), $"{id} is not in the registry.");
        return accelerator;
    }

    [Fact]
    public void Every_accelerator_names_its_source()
    {
        Assert.NotEmpty(AcceleratorRegistry.Default.All);
        Assert.All(AcceleratorRegistry.Default.All, a =>
        {
            Assert.False(string.IsNullOrWhiteSpace(a.Source), $"{a.Id} has no source.");
            Assert.False(string.IsNullOrWhiteSpace(a.Vendor), $"{a.Id} has no vendor.");
            Assert.False(string.IsNullOrWhiteSpace(a.Name), $"{a.Id} has no name.");
            // The CPU row is one vCPU, not a device with memory of its own.
            Assert.True(a.IsCpu || a.MemoryGb > 0, $"{a.Id} has memory {a.MemoryGb}.");
        });
    }

    [Theory]
    [InlineData("nvidia-h100-80gb")]
    [InlineData("nvidia-h200-141gb")]
    [InlineData("nvidia-a100-80gb")]
    [InlineData("nvidia-a100-40gb")]
    [InlineData("nvidia-l4")]
    [InlineData("nvidia-l40s")]
    [InlineData("nvidia-a10g")]
    [InlineData("nvidia-v100-16gb")]
    [InlineData("nvidia-b200")]
    [InlineData("amd-mi300x")]
    [InlineData("google-tpu-v5e")]
    [InlineData("google-tpu-v5p")]
    [InlineData("google-tpu-v6e")]
    [InlineData("aws-trainium1")]
    [InlineData("aws-trainium2")]
    public void The_accelerators_we_price_are_listed(string id)
    {
        Assert.True(AcceleratorRegistry.Default.Contains(id));
        Assert.Equal(id, Get(id).Id);
    }

    [Fact]
    public void H100_peak_is_the_dense_figure_not_the_sparse_one()
    {
        var h100 = Get("nvidia-h100-80gb");

        Assert.Equal(989.4, h100.PeakDenseBf16Tflops);
        Assert.NotEqual(1979, h100.PeakDenseBf16Tflops);
        Assert.Equal(989.4e12, h100.PeakFlops(Precision.Bf16)!.Value, 1e6);
        Assert.Equal(80, h100.MemoryGb);
    }

    [Fact]
    public void No_row_mixes_a_sparse_fp8_figure_with_a_dense_bf16_one()
    {
        // Dense FP8 is at most twice dense BF16; a sparse FP8 figure would be four times.
        Assert.All(
            AcceleratorRegistry.Default.All.Where(a => a.PeakDenseBf16Tflops is not null && a.PeakDenseFp8Tflops is not null),
            a =>
            {
                var ratio = a.PeakDenseFp8Tflops!.Value / a.PeakDenseBf16Tflops!.Value;
                Assert.InRange(ratio, 0.95, 2.05);
            });
    }

    [Fact]
    public void Only_Blackwell_has_a_dense_fp4_peak_and_it_is_never_below_its_dense_fp8_one()
    {
        var fp4 = AcceleratorRegistry.Default.All.Where(a => a.PeakDenseFp4Tflops is not null).ToList();

        Assert.Equal(["nvidia-b200", "nvidia-b300", "nvidia-gb200", "nvidia-gb300"], fp4.Select(a => a.Id).Order(StringComparer.Ordinal));
        // Dense FP4 is 2x dense FP8 (3x on Blackwell Ultra GB300); a sparse figure would be 4x or more.
        Assert.All(fp4, a =>
        {
            Assert.InRange(a.PeakDenseFp4Tflops!.Value / a.PeakDenseFp8Tflops!.Value, 1.95, 3.05);
            Assert.Equal(a.PeakDenseFp4Tflops * 1e12, a.PeakFlops(Precision.Fp4));
            Assert.Contains("FP4", a.Source, StringComparison.Ordinal);
        });
        Assert.Null(Get("nvidia-h100-80gb").PeakFlops(Precision.Fp4));
    }

    [Theory]
    [InlineData("nvidia-b200", 180, 192)]
    [InlineData("nvidia-h200-141gb", 141, 141)]
    public void B200_and_H200_memory_is_not_the_80_GB_a_public_catalog_lists(string id, double min, double max)
    {
        var accelerator = Get(id);

        Assert.NotEqual(80, accelerator.MemoryGb);
        Assert.InRange(accelerator.MemoryGb, min, max);
    }

    [Fact]
    public void V100_has_its_fp16_tensor_peak_standing_in_for_bf16()
    {
        var v100 = Get("nvidia-v100-16gb");

        Assert.Equal(125, v100.PeakDenseBf16Tflops);
        Assert.Null(v100.PeakDenseFp8Tflops);
        Assert.Null(v100.PeakFlops(Precision.Fp8));
        Assert.Equal(16, v100.MemoryGb);
    }

    [Fact]
    public void An_accelerator_without_a_source_is_refused()
    {
        var noSource = new Accelerator("x", "V", "X", 1, null, null, null, " ");

        Assert.Throws<InvalidDataException>(() => new AcceleratorRegistry([noSource]));
    }

    [Fact]
    public void An_accelerator_listed_twice_is_refused()
    {
        var a = new Accelerator("x", "V", "X", 1, null, null, null, "datasheet");

        Assert.Throws<InvalidDataException>(() => new AcceleratorRegistry([a, a with { MemoryGb = 2 }]));
    }

    [Fact]
    public void An_unknown_id_is_not_found()
    {
        Assert.False(AcceleratorRegistry.Default.Contains("nvidia-h100"));
        Assert.False(AcceleratorRegistry.Default.TryGet("NVIDIA-H100-80GB", out _));
    }
}
