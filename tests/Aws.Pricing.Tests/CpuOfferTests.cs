using Pricing.Catalog;

namespace Aws.Pricing.Tests;

/// <summary>
/// The CPU family the scrape keeps for the quote's data processing (c7i, Data/aws-instance-types.json cpuFamilies):
/// its types map to the registry's cpu-vcpu row with one unit per vCPU, read from the recorded offer files like any
/// row, validated like any row, never a training accelerator.
/// </summary>
public sealed class CpuOfferTests
{
    private const string Cpu = "cpu-vcpu";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<ValidatedOffers> MapAndValidateAsync(OfferFileBuilder builder)
    {
        var file = await new AwsOfferFileParser(new AwsProductFilter(AwsInstanceTypeMap.Default)).ParseAsync(new MemoryStream(builder.Utf8()), Ct);
        var mapped = new AwsOfferMapper(AwsInstanceTypeMap.Default).Map(file, "us-east-1");
        Assert.Empty(mapped.Notes);
        return new OfferValidator(AcceleratorRegistry.Default).Validate(mapped.Offers, mapped.Quarantined);
    }

    [Fact]
    public async Task The_recorded_offer_files_carry_c7i_on_demand_prices_per_vcpu()
    {
        var scrape = await new AwsSnapshotSource().ScrapeAsync(Ct);
        var offers = new OfferValidator(AcceleratorRegistry.Default).Validate(scrape.Candidates, scrape.Quarantined).Offers;
        var cpu = offers.Where(o => o.AcceleratorId == Cpu).ToList();

        var c7i = Assert.Single(cpu, o => o.OfferKey == OfferKey.Format("aws", "us-east-1", null, "c7i.8xlarge", PricingModels.OnDemand));
        Assert.Equal((1.428m, 32m, 32, 64m), (c7i.PricePerInstanceHour, c7i.AcceleratorsPerInstance, c7i.Vcpus, c7i.MemoryGib));
        Assert.Equal(0.044625m, c7i.PricePerAcceleratorHour);
        Assert.All(cpu, o =>
        {
            Assert.Equal(PricingModels.OnDemand, o.PricingModel);
            Assert.Equal(o.Vcpus, o.AcceleratorsPerInstance);
            Assert.StartsWith("c7i.", o.InstanceType, StringComparison.Ordinal);
        });
        // c7i.large in the 18 regions SkyPilot prices it in (not ap-southeast-4), c7i.8xlarge in the four US ones.
        Assert.Equal(18, cpu.Select(o => o.Region).Distinct().Count());
        Assert.Equal(22, cpu.Count);
        Assert.DoesNotContain(scrape.Quarantined, q => q.Row.Contains("c7i.", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_c7i_row_maps_to_one_unit_per_vcpu_whatever_the_gpu_attribute_says()
    {
        var result = await MapAndValidateAsync(new OfferFileBuilder().Product("C7IXLARGE0000001", "c7i.xlarge", "0.1785000000", gpu: "0"));

        var offer = Assert.Single(result.Offers);
        Assert.Equal((Cpu, 4m, 4), (offer.AcceleratorId, offer.AcceleratorsPerInstance, offer.Vcpus));
        Assert.Equal(0.044625m, offer.PricePerAcceleratorHour);
        Assert.Empty(result.Quarantined);
    }

    [Fact]
    public async Task A_zero_priced_c7i_row_is_quarantined_with_its_reason_not_priced()
    {
        var result = await MapAndValidateAsync(new OfferFileBuilder().Product("C7IXLARGE0000001", "c7i.xlarge", "0.0000000000"));

        Assert.Empty(result.Offers);
        var row = Assert.Single(result.Quarantined);
        Assert.Equal(QuarantineRules.ZeroPrice, row.Rule);
        Assert.Contains("c7i.xlarge", row.Row, StringComparison.Ordinal);
    }

    [Fact]
    public void A_cpu_type_not_counted_per_vcpu_is_refused_by_the_map()
    {
        var wrong = new AwsInstanceType("c7i.xlarge", Cpu, 1m, 4, 8m, "a source", null);

        Assert.Throws<InvalidDataException>(() => new AwsInstanceTypeMap([wrong], [], ["c7i"]));
    }

    [Fact]
    public void The_cpu_family_is_scraped_and_every_cpu_type_maps_to_the_cpu_row()
    {
        var map = AwsInstanceTypeMap.Default;

        Assert.Equal(["c7i"], map.CpuFamilies);
        Assert.True(map.IsScrapedFamily("c7i.8xlarge"));
        Assert.False(map.IsScrapedFamily("c7i-flex.8xlarge"));
        Assert.All(map.All.Where(t => t.InstanceType.StartsWith("c7i.", StringComparison.Ordinal)), t =>
        {
            Assert.Equal(Cpu, t.AcceleratorId);
            Assert.Equal(t.Vcpus, t.AcceleratorsPerInstance);
        });
        Assert.All(map.All.Where(t => t.AcceleratorId == Cpu), t => Assert.True(AcceleratorRegistry.Default.IsCpu(t.AcceleratorId)));
    }
}
