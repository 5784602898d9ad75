using System.Text;
using Pricing.Catalog;
using Pricing.Sources;

namespace Aws.Pricing.Tests;

public sealed class OfferMapperTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<MappingResult> MapAsync(OfferFileBuilder builder, string region = "us-east-1")
    {
        var file = await new AwsOfferFileParser(new AwsProductFilter(AwsInstanceTypeMap.Default))
            .ParseAsync(new MemoryStream(builder.Utf8()), Ct);
        return new AwsOfferMapper(AwsInstanceTypeMap.Default).Map(file, region);
    }

    private static async Task<Offer> OneOfferAsync(OfferFileBuilder builder, string model)
    {
        var result = await MapAsync(builder);
        Assert.Empty(result.Quarantined);
        return Assert.Single(result.Offers, o => o.PricingModel == model);
    }

    private static async Task<QuarantinedRow> QuarantinedAsync(OfferFileBuilder builder, string rule)
    {
        var result = await MapAsync(builder);
        var row = Assert.Single(result.Quarantined);
        Assert.Equal(rule, row.Rule);
        Assert.Equal("aws", row.Provider);
        return row;
    }

    [Fact]
    public async Task On_demand_is_the_hourly_rate_with_the_instance_facts_from_the_map()
    {
        var offer = await OneOfferAsync(new OfferFileBuilder().Product("P4DSKU0000000001", "p4d.24xlarge", "21.9576420000"), PricingModels.OnDemand);

        Assert.Equal("aws", offer.Provider);
        Assert.Equal("us-east-1", offer.Region);
        Assert.Null(offer.Zone);
        Assert.Equal("p4d.24xlarge", offer.InstanceType);
        Assert.Equal("nvidia-a100-40gb", offer.AcceleratorId);
        Assert.Equal(8m, offer.AcceleratorsPerInstance);
        Assert.Equal(96, offer.Vcpus);
        Assert.Equal(1152m, offer.MemoryGib);
        Assert.Equal(21.957642m, offer.PricePerInstanceHour);
        Assert.Equal(21.957642m / 8m, offer.PricePerAcceleratorHour);
        Assert.Equal("USD", offer.Currency);
        Assert.Equal("P4DSKU0000000001", offer.SkuId);
        Assert.Equal("P4DSKU0000000001.JRTCKXETXF.6YS6EN2CT7", offer.MeterId);
        Assert.Equal(new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero), offer.EffectiveDate);
    }

    [Fact]
    public async Task Prices_are_exact_decimals_without_the_files_padding()
    {
        var offer = await OneOfferAsync(new OfferFileBuilder().Product("P4DSKU0000000001", "p4d.24xlarge", "21.9576420000"), PricingModels.OnDemand);

        // Exact, and at the precision the figure has (6 places), not the 10 the file pads it to.
        Assert.Equal("21.957642", offer.PricePerInstanceHour.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData("21.9576420000", "21.957642")]
    [InlineData("21.9576400000", "21.95764")]
    [InlineData("55.0400000000", "55.04")]
    [InlineData("100.0000000000", "100")]
    [InlineData("1161", "1161")]
    [InlineData("0.0000000000", "0")]
    [InlineData("0.1234567890123", "0.1234567890123")]
    public void TryParsePrice_reads_the_exact_figure(string text, string expected)
    {
        Assert.True(AwsOfferMapper.TryParsePrice(text, out var price));
        Assert.Equal(expected, price.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("N/A")]
    [InlineData("-1.0")]
    [InlineData("1e3")]
    [InlineData(" 1.0")]
    [InlineData("1,5")]
    [InlineData(".5")]
    public void TryParsePrice_rejects_what_is_not_a_plain_decimal(string? text)
    {
        Assert.False(AwsOfferMapper.TryParsePrice(text, out _));
    }

    [Fact]
    public async Task p5_4xlarge_is_one_H100_although_the_API_says_gpu_0()
    {
        var result = await MapAsync(new OfferFileBuilder().Product("P54XL00000000001", "p5.4xlarge", "6.8800000000", gpu: "0"));

        var offer = Assert.Single(result.Offers);
        Assert.Equal("nvidia-h100-80gb", offer.AcceleratorId);
        Assert.Equal(1m, offer.AcceleratorsPerInstance);
        Assert.Equal(6.88m, offer.PricePerAcceleratorHour);
        var correction = Assert.Single(result.Notes);
        Assert.Contains("p5.4xlarge", correction, StringComparison.Ordinal);
        Assert.Contains("gpu=0", correction, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("p5e.48xlarge")]
    [InlineData("p5en.48xlarge")]
    public async Task p5e_and_p5en_are_eight_H200_141GB_by_instance_type(string instanceType)
    {
        // The API's own GPU facts for these types are unreliable (it names the GPU just "NVIDIA"); only the type counts.
        var result = await MapAsync(new OfferFileBuilder().Product("P5ESKU0000000001", instanceType, "63.2960000000", gpu: "8"));

        var offer = Assert.Single(result.Offers);
        Assert.Equal("nvidia-h200-141gb", offer.AcceleratorId);
        Assert.Equal(8m, offer.AcceleratorsPerInstance);
        Assert.Empty(result.Notes);
        Assert.True(AcceleratorRegistry.Default.TryGet(offer.AcceleratorId, out var h200));
        Assert.Equal(141, h200.MemoryGb);
    }

    [Fact]
    public async Task An_accelerated_type_missing_from_the_map_is_quarantined_not_dropped()
    {
        var row = await QuarantinedAsync(new OfferFileBuilder().Product("DL1SKU0000000001", "dl1.24xlarge", "13.1090000000"), QuarantineRules.UnknownAccelerator);

        Assert.Contains("dl1.24xlarge", row.Row, StringComparison.Ordinal);
        Assert.Contains("DL1SKU0000000001", row.Row, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_on_demand_rate_not_per_hour_is_quarantined_as_non_hourly()
    {
        var builder = new OfferFileBuilder();
        builder.Product(OfferFileBuilder.ProductJson("P5SKU00000000001", "p5.48xlarge")).OnDemand("P5SKU00000000001", "1320.9600000000", unit: "Days");

        var row = await QuarantinedAsync(builder, QuarantineRules.NonHourlyUnit);

        Assert.Contains("Days", row.Reason, StringComparison.Ordinal);
        Assert.Contains("1320.9600000000", row.Row, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("N/A")]
    [InlineData("55,04")]
    public async Task A_price_that_is_not_a_decimal_is_quarantined_as_malformed(string usd)
    {
        var row = await QuarantinedAsync(new OfferFileBuilder().Product("P5SKU00000000001", "p5.48xlarge", usd), QuarantineRules.Malformed);

        Assert.Contains($"'{usd}'", row.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_zero_on_demand_price_is_passed_on_for_the_validator_to_quarantine()
    {
        var result = await MapAsync(new OfferFileBuilder().Product("P5ESKU0000000001", "p5e.48xlarge", "0.0000000000"));
        var validated = new OfferValidator(AcceleratorRegistry.Default).Validate(result.Offers, result.Quarantined);

        Assert.Empty(validated.Offers);
        Assert.Equal(QuarantineRules.ZeroPrice, Assert.Single(validated.Quarantined).Rule);
    }

    [Fact]
    public async Task Standard_no_upfront_reservations_are_the_committed_models_at_their_hourly_rate()
    {
        var builder = new OfferFileBuilder().Product("P4DSKU0000000001", "p4d.24xlarge", "21.9576420000")
            .Reserved("P4DSKU0000000001", "4NA7Y494T4", "1yr", "standard", "No Upfront", "13.2900000000", null)
            .Reserved("P4DSKU0000000001", "BPH4J8HBKS", "3yr", "standard", "No Upfront", "8.1600000000", null);

        var result = await MapAsync(builder);

        Assert.Empty(result.Quarantined);
        Assert.Equal(13.29m, Assert.Single(result.Offers, o => o.PricingModel == PricingModels.Committed1Y).PricePerInstanceHour);
        Assert.Equal(8.16m, Assert.Single(result.Offers, o => o.PricingModel == PricingModels.Committed3Y).PricePerInstanceHour);
        Assert.Equal("P4DSKU0000000001.4NA7Y494T4.6YS6EN2CT7", Assert.Single(result.Offers, o => o.PricingModel == PricingModels.Committed1Y).MeterId);
    }

    [Fact]
    public async Task Partial_upfront_is_priced_at_its_effective_hourly_rate_under_its_own_model()
    {
        var offer = await OneOfferAsync(new OfferFileBuilder().Product("P4DSKU0000000001", "p4d.24xlarge")
            .Reserved("P4DSKU0000000001", "HU7G6KETJZ", "1yr", "standard", "Partial Upfront", "5.5000000000", "57816"), "reserved_1y_partial_upfront");

        Assert.Equal(57816m / 8760m + 5.5m, offer.PricePerInstanceHour);
        Assert.Equal(12.1m, offer.PricePerInstanceHour);
        Assert.True(PricingModels.IsKnown(offer.PricingModel));
    }

    [Fact]
    public async Task All_upfront_spreads_the_fee_over_the_hours_of_the_term()
    {
        var offer = await OneOfferAsync(new OfferFileBuilder().Product("P4DSKU0000000001", "p4d.24xlarge")
            .Reserved("P4DSKU0000000001", "MZU6U2429S", "3yr", "standard", "All Upfront", "0.0000000000", "262800"), "reserved_3y_all_upfront");

        Assert.Equal(262800m / (3 * 8760m), offer.PricePerInstanceHour);
        Assert.Equal(10m, offer.PricePerInstanceHour);
    }

    [Theory]
    [InlineData("1yr", "No Upfront", "15.0000000000", null, "reserved_1y_convertible_no_upfront", "15")]
    [InlineData("1yr", "Partial Upfront", "7.0000000000", "61320", "reserved_1y_convertible_partial_upfront", "14")]
    [InlineData("3yr", "All Upfront", "0.0000000000", "315360", "reserved_3y_convertible_all_upfront", "12")]
    public async Task Convertible_reservations_are_their_own_models_at_the_effective_hourly_rate(
        string lease, string option, string hourly, string? upfront, string model, string effective)
    {
        var result = await MapAsync(new OfferFileBuilder().Product("P4DSKU0000000001", "p4d.24xlarge", "21.9576420000")
            .Reserved("P4DSKU0000000001", "7NE97W5U4E", lease, "convertible", option, hourly, upfront));

        Assert.Empty(result.Quarantined);
        Assert.Equal([PricingModels.OnDemand, model], result.Offers.Select(o => o.PricingModel).Order(StringComparer.Ordinal));
        var offer = Assert.Single(result.Offers, o => o.PricingModel == model);
        Assert.Equal(decimal.Parse(effective, System.Globalization.CultureInfo.InvariantCulture), offer.PricePerInstanceHour);
        var terms = PricingModels.Terms(model)!;
        Assert.Equal("convertible_ri", terms.PlanType);
        Assert.Equal(PricingKind.Commitment, terms.Kind);
    }

    [Fact]
    public async Task A_standard_and_a_convertible_term_of_the_same_lease_and_payment_stay_apart()
    {
        var result = await MapAsync(new OfferFileBuilder().Product("P4DSKU0000000001", "p4d.24xlarge")
            .Reserved("P4DSKU0000000001", "4NA7Y494T4", "1yr", "standard", "No Upfront", "13.2900000000", null)
            .Reserved("P4DSKU0000000001", "7NE97W5U4E", "1yr", "convertible", "No Upfront", "15.0000000000", null));

        Assert.Equal(13.29m, Assert.Single(result.Offers, o => o.PricingModel == PricingModels.Committed1Y).PricePerInstanceHour);
        Assert.Equal(15m, Assert.Single(result.Offers, o => o.PricingModel == "reserved_1y_convertible_no_upfront").PricePerInstanceHour);
    }

    [Fact]
    public async Task A_reserved_rate_not_per_hour_is_quarantined_as_non_hourly()
    {
        var row = await QuarantinedAsync(new OfferFileBuilder().Product("P4DSKU0000000001", "p4d.24xlarge")
            .Reserved("P4DSKU0000000001", "4NA7Y494T4", "1yr", "standard", "No Upfront", "9700", null, hourlyUnit: "Months"), QuarantineRules.NonHourlyUnit);

        Assert.Contains("Months", row.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_partial_upfront_term_without_its_fee_is_malformed()
    {
        await QuarantinedAsync(new OfferFileBuilder().Product("P4DSKU0000000001", "p4d.24xlarge")
            .Reserved("P4DSKU0000000001", "HU7G6KETJZ", "1yr", "standard", "Partial Upfront", "5.5000000000", null), QuarantineRules.Malformed);
    }

    [Theory]
    [InlineData("2yr", "No Upfront")]
    [InlineData("1yr", "Heavy Utilization")]
    public async Task An_unknown_lease_or_purchase_option_is_quarantined_as_an_unknown_model(string lease, string option)
    {
        await QuarantinedAsync(new OfferFileBuilder().Product("P4DSKU0000000001", "p4d.24xlarge")
            .Reserved("P4DSKU0000000001", "XXXXXXXXXX", lease, "standard", option, "5.0000000000", null), QuarantineRules.UnknownPricingModel);
    }

    [Fact]
    public async Task A_term_the_parser_found_malformed_is_quarantined_with_its_problem()
    {
        var file = new OfferFileBuilder().Product("P5SKU00000000001", "p5.48xlarge", "55.0400000000").Build();
        file["terms"]!["OnDemand"]!["P5SKU00000000001"]!["P5SKU00000000001.JRTCKXETXF"]!["priceDimensions"] = "oops";
        var parsed = await new AwsOfferFileParser(new AwsProductFilter(AwsInstanceTypeMap.Default))
            .ParseAsync(new MemoryStream(Encoding.UTF8.GetBytes(file.ToJsonString())), Ct);

        var result = new AwsOfferMapper(AwsInstanceTypeMap.Default).Map(parsed, "us-east-1");

        Assert.Empty(result.Offers);
        var row = Assert.Single(result.Quarantined);
        Assert.Equal(QuarantineRules.Malformed, row.Rule);
        Assert.Contains("priceDimensions", row.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_product_without_regionCode_takes_the_region_of_its_file()
    {
        var product = OfferFileBuilder.ProductJson("P5SKU00000000001", "p5.48xlarge");
        product["attributes"]!.AsObject().Remove("regionCode");

        var result = await MapAsync(new OfferFileBuilder().Product(product).OnDemand("P5SKU00000000001", "55.0400000000"), region: "us-west-2");

        Assert.Equal("us-west-2", Assert.Single(result.Offers).Region);
    }
}
