using Pricing.Catalog;
using static Pricing.Quoting.Tests.TestData;

namespace Pricing.Quoting.Tests;

/// <summary>
/// CPU offers in the catalog (the registry's cpu-vcpu row, one unit per vCPU; docs/quote-model.md §6a): never a
/// training candidate nor an excluded training offer, never an accelerator a request may name; the program's data
/// processing is priced at the provider's cheapest on-demand vCPU-hour (the option's region first), else the cited figure.
/// </summary>
public sealed class CatalogCpuPriceTests
{
    private const string Cpu = "cpu-vcpu";

    private static QuoteSpec Run => Spec(parameters: 7e9, tokens: 1.4e11, acceleratorCount: 64, mfu: 0.4) with { Goodput = 0.9, DatasetBytes = 10e12 };

    /// <summary>An aws c7i.8xlarge (32 vCPUs) row: one "accelerator" per vCPU.</summary>
    private static Offer C7i(decimal price = 1.428m, string region = "us-east-1", string pricingModel = PricingModels.OnDemand, string instanceType = "c7i.8xlarge") =>
        Offer(provider: "aws", region: region, instanceType: instanceType, pricingModel: pricingModel, price: price, acceleratorId: Cpu, acceleratorsPerInstance: 32m);

    private static ProgramLine DataProcessing(params Offer[] offers) =>
        Assert.Single(Engine().Quote(Run, Prices(7, offers)).Options).Program!.Lines.Single(l => l.Name == "data_processing");

    [Fact]
    public void A_cpu_offer_is_never_an_option_nor_an_excluded_training_offer()
    {
        var result = Engine().Quote(Spec(), Prices(P5(), C7i(), C7i(pricingModel: PricingModels.Spot, price: 0.5m)));

        Assert.NotEmpty(result.Options);
        Assert.DoesNotContain(result.Options, o => o.Offer.AcceleratorId == Cpu);
        Assert.DoesNotContain(result.Excluded, e => e.Offer.AcceleratorId == Cpu);
        Assert.DoesNotContain(result.Assumptions, a => a.AcceleratorId == Cpu);
        Assert.DoesNotContain(result.Warnings, w => w.Contains(Cpu, StringComparison.Ordinal));
        Assert.DoesNotContain(Engine().Compare(Spec(), Prices(P5(), C7i())).Choices, c => c.AcceleratorId == Cpu);
    }

    [Fact]
    public void Only_cpu_offers_quote_nothing_and_exclude_nothing()
    {
        var result = Engine().Quote(Spec(), Prices(C7i()));

        Assert.Empty(result.Options);
        Assert.Empty(result.Excluded);
    }

    [Fact]
    public void A_request_cannot_name_the_cpu_row_as_its_accelerator()
    {
        var violation = Assert.Single(QuoteRequestRules.Check(Spec(acceleratorIds: [Cpu]), AcceleratorRegistry.Default));

        Assert.Equal("accelerator_ids", violation.Field);
        Assert.Contains("not an accelerator to train on", violation.Description, StringComparison.Ordinal);
    }

    [Fact]
    public void Data_processing_follows_the_catalogs_cpu_price()
    {
        var cheap = DataProcessing(P5(), C7i(price: 1.428m));
        var dear = DataProcessing(P5(), C7i(price: 2.856m));

        Assert.True(cheap.Amount > 0);
        // Each figure is rounded to the cent: twice the price is twice the cost, give or take a cent.
        Assert.InRange(dear.Amount, cheap.Amount * 2 - 0.01m, cheap.Amount * 2 + 0.01m);
        Assert.InRange(dear.Low, cheap.Low * 2 - 0.01m, cheap.Low * 2 + 0.01m);
        Assert.Contains("live catalog: c7i.8xlarge us-east-1 on-demand $0.044625/vCPU-h, aws catalog version 7", cheap.Source, StringComparison.Ordinal);
        Assert.Contains("live catalog", cheap.Detail, StringComparison.Ordinal);
        Assert.StartsWith("computed from", cheap.Source, StringComparison.Ordinal);
    }

    [Fact]
    public void The_options_region_comes_first_then_the_providers_cheapest_anywhere()
    {
        var elsewhereCheaper = C7i(price: 1.0m, region: "us-east-2");
        var inRegion = DataProcessing(P5(), C7i(price: 1.428m), elsewhereCheaper);
        var onlyElsewhere = DataProcessing(P5(), elsewhereCheaper, C7i(price: 2.0m, region: "eu-west-1"));

        Assert.Contains("c7i.8xlarge us-east-1", inRegion.Source, StringComparison.Ordinal);
        Assert.Contains("option's region", inRegion.Source, StringComparison.Ordinal);
        Assert.Contains("c7i.8xlarge us-east-2", onlyElsewhere.Source, StringComparison.Ordinal);
        Assert.Contains("none in us-east-1", onlyElsewhere.Source, StringComparison.Ordinal);
        Assert.True(onlyElsewhere.Amount < inRegion.Amount);
    }

    [Fact]
    public void Only_on_demand_and_the_options_provider_price_the_vcpu_hour()
    {
        var cited = DataProcessing(P5());
        var spotOnly = DataProcessing(P5(), C7i(pricingModel: PricingModels.Spot, price: 0.5m));
        var otherProvider = DataProcessing(P5(), Offer(provider: "azure", instanceType: "Standard_D32s_v5", price: 1.536m, acceleratorId: Cpu, acceleratorsPerInstance: 32m));

        Assert.StartsWith("computed from", cited.Source, StringComparison.Ordinal);
        Assert.Contains("cited: aws", cited.Source, StringComparison.Ordinal);
        Assert.Equal(cited, spotOnly);
        Assert.Equal(cited, otherProvider);
    }

    [Fact]
    public void Without_a_cpu_offer_data_processing_uses_the_cited_figure()
    {
        var line = DataProcessing(P5());
        var defaults = ProgramDefaults.Default;
        var cpu = ProviderCosts.Default.For("aws");

        Assert.Equal(PlanFormulas.Cents(10 * defaults.RawBytesPerDatasetByte.Value * defaults.CpuHoursPerRawTb.Value * cpu.CpuUsdPerVcpuHour), line.Amount);
        Assert.Contains(cpu.CpuSource, line.Source, StringComparison.Ordinal);
        Assert.Contains("cited", line.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_cpu_price_change_changes_the_price_dependency_hash_whatever_the_accelerator_filter()
    {
        var spec = Spec(acceleratorIds: [H100]);

        Assert.NotEqual(Engine().PriceDependencyHash(spec, Prices(P5(), C7i(price: 1.428m))), Engine().PriceDependencyHash(spec, Prices(P5(), C7i(price: 1.5m))));
    }
}
