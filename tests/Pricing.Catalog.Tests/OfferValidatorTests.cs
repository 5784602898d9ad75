namespace Pricing.Catalog.Tests;

public sealed class OfferValidatorTests
{
    private readonly OfferValidator _validator = new(AcceleratorRegistry.Default);

    private static QuarantinedRow SingleQuarantined(ValidatedOffers result, string rule)
    {
        var row = Assert.Single(result.Quarantined);
        Assert.Equal(rule, row.Rule);
        Assert.False(string.IsNullOrWhiteSpace(row.Reason));
        return row;
    }

    [Fact]
    public void A_valid_offer_passes_unchanged()
    {
        var offer = TestOffers.Make();

        var result = _validator.Validate([offer]);

        Assert.Same(offer, Assert.Single(result.Offers));
        Assert.Empty(result.Quarantined);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("0.0000")]
    [InlineData("-1.5")]
    public void A_zero_or_negative_price_is_quarantined(string price)
    {
        var offer = TestOffers.Make(price: decimal.Parse(price, System.Globalization.CultureInfo.InvariantCulture));

        var result = _validator.Validate([offer]);

        Assert.Empty(result.Offers);
        var row = SingleQuarantined(result, QuarantineRules.ZeroPrice);
        Assert.Equal("aws", row.Provider);
        Assert.Contains("p5.48xlarge", row.Row, StringComparison.Ordinal);
    }

    [Fact]
    public void The_700_per_chip_hour_placeholder_is_quarantined_as_implausible()
    {
        // GCP catalogs carry 700.0 for TPU v6e regions with no offer: one chip at 700/h is not a price.
        var placeholder = TestOffers.Make(provider: "gcp", instanceType: "tpu-v6e-1", region: "us-east5", acceleratorId: "google-tpu-v6e",
            acceleratorsPerInstance: 1, price: 700.0m);

        var result = _validator.Validate([placeholder]);

        Assert.Empty(result.Offers);
        SingleQuarantined(result, QuarantineRules.ImplausiblePrice);
    }

    [Fact]
    public void The_plausibility_limit_is_per_accelerator_hour_not_per_instance_hour()
    {
        // 700 per hour for 8 GPUs is 87.5 per GPU-hour: dear, but under the limit.
        var eightGpus = TestOffers.Make(price: 700m, acceleratorsPerInstance: 8);

        var result = _validator.Validate([eightGpus]);

        Assert.Single(result.Offers);
        Assert.Empty(result.Quarantined);
    }

    [Fact]
    public void The_plausibility_limit_can_be_set()
    {
        var strict = new OfferValidator(AcceleratorRegistry.Default, maxPricePerAcceleratorHour: 10m);

        var result = strict.Validate([TestOffers.Make(price: 88m), TestOffers.Make(region: "us-west-2", price: 72m)]);

        Assert.Equal("us-west-2", Assert.Single(result.Offers).Region);
        SingleQuarantined(result, QuarantineRules.ImplausiblePrice);
    }

