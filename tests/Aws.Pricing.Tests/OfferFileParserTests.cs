using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Aws.Pricing.Tests;

public sealed class OfferFileParserTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static AwsOfferFileParser Parser(int bufferSize = AwsOfferFileParser.DefaultBufferSize) =>
        new(new AwsProductFilter(AwsInstanceTypeMap.Default), bufferSize);

    private static Task<AwsOfferFile> ParseAsync(string json, int bufferSize = AwsOfferFileParser.DefaultBufferSize) =>
        Parser(bufferSize).ParseAsync(new MemoryStream(Encoding.UTF8.GetBytes(json)), Ct);

    /// <summary>Everything the parser kept, as text, so two parses can be compared whole.</summary>
    private static string Fingerprint(AwsOfferFile file) => JsonSerializer.Serialize(new
    {
        file.Products,
        Terms = file.Terms.Select(t => new { t.Type, t.Sku, t.OfferTermCode, t.EffectiveDate, t.PriceDimensions, t.LeaseContractLength, t.OfferingClass, t.PurchaseOption, t.Problem }),
        file.Malformed,
        Skipped = file.SkippedProducts.OrderBy(p => p.Key, StringComparer.Ordinal),
        file.Version,
        ProductCount = file.Statistics.Products,
        TermSkuCount = file.Statistics.TermSkus,
    });

    [Fact]
    public async Task Keeps_the_plain_Linux_row_of_an_accelerated_instance_and_its_terms()
    {
        var json = new OfferFileBuilder()
            .Product("P5SKU00000000001", "p5.48xlarge", "55.0400000000")
            .Product("M5SKU00000000001", "m5.large", "0.0960000000")
            .Json();

        var file = await ParseAsync(json);

        var product = Assert.Single(file.Products);
        Assert.Equal("P5SKU00000000001", product.Sku);
        Assert.Equal("p5.48xlarge", product.InstanceType);
        Assert.Equal("us-east-1", product.RegionCode);
        Assert.Equal("Compute Instance", product.ProductFamily);
        var term = Assert.Single(file.Terms);
        Assert.Equal(AwsTermType.OnDemand, term.Type);
        Assert.Equal("P5SKU00000000001", term.Sku);
        Assert.Equal("JRTCKXETXF", term.OfferTermCode);
        Assert.Equal("2026-11-01T00:00:00Z", term.EffectiveDate);
        Assert.Null(term.Problem);
        var dimension = Assert.Single(term.PriceDimensions);
        Assert.Equal("P5SKU00000000001.JRTCKXETXF.6YS6EN2CT7", dimension.RateCode);
        Assert.Equal("Hrs", dimension.Unit);
        Assert.Equal("55.0400000000", dimension.PriceUsd);
        Assert.Equal(1, file.SkippedProducts[AwsProductFilter.NotScrapedFamily]);
        Assert.Equal("20261128000000", file.Version);
        Assert.Equal("AmazonEC2", file.OfferCode);
        Assert.Equal(2, file.Statistics.Products);
        Assert.Equal(2, file.Statistics.TermSkus);
    }

    [Theory]
    [InlineData("Windows", "Shared", "Used", "NA", "OnDemand", "Compute Instance", AwsProductFilter.NotLinux)]
    [InlineData("RHEL", "Shared", "Used", "NA", "OnDemand", "Compute Instance", AwsProductFilter.NotLinux)]
    [InlineData("Linux", "Dedicated", "Used", "NA", "OnDemand", "Compute Instance", AwsProductFilter.NotSharedTenancy)]
    [InlineData("Linux", "Host", "Used", "NA", "OnDemand", "Compute Instance", AwsProductFilter.NotSharedTenancy)]
    [InlineData("Linux", "Shared", "UnusedCapacityReservation", "NA", "OnDemand", "Compute Instance", AwsProductFilter.CapacityReservationRow)]
    [InlineData("Linux", "Shared", "AllocatedCapacityReservation", "NA", "OnDemand", "Compute Instance", AwsProductFilter.CapacityReservationRow)]
    [InlineData("Linux", "Shared", "Used", "SQL Std", "OnDemand", "Compute Instance", AwsProductFilter.PreInstalledSoftware)]
    [InlineData("Linux", "Shared", "Used", "NA", "CapacityBlock", "Compute Instance", AwsProductFilter.NotOnDemandMarket)]
    [InlineData("Linux", "Shared", "Used", "NA", "OnDemand", "Compute Instance (bare metal)", AwsProductFilter.NotComputeInstance)]
    public async Task Every_other_row_of_an_accelerated_instance_is_skipped_with_its_reason(
        string os, string tenancy, string capacity, string preInstalled, string market, string family, string reason)
    {
        var json = new OfferFileBuilder()
            .Product(OfferFileBuilder.ProductJson("OTHERROW00000001", "p4d.24xlarge", os: os, tenancy: tenancy, capacity: capacity,
                preInstalled: preInstalled, market: market, family: family))
            .OnDemand("OTHERROW00000001", "21.9576420000")
            .Json();

        var file = await ParseAsync(json);

        Assert.Empty(file.Products);
        Assert.Empty(file.Terms);
        Assert.Empty(file.Malformed);
        Assert.Equal(1, file.SkippedProducts[reason]);
    }

    [Fact]
    public async Task A_file_without_marketoption_keeps_its_on_demand_rows()
    {
        var json = new OfferFileBuilder()
            .Product(OfferFileBuilder.ProductJson("OLDFILE000000001", "p3.8xlarge", market: null))
            .OnDemand("OLDFILE000000001", "12.2400000000")
            .Json();

        var file = await ParseAsync(json);

        Assert.Equal("OLDFILE000000001", Assert.Single(file.Products).Sku);
    }

    [Fact]
    public async Task An_unmapped_type_of_an_accelerated_family_is_kept_for_the_mapper_to_quarantine()
    {
        var json = new OfferFileBuilder()
            .Product("B300SKU000000001", "p6-b300.48xlarge", "142.4160000000")
            .Product("DL1SKU0000000001", "dl1.24xlarge", "13.1090000000")
            .Json();

        var file = await ParseAsync(json);

        Assert.Equal(["dl1.24xlarge", "p6-b300.48xlarge"], file.Products.Select(p => p.InstanceType).Order(StringComparer.Ordinal));
        Assert.Equal(2, file.Terms.Count);
    }

    [Fact]
    public async Task Reserved_terms_carry_their_attributes_and_every_dimension()
    {
        var json = new OfferFileBuilder()
            .Product("P4DSKU0000000001", "p4d.24xlarge", "21.9576420000")
            .Reserved("P4DSKU0000000001", "4NA7Y494T4", "1yr", "standard", "No Upfront", "13.2900000000", null)
            .Reserved("P4DSKU0000000001", "38NPMPTW36", "3yr", "standard", "Partial Upfront", "3.9400000000", "103500")
            .Json();

        var file = await ParseAsync(json);

        var reserved = file.Terms.Where(t => t.Type == AwsTermType.Reserved).OrderBy(t => t.OfferTermCode, StringComparer.Ordinal).ToList();
        Assert.Equal(2, reserved.Count);
        var partial = reserved[0];
        Assert.Equal("38NPMPTW36", partial.OfferTermCode);
        Assert.Equal(("3yr", "standard", "Partial Upfront"), (partial.LeaseContractLength, partial.OfferingClass, partial.PurchaseOption));
        Assert.Equal(["Quantity:103500", "Hrs:3.9400000000"], partial.PriceDimensions.Select(d => $"{d.Unit}:{d.PriceUsd}"));
        Assert.Equal(("1yr", "No Upfront"), (reserved[1].LeaseContractLength, reserved[1].PurchaseOption));
    }

    [Fact]
    public async Task Terms_of_skipped_products_are_not_kept_even_when_they_come_first_in_the_terms_map()
    {
        var builder = new OfferFileBuilder();
        builder.Product(OfferFileBuilder.ProductJson("WINDOWS000000001", "p5.48xlarge", os: "Windows")).OnDemand("WINDOWS000000001", "56.5120000000");
        builder.Product("LINUX00000000001", "p5.48xlarge", "55.0400000000");

        var file = await ParseAsync(builder.Json());

        Assert.Equal(["LINUX00000000001"], file.Terms.Select(t => t.Sku));
    }

    [Fact]
    public async Task Streaming_with_a_small_buffer_and_trickling_reads_gives_the_same_result_without_growing_the_buffer()
    {
        // 3,000 non-accelerated products (~3 MB indented) around a few accelerated ones, as in a real file.
        var builder = new OfferFileBuilder().Filler(1500, "FILLA");
        builder.Product("P5SKU00000000001", "p5.48xlarge", "55.0400000000")
            .Reserved("P5SKU00000000001", "4NA7Y494T4", "1yr", "standard", "No Upfront", "38.5100000000", null)
            .Product("TRN1SKU000000001", "trn1.32xlarge", "21.5000000000")
            .Filler(1500, "FILLB")
            .Product("G5SKU00000000001", "g5.xlarge", "1.0060000000");
        var bytes = builder.Utf8();
        const int small = 4096;
        Assert.True(bytes.Length > 500 * small, $"The file is only {bytes.Length} bytes.");

        var whole = await Parser().ParseAsync(new MemoryStream(bytes), Ct);
        var streamed = await Parser(small).ParseAsync(new TrickleStream(bytes, 777), Ct);

        Assert.Equal(Fingerprint(whole), Fingerprint(streamed));
        Assert.Equal(3, streamed.Products.Count);
        Assert.Equal(4, streamed.Terms.Count);
        Assert.Equal(3003, streamed.Statistics.Products);
        Assert.Equal(bytes.Length, streamed.Statistics.Bytes);
        // Memory does not grow with the file: every unit fit in the 4 KiB buffer, so it never grew.
        Assert.Equal(small, streamed.Statistics.PeakBufferBytes);
    }

    [Fact]
    public async Task A_unit_larger_than_the_buffer_grows_the_buffer_and_parses_the_same()
    {
        var json = new OfferFileBuilder()
            .Product("P5SKU00000000001", "p5.48xlarge", "55.0400000000")
            .Reserved("P5SKU00000000001", "4NA7Y494T4", "1yr", "standard", "No Upfront", "38.5100000000", null)
            .Reserved("P5SKU00000000001", "38NPMPTW36", "3yr", "standard", "Partial Upfront", "12.1000000000", "318000")
            .Filler(20)
            .Json();

        var expected = await ParseAsync(json);
        var tiny = await ParseAsync(json, bufferSize: 64);

        Assert.Equal(Fingerprint(expected), Fingerprint(tiny));
        Assert.True(tiny.Statistics.PeakBufferBytes > 64);
        Assert.True(tiny.Statistics.PeakBufferBytes < Encoding.UTF8.GetByteCount(json));
    }

    [Fact]
    public async Task Property_order_inside_products_and_terms_does_not_matter()
    {
        var file = new OfferFileBuilder().Product("P5SKU00000000001", "p5.48xlarge", "55.0400000000").Build();
        // Put attributes before productFamily and termAttributes before priceDimensions, and products after terms' siblings.
        var product = file["products"]!["P5SKU00000000001"]!.AsObject();
        var reordered = new JsonObject
        {
            ["attributes"] = product["attributes"]!.DeepClone(),
            ["productFamily"] = "Compute Instance",
            ["sku"] = "P5SKU00000000001",
        };
        file["products"]!["P5SKU00000000001"] = reordered;
        var term = file["terms"]!["OnDemand"]!["P5SKU00000000001"]!["P5SKU00000000001.JRTCKXETXF"]!.AsObject();
        var dimensions = term["priceDimensions"]!.DeepClone();
        term.Remove("priceDimensions");
        term["priceDimensions"] = dimensions;

        var parsed = await ParseAsync(file.ToJsonString());

        Assert.Equal("p5.48xlarge", Assert.Single(parsed.Products).InstanceType);
        Assert.Equal("55.0400000000", Assert.Single(Assert.Single(parsed.Terms).PriceDimensions).PriceUsd);
    }

    [Fact]
    public async Task A_product_with_a_non_string_attribute_is_reported_malformed_and_the_rest_is_kept()
    {
        var bad = OfferFileBuilder.ProductJson("BADATTR000000001", "p5.48xlarge");
        bad["attributes"]!["tenancy"] = 7;
        var json = new OfferFileBuilder()
            .Product(bad).OnDemand("BADATTR000000001", "55.0400000000")
            .Product("GOOD000000000001", "p4d.24xlarge", "21.9576420000")
            .Json();

        var file = await ParseAsync(json);

        var malformed = Assert.Single(file.Malformed);
        Assert.Equal("BADATTR000000001", malformed.Sku);
        Assert.Contains("tenancy", malformed.Reason, StringComparison.Ordinal);
        Assert.Equal(["GOOD000000000001"], file.Products.Select(p => p.Sku));
        Assert.Equal(["GOOD000000000001"], file.Terms.Select(t => t.Sku));
    }

    [Fact]
    public async Task A_term_with_a_non_string_price_keeps_the_problem_for_the_mapper()
    {
        var json = new OfferFileBuilder().Product("P5SKU00000000001", "p5.48xlarge", "55.0400000000").Build();
        json["terms"]!["OnDemand"]!["P5SKU00000000001"]!["P5SKU00000000001.JRTCKXETXF"]!["priceDimensions"]!
            ["P5SKU00000000001.JRTCKXETXF.6YS6EN2CT7"]!["pricePerUnit"]!["USD"] = 55.04;

        var file = await ParseAsync(json.ToJsonString());

        var term = Assert.Single(file.Terms);
        Assert.NotNull(term.Problem);
        Assert.Contains("pricePerUnit.USD", term.Problem, StringComparison.Ordinal);
        Assert.Null(Assert.Single(term.PriceDimensions).PriceUsd);
    }

    [Fact]
    public async Task Escaped_keys_and_values_are_read_as_their_text()
    {
        var json = new OfferFileBuilder().Product("P5SKU00000000001", "p5.48xlarge", "55.0400000000").Json(indented: false)
            .Replace("\"instanceType\":\"p5.48xlarge\"", "\"instance\\u0054ype\":\"p5\\u002e48xlarge\"", StringComparison.Ordinal)
            .Replace("\"P5SKU00000000001\":{\"P5SKU", "\"P5SKU0000000000\\u0031\":{\"P5SKU", StringComparison.Ordinal);

        var file = await ParseAsync(json);

        Assert.Equal("p5.48xlarge", Assert.Single(file.Products).InstanceType);
        Assert.Equal("P5SKU00000000001", Assert.Single(file.Terms).Sku);
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(0.9)]
    [InlineData(0.999)]
    public async Task A_truncated_file_throws_instead_of_returning_what_it_read(double fraction)
    {
        var bytes = new OfferFileBuilder().Filler(50).Product("P5SKU00000000001", "p5.48xlarge", "55.0400000000").Utf8();
        var cut = bytes[..(int)(bytes.Length * fraction)];

        await Assert.ThrowsAsync<InvalidDataException>(() => Parser(256).ParseAsync(new MemoryStream(cut), Ct));
    }

    [Theory]
    [InlineData("")]
    [InlineData("[]")]
    [InlineData("not json")]
    [InlineData("{\"formatVersion\":\"v1.0\",\"products\":{}}")]
    [InlineData("{\"products\":[],\"terms\":{}}")]
    public async Task A_body_that_is_not_an_offer_file_throws(string body)
    {
        await Assert.ThrowsAsync<InvalidDataException>(() => ParseAsync(body));
    }

    [Fact]
    public async Task Data_after_the_root_object_throws()
    {
        var json = new OfferFileBuilder().Product("P5SKU00000000001", "p5.48xlarge", "55.0400000000").Json() + "\n{}";

        await Assert.ThrowsAsync<InvalidDataException>(() => ParseAsync(json, bufferSize: 128));
    }

    [Fact]
    public async Task Unknown_root_properties_and_term_types_are_skipped()
    {
        var file = new OfferFileBuilder().Product("P5SKU00000000001", "p5.48xlarge", "55.0400000000").Build();
        file["somethingNew"] = new JsonObject { ["nested"] = new JsonArray(1, 2, 3) };
        file["terms"]!["SavingsPlan"] = new JsonObject { ["P5SKU00000000001"] = new JsonObject { ["x"] = new JsonObject { ["pricePerUnit"] = "1" } } };
        // Seen in a real file (opencost testdata): attributesList inside terms.
        file["terms"]!["attributesList"] = new JsonObject();

        var parsed = await ParseAsync(file.ToJsonString(), bufferSize: 64);

        Assert.Equal([AwsTermType.OnDemand], parsed.Terms.Select(t => t.Type));
    }
}
