using Pricing.Catalog;

namespace Aws.Pricing.Tests;

public sealed class InstanceTypeMapTests
{
    private static AwsInstanceTypeMap Map => AwsInstanceTypeMap.Default;

    [Fact]
    public void Every_mapped_type_names_a_canonical_accelerator_a_positive_count_and_a_source()
    {
        Assert.NotEmpty(Map.All);
        Assert.All(Map.All, t =>
        {
            Assert.True(AcceleratorRegistry.Default.Contains(t.AcceleratorId), $"{t.InstanceType}: {t.AcceleratorId} is not in the registry");
            Assert.True(t.AcceleratorsPerInstance > 0, t.InstanceType);
            Assert.True(t.Vcpus > 0 && t.MemoryGib > 0, t.InstanceType);
            Assert.False(string.IsNullOrWhiteSpace(t.Source), t.InstanceType);
            Assert.True(Map.IsScrapedFamily(t.InstanceType), $"{t.InstanceType}'s family is not accelerated");
        });
    }

    [Theory]
    [InlineData("p4d.24xlarge", "nvidia-a100-40gb", 8)]
    [InlineData("p4de.24xlarge", "nvidia-a100-80gb", 8)]
    [InlineData("p3dn.24xlarge", "nvidia-v100-32gb", 8)]
    [InlineData("p5.48xlarge", "nvidia-h100-80gb", 8)]
    [InlineData("p5.4xlarge", "nvidia-h100-80gb", 1)]
    [InlineData("p5e.48xlarge", "nvidia-h200-141gb", 8)]
    [InlineData("p5en.48xlarge", "nvidia-h200-141gb", 8)]
    [InlineData("p6-b200.48xlarge", "nvidia-b200", 8)]
    [InlineData("p6-b300.48xlarge", "nvidia-b300", 8)]
    [InlineData("p6e-gb200.36xlarge", "nvidia-gb200", 4)]
    [InlineData("g5.48xlarge", "nvidia-a10g", 8)]
    [InlineData("g6.xlarge", "nvidia-l4", 1)]
    [InlineData("g6e.12xlarge", "nvidia-l40s", 4)]
    [InlineData("g4dn.12xlarge", "nvidia-t4", 4)]
    [InlineData("trn1.32xlarge", "aws-trainium1", 16)]
    [InlineData("trn2.48xlarge", "aws-trainium2", 16)]
    [InlineData("trn2u.48xlarge", "aws-trainium2", 16)] // the UltraServer-capable Trn2: a published training type once missing
    [InlineData("inf2.48xlarge", "aws-inferentia2", 12)]
    public void Instance_types_map_to_their_accelerator_and_count(string instanceType, string acceleratorId, int count)
    {
        Assert.True(Map.TryGet(instanceType, out var type));
        Assert.Equal(acceleratorId, type.AcceleratorId);
        Assert.Equal(count, type.AcceleratorsPerInstance);
    }

    [Fact]
    public void The_known_API_errors_are_recorded_on_their_rows()
    {
        Assert.True(Map.TryGet("p5.4xlarge", out var p54));
        Assert.Contains("count 0", p54.ApiErratum, StringComparison.Ordinal);
        Assert.True(Map.TryGet("p5e.48xlarge", out var p5e));
        Assert.Contains("'NVIDIA'", p5e.ApiErratum, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("p6-b300.48xlarge", true)]
    [InlineData("trn3.48xlarge", true)]
    [InlineData("trn2u.48xlarge", true)]
    [InlineData("p6e-gb200.36xlarge", true)]
    [InlineData("dl1.24xlarge", true)]
    [InlineData("p5.48xlarge", true)]
    [InlineData("p3dn.24xlarge", true)]
    [InlineData("m5.large", false)]
    [InlineData("g4ad.xlarge", false)]
    [InlineData("g5g.xlarge", false)]
    [InlineData("p2.xlarge", false)]
    [InlineData("inf1.xlarge", false)]
    [InlineData("p5", true)]
    public void Accelerated_families_match_exactly_or_by_their_star_prefix(string instanceType, bool accelerated)
    {
        Assert.Equal(accelerated, Map.IsScrapedFamily(instanceType));
        Assert.Equal(accelerated, Map.IsScrapedFamily(System.Text.Encoding.UTF8.GetBytes(instanceType)));
    }

    [Fact]
    public void A_mapped_type_outside_the_accelerated_families_is_rejected_at_load()
    {
        var type = new AwsInstanceType("x9.large", "nvidia-l4", 1, 4, 16, "test", null);

        Assert.Throws<InvalidDataException>(() => new AwsInstanceTypeMap([type], ["p5"]));
    }

    [Fact]
    public void A_type_listed_twice_or_without_a_source_is_rejected_at_load()
    {
        var type = new AwsInstanceType("p5.48xlarge", "nvidia-h100-80gb", 8, 192, 2048, "test", null);

        Assert.Throws<InvalidDataException>(() => new AwsInstanceTypeMap([type, type], ["p5"]));
        Assert.Throws<InvalidDataException>(() => new AwsInstanceTypeMap([type with { Source = " " }], ["p5"]));
    }
}
