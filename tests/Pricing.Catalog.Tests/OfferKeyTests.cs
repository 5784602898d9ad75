namespace Pricing.Catalog.Tests;

public sealed class OfferKeyTests
{
    [Fact]
    public void An_offer_key_reads_back_as_the_offer_it_came_from()
    {
        var zonal = TestOffers.Make(provider: "gcp", region: "us-central1", zone: "us-central1-a", instanceType: "a3-highgpu-8g", pricingModel: PricingModels.Spot);

        Assert.True(OfferKey.TryParse(zonal.OfferKey, out var key));

        Assert.Equal(OfferKey.Of(zonal), key);
        Assert.Equal(zonal.OfferKey, key.ToString());
        Assert.Equal("a3-highgpu-8g (us-central1-a)", key.InstanceLabel);
    }

    [Fact]
    public void A_regional_offer_has_an_empty_zone_that_reads_back_as_none()
    {
        var regional = TestOffers.Make(provider: "azure", region: "eastus", instanceType: "Standard_ND96isr_H100_v5");

        Assert.Equal("azure|eastus||Standard_ND96isr_H100_v5|on_demand", regional.OfferKey);
        Assert.True(OfferKey.TryParse(regional.OfferKey, out var key));
        Assert.Null(key.Zone);
        Assert.Equal("Standard_ND96isr_H100_v5", key.InstanceLabel);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("aws|us-east-1||p5.48xlarge")]
    [InlineData("aws|us-east-1||p5.48xlarge|on_demand|extra")]
    [InlineData("|us-east-1||p5.48xlarge|on_demand")]
    [InlineData("aws||us-east-1a|p5.48xlarge|on_demand")]
    [InlineData("aws|us-east-1|||on_demand")]
    [InlineData("aws|us-east-1||p5.48xlarge|")]
    [InlineData("p5.48xlarge")]
    public void Anything_but_five_parts_with_only_the_zone_empty_is_not_a_key(string? text)
    {
        Assert.False(OfferKey.TryParse(text, out var key));
        Assert.Equal(default, key);
    }
}