    [Fact]
    public void An_unknown_accelerator_is_quarantined_not_dropped()
    {
        var result = _validator.Validate([TestOffers.Make(acceleratorId: "nvidia-x999")]);

        Assert.Empty(result.Offers);
        var row = SingleQuarantined(result, QuarantineRules.UnknownAccelerator);
        Assert.Contains("nvidia-x999", row.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_pricing_model_is_quarantined()
    {
        var result = _validator.Validate([TestOffers.Make(pricingModel: "weekly")]);

        Assert.Empty(result.Offers);
        SingleQuarantined(result, QuarantineRules.UnknownPricingModel);
    }

    [Theory]
    [InlineData(PricingModels.OnDemand)]
    [InlineData(PricingModels.Spot)]
    [InlineData(PricingModels.Committed1Y)]
    [InlineData(PricingModels.Committed3Y)]
    [InlineData("reserved_1y_convertible_no_upfront")]
    [InlineData("savings_plan_compute_3y_partial_upfront")]
    [InlineData(PricingModels.CapacityBlock)]
    [InlineData(PricingModels.DwsFlexStart)]
    [InlineData(PricingModels.DwsCalendar)]
    public void Known_pricing_models_pass(string model)
    {
        var result = _validator.Validate([TestOffers.Make(pricingModel: model)]);

        Assert.Single(result.Offers);
        Assert.Empty(result.Quarantined);
    }

    [Fact]
    public void No_accelerators_per_instance_is_malformed()
    {
        var result = _validator.Validate([TestOffers.Make(acceleratorsPerInstance: 0)]);

        Assert.Empty(result.Offers);
        SingleQuarantined(result, QuarantineRules.Malformed);
    }

    [Fact]
    public void An_exact_duplicate_keeps_one_row_and_quarantines_the_other()
    {
        var first = TestOffers.Make(price: 55.04m, skuId: "A");
        var second = TestOffers.Make(price: 55.04m, skuId: "B");

        var result = _validator.Validate([first, second]);

        Assert.Equal(55.04m, Assert.Single(result.Offers).PricePerInstanceHour);
        SingleQuarantined(result, QuarantineRules.Duplicate);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void One_price_at_two_precisions_keeps_the_more_precise(bool lessPreciseFirst)
    {
        // The same AWS price printed as 21.957642 and as 21.95764 (reference README, Traps).
        var precise = TestOffers.Make(instanceType: "trn1.32xlarge", acceleratorId: "aws-trainium1", acceleratorsPerInstance: 16, price: 21.957642m);
        var rounded = precise with { PricePerInstanceHour = 21.95764m };
        Offer[] rows = lessPreciseFirst ? [rounded, precise] : [precise, rounded];

        var result = _validator.Validate(rows);

        Assert.Equal(21.957642m, Assert.Single(result.Offers).PricePerInstanceHour);
        var row = SingleQuarantined(result, QuarantineRules.DuplicatePrecision);
        Assert.Contains("21.95764 ", row.Row, StringComparison.Ordinal);
    }

    [Fact]
    public void Conflicting_duplicates_are_both_quarantined()
    {
        // Azure swedencentral NC96ads_A100_v4 has two Spot meters, 7.3229 and 5.8580: we cannot tell which is right.
        var a = TestOffers.Make(provider: "azure", instanceType: "Standard_NC96ads_A100_v4", region: "swedencentral",
            acceleratorId: "nvidia-a100-80gb", acceleratorsPerInstance: 4, pricingModel: PricingModels.Spot, price: 7.3229m);
        var b = a with { PricePerInstanceHour = 5.8580m };

        var result = _validator.Validate([a, b]);

        Assert.Empty(result.Offers);
        Assert.Equal(2, result.Quarantined.Count);
        Assert.All(result.Quarantined, r => Assert.Equal(QuarantineRules.ConflictingDuplicate, r.Rule));
    }

    [Fact]
    public void Duplicates_with_a_different_rounding_are_conflicting_not_precision_variants()
    {
        // 21.95765 is not 21.957642 at five decimals (that would be 21.95764).
        var precise = TestOffers.Make(price: 21.957642m);
        var other = precise with { PricePerInstanceHour = 21.95765m };

        var result = _validator.Validate([precise, other]);

        Assert.Empty(result.Offers);
        Assert.All(result.Quarantined, r => Assert.Equal(QuarantineRules.ConflictingDuplicate, r.Rule));
    }

    [Fact]
    public void Spot_above_on_demand_quarantines_the_spot_row_only()
    {
        var onDemand = TestOffers.Make(instanceType: "a3-ultragpu-8g", provider: "gcp", acceleratorId: "nvidia-h200-141gb", price: 84.80m);
        var spot = onDemand with { PricingModel = PricingModels.Spot, PricePerInstanceHour = 90.12m };

        var result = _validator.Validate([onDemand, spot]);

        Assert.Equal(PricingModels.OnDemand, Assert.Single(result.Offers).PricingModel);
        var row = SingleQuarantined(result, QuarantineRules.SpotAboveOnDemand);
        Assert.Contains("model=spot", row.Row, StringComparison.Ordinal);
    }

    [Fact]
    public void Zonal_spot_above_a_regional_on_demand_price_is_quarantined()
    {
        var onDemand = TestOffers.Make(price: 55.04m);
        var spot = TestOffers.Make(pricingModel: PricingModels.Spot, zone: "us-east-1a", price: 60m);

        var result = _validator.Validate([spot, onDemand]);

        Assert.Equal(PricingModels.OnDemand, Assert.Single(result.Offers).PricingModel);
        SingleQuarantined(result, QuarantineRules.SpotAboveOnDemand);
    }

    [Fact]
    public void Spot_equal_to_on_demand_is_kept()
    {
        // Azure polandcentral ND96isr_H200_v5: Spot 130.5920 = on-demand 130.5920.
        var onDemand = TestOffers.Make(provider: "azure", instanceType: "Standard_ND96isr_H200_v5", region: "polandcentral",
            acceleratorId: "nvidia-h200-141gb", price: 130.5920m);
        var spot = onDemand with { PricingModel = PricingModels.Spot };

        var result = _validator.Validate([onDemand, spot]);

        Assert.Equal(2, result.Offers.Count);
        Assert.Empty(result.Quarantined);
    }

    [Fact]
    public void Spot_is_compared_with_on_demand_of_the_same_region_only()
    {
        var cheapRegion = TestOffers.Make(region: "us-east-1", price: 40m);
        var spotElsewhere = TestOffers.Make(region: "eu-west-1", pricingModel: PricingModels.Spot, price: 45m);

        var result = _validator.Validate([cheapRegion, spotElsewhere]);

        Assert.Equal(2, result.Offers.Count);
        Assert.Empty(result.Quarantined);
    }

    [Fact]
    public void Rows_quarantined_earlier_are_kept_with_the_new_ones()
    {
        var earlier = new QuarantinedRow("aws", QuarantineRules.NonHourlyUnit, "unit", "row");

        var result = _validator.Validate([TestOffers.Make(price: 0m), TestOffers.Make(region: "us-west-2")], [earlier]);

        Assert.Single(result.Offers);
        Assert.Equal([QuarantineRules.NonHourlyUnit, QuarantineRules.ZeroPrice], result.Quarantined.Select(r => r.Rule));
    }

    [Fact]
    public void Every_candidate_ends_up_either_accepted_or_quarantined()
    {
        Offer[] candidates =
        [
            TestOffers.Make(region: "r1"),
            TestOffers.Make(region: "r2", price: 0m),
            TestOffers.Make(region: "r3", acceleratorId: "unknown"),
            TestOffers.Make(region: "r4", price: 21.957642m),
            TestOffers.Make(region: "r4", price: 21.95764m),
            TestOffers.Make(region: "r5", price: 1m),
            TestOffers.Make(region: "r5", price: 2m),
            TestOffers.Make(region: "r6", price: 10m),
            TestOffers.Make(region: "r6", pricingModel: PricingModels.Spot, price: 11m),
        ];

        var result = _validator.Validate(candidates);

        Assert.Equal(candidates.Length, result.Offers.Count + result.Quarantined.Count);
        Assert.Equal(["r1", "r4", "r6"], result.Offers.Select(o => o.Region).Order());
    }
}
