namespace Pricing.Catalog.Tests;

/// <summary>
/// The registry's CPU row (docs/data-sources.md): a CPU offer counts one "accelerator" per vCPU so its price per
/// accelerator-hour is a vCPU-hour's; it is validated like any row and is never an accelerator to train on.
/// </summary>
public sealed class CpuRowTests
{
    private const string Cpu = "cpu-vcpu";
    private readonly OfferValidator _validator = new(AcceleratorRegistry.Default);

    private static Offer C7i(decimal price = 1.428m, decimal units = 32m) =>
        new("aws", "us-east-1", null, "c7i.8xlarge", Cpu, units, Vcpus: 32, MemoryGib: 64m, PricingModels.OnDemand, price, "USD",
            TestOffers.Jan1, "SKU-C7I", "JRTCKXETXF.6YS6EN2CT7");

    [Fact]
    public void The_cpu_row_is_in_the_registry_as_a_cpu_that_is_not_trainable()
    {
        Assert.True(AcceleratorRegistry.Default.TryGet(Cpu, out var cpu));
        Assert.True(cpu.IsCpu);
        Assert.False(cpu.Trainable);
        Assert.False(string.IsNullOrWhiteSpace(cpu.NotTrainableReason));
        Assert.True(AcceleratorRegistry.Default.IsCpu(Cpu));
        Assert.False(AcceleratorRegistry.Default.IsAccelerator(Cpu));
        Assert.DoesNotContain(AcceleratorRegistry.Default.Accelerators, a => a.Id == Cpu);
        Assert.True(AcceleratorRegistry.Default.IsAccelerator("nvidia-h100-80gb"));
        Assert.Single(AcceleratorRegistry.Default.All, a => a.IsCpu);
    }

    [Fact]
    public void A_cpu_row_listed_as_trainable_is_refused()
    {
        var trainableCpu = new Accelerator("cpu-x", "x86", "vCPU", 0, null, null, null, "a source", Trainable: true, Kind: AcceleratorKind.CpuVcpu);

        Assert.Throws<InvalidDataException>(() => new AcceleratorRegistry([trainableCpu]));
    }

    [Fact]
    public void A_cpu_offer_prices_a_vcpu_hour_and_passes_validation()
    {
        var offer = C7i();

        var result = _validator.Validate([offer]);

        Assert.Same(offer, Assert.Single(result.Offers));
        Assert.Equal(1.428m / 32, offer.PricePerAcceleratorHour);
    }

    [Fact]
    public void A_cpu_offer_not_counted_per_vcpu_is_quarantined_with_its_reason()
    {
        var result = _validator.Validate([C7i(units: 1m)]);

        Assert.Empty(result.Offers);
        var row = Assert.Single(result.Quarantined);
        Assert.Equal(QuarantineRules.Malformed, row.Rule);
        Assert.Contains("per vCPU", row.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_cpu_offer_with_a_zero_price_is_quarantined_like_any_row()
    {
        var result = _validator.Validate([C7i(price: 0m)]);

        Assert.Empty(result.Offers);
        Assert.Equal(QuarantineRules.ZeroPrice, Assert.Single(result.Quarantined).Rule);
    }
}
