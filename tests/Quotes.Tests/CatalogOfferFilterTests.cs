using Pricing.Catalog;
using Pricing.Contracts.V1;
using Quotes.Grpc;
using Offer = Pricing.Catalog.Offer;

namespace Quotes.Tests;

/// <summary>ListCatalogOffers lists the CPU rows (cpu-vcpu, priced per vCPU for data processing) only when asked by name.</summary>
public sealed class CatalogOfferFilterTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;

    private static Offer Of(string instance, string accelerator, decimal count, decimal price) =>
        new("aws", "us-east-1", null, instance, accelerator, count, 32, 64m, PricingModels.OnDemand, price, "USD", Now, "sku", "meter");

    private static readonly Offer C7i = Of("c7i.8xlarge", "cpu-vcpu", 32m, 1.428m);
    private static readonly Offer P5 = Of("p5.48xlarge", "nvidia-h100-80gb", 8m, 55.04m);

    [Fact]
    public void Without_an_accelerator_filter_the_cpu_rows_are_left_out()
    {
        var filter = OfferCatalogRequestMapping.FilterOf(new ListCatalogOffersRequest(), Now);

        Assert.True(filter.Matches(P5));
        Assert.False(filter.Matches(C7i));
    }

    [Fact]
    public void Named_the_cpu_rows_are_listed()
    {
        var filter = OfferCatalogRequestMapping.FilterOf(new ListCatalogOffersRequest { AcceleratorIds = { "cpu-vcpu" } }, Now);

        Assert.True(filter.Matches(C7i));
        Assert.False(filter.Matches(P5));
    }
}
