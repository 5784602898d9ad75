using System.Text;
using System.Text.Json.Nodes;
using Pricing.Catalog;
using Pricing.FakeProviders;
using Pricing.Sources;

namespace Aws.Pricing.Tests;

/// <summary>The Savings Plans rate file: streaming parser and mapper, on files in the API's JSON format.</summary>
public sealed class SavingsPlanTests
{
    private const string Compute1y = "COMPUTESP1YNOUPF";
    private const string Ec2Instance3y = "EC2P5SP3YPARTIAL";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Task<AwsSavingsPlanFile> ParseAsync(byte[] json, int bufferSize = AwsOfferFileParser.DefaultBufferSize) =>
        new AwsSavingsPlanFileParser(AwsInstanceTypeMap.Default, bufferSize).ParseAsync(new MemoryStream(json), Ct);

    private static async Task<MappingResult> MapAsync(SavingsPlanFileBuilder builder) =>
        new AwsSavingsPlanMapper(AwsInstanceTypeMap.Default).Map(await ParseAsync(builder.Utf8()), "us-east-1");

    private static SavingsPlanFileBuilder TwoPlans() => new SavingsPlanFileBuilder()
        .Plan(Compute1y, "ComputeSavingsPlans", 1, "No Upfront")
        .Plan(Ec2Instance3y, "EC2InstanceSavingsPlans", 3, "Partial Upfront", "p5");

