using Pricing.Catalog;

namespace Gcp.Pricing.Tests;

public sealed class PageParserTests
{
    [Fact]
    public async Task Units_and_nanos_become_an_exact_decimal()
    {
        var sku = Assert.Single(await ApiJson.SkusAsync(ApiJson.A100Americas()));

        var rate = Assert.Single(sku.TieredRates);
        Assert.Equal(2.933908m, rate.UnitPrice);
        Assert.Equal("USD", rate.Currency);
        Assert.Equal(0m, rate.StartUsageAmount);
    }

    [Fact]
    public async Task Nine_nano_digits_are_kept_where_a_double_would_round()
    {
        // 10.344275712 is the real 'Nvidia H100 80GB Plus GPU running in Americas' price; eight of them as doubles
        // would not sum to the decimal 82.754205696.
        var sku = Assert.Single(await ApiJson.SkusAsync(ApiJson.Sku("Nvidia H100 80GB Plus GPU running in Americas", "10", 344275712)));

        Assert.Equal(10.344275712m, sku.TieredRates[0].UnitPrice);
        Assert.Equal(82.754205696m, sku.TieredRates[0].UnitPrice * 8);
    }

    [Fact]
    public async Task The_verbatim_opencost_page_binds_with_its_fields()
    {
        var page = await GcpSkuPageParser.ParseAsync(
            EmbeddedPages.Open("6F81-5844-456A-page-0001.json"), TestContext.Current.CancellationToken);
        var a100 = Assert.Single(page.Skus, s => s.SkuId == "039F-D0DA-4055");

        Assert.Equal("Nvidia Tesla A100 GPU running in Americas", a100.Description);
        Assert.Equal("GPU", a100.ResourceGroup);
        Assert.Equal("Compute", a100.ResourceFamily);
        Assert.Equal("OnDemand", a100.UsageType);
        Assert.Equal(["us-central1", "us-east1", "us-west1"], a100.ServiceRegions);
        Assert.Equal("h", a100.UsageUnit);
        Assert.Equal(new DateTimeOffset(2023, 3, 24, 10, 52, 50, 681, TimeSpan.Zero), a100.EffectiveTime);
        Assert.NotNull(page.NextPageToken);
    }