    [Fact]
    public async Task Compute_and_EC2_Instance_plans_are_savings_plan_offers_at_the_plans_hourly_rate()
    {
        var result = await MapAsync(TwoPlans()
            .Rate(Compute1y, "BoxUsage:p5.48xlarge", "42.3808")
            .Rate(Ec2Instance3y, "BoxUsage:p5.48xlarge", "24.2176", discountedSku: "P5SKU00000000001"));

        Assert.Empty(result.Quarantined);
        var compute = Assert.Single(result.Offers, o => o.PricingModel == "savings_plan_compute_1y_no_upfront");
        Assert.Equal(42.3808m, compute.PricePerInstanceHour);
        Assert.Equal(("us-east-1", "p5.48xlarge", "nvidia-h100-80gb", 8m), (compute.Region, compute.InstanceType, compute.AcceleratorId, compute.AcceleratorsPerInstance));
        Assert.Equal(Compute1y, compute.SkuId);
        Assert.Equal($"{Compute1y}.DISCOUNTEDSKU0001", compute.MeterId);
        Assert.Equal(new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero), compute.EffectiveDate);
        var ec2 = Assert.Single(result.Offers, o => o.PricingModel == "savings_plan_ec2_instance_3y_partial_upfront");
        Assert.Equal(24.2176m, ec2.PricePerInstanceHour);
        Assert.Equal((PricingKind.SavingsPlan, "ec2_instance", 36), (PricingModels.Terms(ec2.PricingModel)!.Kind, PricingModels.Terms(ec2.PricingModel)!.PlanType, PricingModels.Terms(ec2.PricingModel)!.TermMonths));
    }

    [Fact]
    public async Task Only_shared_tenancy_Linux_EC2_usage_of_accelerated_families_is_kept_the_rest_is_counted()
    {
        var file = await ParseAsync(TwoPlans()
            .Rate(Compute1y, "USE2-BoxUsage:p4d.24xlarge", "15.1")
            .Rate(Compute1y, "USE2-DedicatedUsage:p4d.24xlarge", "16.6")
            .Rate(Compute1y, "USE2-UnusedBox:p4d.24xlarge", "15.1")
            .Rate(Compute1y, "USE2-BoxUsage:p4d.24xlarge", "25.9", operation: "RunInstances:0002")
            .Rate(Compute1y, "USE2-BoxUsage:r7g.large", "0.07")
            .Rate(Compute1y, "USE2-Lambda-GB-Second", "0.0000133", serviceCode: "AWSLambda", unit: "Lambda-GB-Second")
            .Utf8());

        var kept = Assert.Single(Assert.Single(file.Terms, t => t.Sku == Compute1y).Rates);
        Assert.Equal("p4d.24xlarge", kept.BoxUsageInstanceType);
        Assert.Equal(1, file.SkippedRates[AwsSavingsPlanFileParser.NotEc2]);
        Assert.Equal(3, file.SkippedRates[AwsSavingsPlanFileParser.NotSharedLinux]);
        Assert.Equal(1, file.SkippedRates[AwsSavingsPlanFileParser.NotScrapedFamily]);
        Assert.Equal(2, file.Products.Count);
        Assert.Equal("us-east-1", file.RegionCode);
    }

    [Theory]
    [InlineData("abc", "Hrs", QuarantineRules.Malformed, "'abc'")]
    [InlineData("-1.5", "Hrs", QuarantineRules.Malformed, "'-1.5'")]
    [InlineData("1320.96", "Days", QuarantineRules.NonHourlyUnit, "'Days'")]
    public async Task A_rate_that_cannot_be_priced_is_quarantined_with_its_reason_and_the_rest_is_priced(string price, string unit, string rule, string reason)
    {
        var result = await MapAsync(TwoPlans()
            .Rate(Compute1y, "BoxUsage:p5.48xlarge", price, unit: unit)
            .Rate(Compute1y, "BoxUsage:p4d.24xlarge", "15.1", discountedSku: "P4DSKU0000000001"));

        var row = Assert.Single(result.Quarantined);
        Assert.Equal(rule, row.Rule);
        Assert.Contains(reason, row.Reason, StringComparison.Ordinal);
        Assert.Contains("usageType=BoxUsage:p5.48xlarge", row.Row, StringComparison.Ordinal);
        Assert.Equal("p4d.24xlarge", Assert.Single(result.Offers).InstanceType);
    }

    [Fact]
    public async Task An_accelerated_type_missing_from_the_map_is_quarantined_as_unknown()
    {
        var result = await MapAsync(TwoPlans().Rate(Compute1y, "BoxUsage:dl1.24xlarge", "9.1"));

        Assert.Equal(QuarantineRules.UnknownAccelerator, Assert.Single(result.Quarantined).Rule);
        Assert.Empty(result.Offers);
    }

    [Fact]
    public async Task A_plan_of_unknown_length_is_an_unknown_model_and_a_term_without_its_product_is_malformed()
    {
        var builder = new SavingsPlanFileBuilder()
            .Plan("TWOYEARPLAN00001", "ComputeSavingsPlans", 2, "No Upfront")
            .Rate("TWOYEARPLAN00001", "BoxUsage:p5.48xlarge", "40.0");
        var file = builder.Build();
        file["products"]!.AsArray().Add(new JsonObject { ["sku"] = "OTHERPRODUCT0001", ["productFamily"] = "ComputeSavingsPlans" });
        file["terms"]!["savingsPlan"]!.AsArray().Add(new JsonObject
        {
            ["sku"] = "ORPHANPLAN000001",
            ["leaseContractLength"] = new JsonObject { ["duration"] = 1, ["unit"] = "year" },
            ["rates"] = new JsonArray(new SavingsPlanFileBuilder().Plan("X", "ComputeSavingsPlans", 1, "No Upfront").Rate("X", "BoxUsage:p5.48xlarge", "40.0").Build()["terms"]!["savingsPlan"]![0]!["rates"]![0]!.DeepClone()),
        });

        var result = new AwsSavingsPlanMapper(AwsInstanceTypeMap.Default).Map(await ParseAsync(Encoding.UTF8.GetBytes(file.ToJsonString())), "us-east-1");

        Assert.Empty(result.Offers);
        Assert.Contains(result.Quarantined, r => r.Rule == QuarantineRules.UnknownPricingModel && r.Reason.Contains("'2 year'", StringComparison.Ordinal));
        Assert.Contains(result.Quarantined, r => r.Rule == QuarantineRules.Malformed && r.Reason.Contains("ORPHANPLAN000001 has no product", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_rate_of_the_wrong_shape_makes_its_plan_malformed_never_half_read()
    {
        var result = await MapAsync(TwoPlans()
            .Rate(Compute1y, "BoxUsage:p5.48xlarge", "42.3808")
            .RawRate(Compute1y, JsonValue.Create("not a rate"))
            .Rate(Ec2Instance3y, "BoxUsage:p5.48xlarge", "24.2176"));

        var row = Assert.Single(result.Quarantined);
        Assert.Equal(QuarantineRules.Malformed, row.Rule);
        Assert.Contains(Compute1y, row.Row, StringComparison.Ordinal);
        Assert.Equal(["savings_plan_ec2_instance_3y_partial_upfront"], result.Offers.Select(o => o.PricingModel));
    }

    [Fact]
    public async Task Rates_before_the_plans_other_fields_and_a_tiny_buffer_read_the_same()
    {
        var file = TwoPlans().Rate(Compute1y, "BoxUsage:p5.48xlarge", "42.3808").Rate(Ec2Instance3y, "BoxUsage:p5.48xlarge", "24.2176").Build();
        // Move every plan's rates before its sku, effectiveDate and lease: the order of fields is not the format's.
        foreach (var plan in file["terms"]!["savingsPlan"]!.AsArray().OfType<JsonObject>())
        {
            var rates = plan["rates"]!.DeepClone();
            var rest = plan.Where(p => p.Key != "rates").Select(p => (p.Key, Value: p.Value?.DeepClone())).ToList();
            plan.Clear();
            plan["rates"] = rates;
            foreach (var (key, value) in rest)
            {
                plan[key] = value;
            }
        }

        var json = Encoding.UTF8.GetBytes(file.ToJsonString());
        var whole = await ParseAsync(json);
        var tiny = await ParseAsync(json, bufferSize: 64);

        Assert.Equal(2, whole.Terms.Count);
        Assert.Equal(whole.Terms.SelectMany(t => t.Rates), tiny.Terms.SelectMany(t => t.Rates));
        Assert.Equal(whole.Terms.Select(t => (t.Sku, t.LeaseDuration, t.LeaseUnit, t.EffectiveDate)), tiny.Terms.Select(t => (t.Sku, t.LeaseDuration, t.LeaseUnit, t.EffectiveDate)));
        Assert.Equal(json.Length, tiny.Bytes);
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(0.98)]
    public async Task A_cut_rate_file_throws_so_a_partial_file_never_becomes_offers(double keep)
    {
        var json = TwoPlans().Rate(Compute1y, "BoxUsage:p5.48xlarge", "42.3808").Utf8();

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => ParseAsync(json[..(int)(json.Length * keep)], bufferSize: 128));

        Assert.Contains("savings plan rate file", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_recorded_ap_east_2_rate_file_reads_whole_and_keeps_nothing_of_r7g()
    {
        var file = await ParseAsync(Encoding.UTF8.GetBytes(FakeAwsPriceListApi.ReadEmbedded("savings-plan-ap-east-2.json")));

        Assert.Equal("ap-east-2", file.RegionCode);
        Assert.Equal("20250911184447", file.Version);
        var product = Assert.Single(file.Products);
        Assert.Equal(("EC2InstanceSavingsPlans", "Partial Upfront", "r7g"), (product.ProductFamily, product.PurchaseOption, product.InstanceFamily));
        var term = Assert.Single(file.Terms);
        Assert.Equal(("3", "year"), (term.LeaseDuration, term.LeaseUnit));
        Assert.Empty(term.Rates);
        Assert.Empty(file.Malformed);
        // 44 verbatim rates: the Linux shared-tenancy ones are r7g (not accelerated), the rest dedicated, unused or other OS.
        Assert.Equal(44, file.SkippedRates.Values.Sum());
        Assert.True(file.SkippedRates[AwsSavingsPlanFileParser.NotScrapedFamily] > 0);
    }
}