    [Fact]
    public async Task A_SKU_priced_in_another_currency_keeps_that_currency_and_a_capitalised_EffectiveTime_still_reads()
    {
        // As the verbatim 'T2D AMD Instance Core running in Singapore' SKU: IDR, and "EffectiveTime" spelled with a capital E.
        var json = ApiJson.Sku("T2D AMD Instance Core running in Singapore", "508", 934997455, currency: "IDR", resourceGroup: "CPU")
            .Replace("\"effectiveTime\"", "\"EffectiveTime\"", StringComparison.Ordinal);
        var sku = Assert.Single(await ApiJson.SkusAsync(json));

        Assert.Equal(508.934997455m, sku.TieredRates[0].UnitPrice);
        Assert.Equal("IDR", sku.TieredRates[0].Currency);
        Assert.Equal(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), sku.EffectiveTime);
    }

    [Fact]
    public async Task Omitted_zero_units_or_nanos_read_as_zero_as_proto3_JSON_omits_them()
    {
        var json = ApiJson.Page([
            ApiJson.Sku("Nvidia Tesla T4 GPU running in Americas", "0", 350000000, "SKU-NO-UNITS")
                .Replace("\"units\": \"0\", ", "", StringComparison.Ordinal),
            ApiJson.Sku("Nvidia Tesla V100 GPU running in Americas", "2", 0, "SKU-NO-NANOS")
                .Replace(", \"nanos\": 0", "", StringComparison.Ordinal),
        ]);

        var page = await ApiJson.ParseAsync(json);

        Assert.Empty(page.Malformed);
        Assert.Equal(0.35m, page.Skus.Single(s => s.SkuId == "SKU-NO-UNITS").TieredRates[0].UnitPrice);
        Assert.Equal(2m, page.Skus.Single(s => s.SkuId == "SKU-NO-NANOS").TieredRates[0].UnitPrice);
    }

    [Fact]
    public async Task The_last_pricingInfo_entry_is_the_current_price()
    {
        // The API documents pricingInfo as a timeline in chronological order.
        var json = ApiJson.A100Americas().Replace(
            "\"pricingInfo\": [",
            """
            "pricingInfo": [
                { "summary": "", "pricingExpression": { "usageUnit": "h", "tieredRates": [{ "startUsageAmount": 0, "unitPrice": { "currencyCode": "USD", "units": "3", "nanos": 0 } }] }, "effectiveTime": "2022-01-01T00:00:00Z" },
            """,
            StringComparison.Ordinal);

        var sku = Assert.Single(await ApiJson.SkusAsync(json));

        Assert.Equal(2.933908m, sku.TieredRates[0].UnitPrice);
    }

    [Fact]
    public async Task A_SKU_that_does_not_match_the_schema_is_set_aside_and_the_rest_of_the_page_counts()
    {
        var badNanos = ApiJson.Sku("Nvidia L4 GPU running in Americas", "0", 1_560_040_000, "BAD-NANOS");
        var badUnits = ApiJson.Sku("Nvidia L4 GPU running in Iowa", "zero", 560040000, "BAD-UNITS");
        var mixedSigns = ApiJson.Sku("Nvidia L4 GPU running in Virginia", "1", -5, "MIXED-SIGNS");
        var noPricing = ApiJson.Sku("Nvidia L4 GPU running in Oregon", "0", 560040000, "NO-PRICING")
            .Replace("\"pricingInfo\": [", "\"pricingInfoX\": [", StringComparison.Ordinal);
        var noUsageType = ApiJson.Sku("Nvidia L4 GPU running in Dallas", "0", 560040000, "NO-USAGE-TYPE")
            .Replace("\"usageType\": \"OnDemand\"", "\"usageType\": 7", StringComparison.Ordinal);

        var page = await ApiJson.ParseAsync(ApiJson.Page([ApiJson.A100Americas(), badNanos, badUnits, mixedSigns, noPricing, noUsageType]));

        Assert.Equal("039F-D0DA-4055", Assert.Single(page.Skus).SkuId);
        Assert.Equal(5, page.Malformed.Count);
        Assert.Contains(page.Malformed, m => m.Row.Contains("sku=BAD-NANOS", StringComparison.Ordinal) && m.Problem.Contains("nanos", StringComparison.Ordinal));
        Assert.Contains(page.Malformed, m => m.Row.Contains("sku=BAD-UNITS", StringComparison.Ordinal) && m.Problem.Contains("units", StringComparison.Ordinal));
        Assert.Contains(page.Malformed, m => m.Row.Contains("sku=MIXED-SIGNS", StringComparison.Ordinal) && m.Problem.Contains("signs", StringComparison.Ordinal));
        Assert.Contains(page.Malformed, m => m.Row.Contains("sku=NO-PRICING", StringComparison.Ordinal) && m.Problem.Contains("pricingInfo", StringComparison.Ordinal));
        Assert.Contains(page.Malformed, m => m.Row.Contains("sku=NO-USAGE-TYPE", StringComparison.Ordinal) && m.Problem.Contains("usageType", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_page_cut_mid_way_is_not_a_page()
    {
        var json = ApiJson.Page([ApiJson.A100Americas(), ApiJson.A2CoreAmericas()], "NEXT");

        await Assert.ThrowsAsync<InvalidDataException>(() => ApiJson.ParseAsync(json[..(json.Length / 2)]));
    }

    [Fact]
    public async Task Skus_that_are_not_an_array_is_not_a_page()
    {
        await Assert.ThrowsAsync<InvalidDataException>(() => ApiJson.ParseAsync("""{ "skus": { "skuId": "X" }, "nextPageToken": "" }"""));
    }

    [Fact]
    public async Task An_empty_nextPageToken_ends_the_paging_and_an_empty_result_is_a_page()
    {
        var last = await ApiJson.ParseAsync(ApiJson.Page([ApiJson.A100Americas()]));
        var empty = await ApiJson.ParseAsync("{}");
        var more = await ApiJson.ParseAsync(ApiJson.Page([ApiJson.A100Americas()], "APKCS1HVa0Yp"));

        Assert.Null(last.NextPageToken);
        Assert.Empty(empty.Skus);
        Assert.Null(empty.NextPageToken);
        Assert.Equal("APKCS1HVa0Yp", more.NextPageToken);
    }

    [Theory]
    [InlineData("OnDemand", "Nvidia L4 GPU running in Americas", PricingModels.OnDemand)]
    [InlineData("Preemptible", "Nvidia L4 GPU attached to Spot Preemptible VMs running in Americas", PricingModels.Spot)]
    [InlineData("Commit1Yr", "Commitment v1: Nvidia L4 GPU in Americas for 1 Year", PricingModels.Committed1Y)]
    [InlineData("Commit3Yr", "Commitment v1: Nvidia L4 GPU in Americas for 3 Year", PricingModels.Committed3Y)]
    [InlineData("Commit3Yr", "Commitment v1: Nvidia L4 GPU in Americas for 3 Years", PricingModels.Committed3Y)]
    // Some preemptible TPU SKUs are categorised OnDemand; the description says what they are.
    [InlineData("OnDemand", "TpuV5e attached to Spot Preemptible VMs running in Las Vegas", PricingModels.Spot)]
    [InlineData("OnDemand", "Preemptible Tpu-v4 Pod running in Oklahoma", PricingModels.Spot)]
    public void Usage_types_map_to_pricing_models(string usageType, string description, string expected)
    {
        Assert.Equal(expected, GcpSkuName.Parse(description).PricingModel(usageType));
    }

    [Theory]
    [InlineData("Spot Preemptible A2 Instance Core running in Americas", "A2 Instance Core", "Americas", true)]
    [InlineData("Nvidia Tesla A100 80GB GPU attached to Spot Preemptible VMs running in Netherlands", "Nvidia Tesla A100 80GB GPU", "Netherlands", true)]
    [InlineData("A4 Nvidia B200 (1 gpu slice) running in Americas", "A4 Nvidia B200 (1 gpu slice)", "Americas", false)]
    [InlineData("N1 Predefined Instance Ram running in Americas", "N1 Predefined Instance Ram", "Americas", false)]
    public void A_description_is_taken_apart_into_what_where_and_spot(string description, string body, string location, bool spot)
    {
        var name = GcpSkuName.Parse(description);

        Assert.Equal(body, name.Body);
        Assert.Equal(location, name.Location);
        Assert.Equal(spot, name.SpotMarker);
        Assert.False(name.IsCommitment);
    }

    [Fact]
    public void A_commitment_description_gives_its_body_and_term()
    {
        var name = GcpSkuName.Parse("Commitment v1: A2 Cpu in Americas for 1 Year");

        Assert.True(name.IsCommitment);
        Assert.Equal("A2 Cpu", name.Body);
        Assert.Equal("Americas", name.Location);
        Assert.Equal(1, name.CommitmentYears);
    }

    [Theory]
    [InlineData("Commit1Yr", "Commitment v1: Nvidia L4 GPU in Americas for 3 Year")]
    [InlineData("Commit3Yr", "Nvidia L4 GPU running in Americas")]
    [InlineData("OnDemand", "Commitment v1: Nvidia L4 GPU in Americas for 1 Year")]
    public void A_description_that_contradicts_its_usage_type_is_an_error(string usageType, string description)
    {
        Assert.Throws<FormatException>(() => GcpSkuName.Parse(description).PricingModel(usageType));
    }

    [Fact]
    public void Usage_types_we_do_not_price_give_no_model()
    {
        Assert.Null(GcpSkuName.Parse("Nvidia L4 GPU running in Americas").PricingModel("Reserved"));
    }
}
