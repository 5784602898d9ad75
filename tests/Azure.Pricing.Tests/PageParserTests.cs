namespace Azure.Pricing.Tests;

public sealed class PageParserTests
{
    private const string NextLink =
        "https://prices.azure.com/api/retail/prices?api-version=2023-01-01-preview&$filter=serviceName%20eq%20%27Virtual%20Machines%27&$skip=100";

    // Verbatim from joelverhagen/az-retail-prices snapshot/2022-06-06/page0.json @ eb2c426e (first item).
    private const string VerbatimDevTestItem = """
        {
          "currencyCode": "USD",
          "tierMinimumUnits": 0,
          "retailPrice": 0.1955,
          "unitPrice": 0.1955,
          "armRegionName": "southindia",
          "location": "IN South",
          "effectiveStartDate": "2022-05-01T00:00:00Z",
          "meterId": "000009d0-057f-5f2b-b7e9-9e26add324a8",
          "meterName": "D14/DS14 Spot",
          "productId": "DZH318Z0BPVW",
          "skuId": "DZH318Z0BPVW/00QZ",
          "productName": "Virtual Machines D Series Windows",
          "skuName": "D14 Spot",
          "serviceName": "Virtual Machines",
          "serviceId": "DZH313Z7MMC8",
          "serviceFamily": "Compute",
          "unitOfMeasure": "1 Hour",
          "type": "DevTestConsumption",
          "isPrimaryMeterRegion": true,
          "armSkuName": "Standard_D14"
        }
        """;

    [Fact]
    public async Task A_page_binds_items_next_link_and_count()
    {
        var json = ApiJson.Page([VerbatimDevTestItem, ApiJson.Item(type: "Reservation", retailPrice: "551221.0", reservationTerm: "1 Year")], NextLink);

        var page = await ApiJson.ParseAsync(json);

        Assert.Equal(2, page.Count);
        Assert.Equal(NextLink, page.NextPageLink);
        Assert.Empty(page.MalformedItems);

        var devTest = page.Items[0];
        Assert.Equal(0.1955m, devTest.RetailPrice);
        Assert.Equal("southindia", devTest.ArmRegionName);
        Assert.Equal("DevTestConsumption", devTest.Type);
        Assert.Equal("D14/DS14 Spot", devTest.MeterName);
        Assert.Equal("Virtual Machines D Series Windows", devTest.ProductName);
        Assert.Equal("Standard_D14", devTest.ArmSkuName);
        Assert.Equal("1 Hour", devTest.UnitOfMeasure);
        Assert.True(devTest.IsPrimaryMeterRegion);
        Assert.Equal(new DateTimeOffset(2022, 5, 1, 0, 0, 0, TimeSpan.Zero), devTest.EffectiveStartDate);
        Assert.Null(devTest.ReservationTerm);

        var reservation = page.Items[1];
        Assert.Equal("1 Year", reservation.ReservationTerm);
        Assert.Equal(551221.0m, reservation.RetailPrice);
    }

    [Theory]
    [InlineData("null")]
    [InlineData("\"\"")]
    public async Task The_last_page_has_no_next_link(string nextLinkJson)
    {
        var json = ApiJson.Page([ApiJson.Item()]).Replace("\"NextPageLink\": null", $"\"NextPageLink\": {nextLinkJson}", StringComparison.Ordinal);

        var page = await ApiJson.ParseAsync(json);

        Assert.Null(page.NextPageLink);
        Assert.Single(page.Items);
    }

    [Fact]
    public async Task Prices_keep_their_printed_precision()
    {
        var page = await ApiJson.ParseAsync(ApiJson.Page([ApiJson.Item(retailPrice: "130.5920")]));

        var price = page.Items[0].RetailPrice!.Value;
        Assert.Equal(130.592m, price);
        Assert.Equal("130.5920", price.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData(0.25)]
    [InlineData(0.5)]
    [InlineData(0.9)]
    [InlineData(0.999)]
    public async Task A_truncated_body_is_invalid_data(double keep)
    {
        var json = ApiJson.Page([ApiJson.Item(), ApiJson.Item(region: "westus", retailPrice: "127.816")], NextLink);
        var truncated = json[..(int)(json.Length * keep)];

        await Assert.ThrowsAsync<InvalidDataException>(() => ApiJson.ParseAsync(truncated));
    }

    [Theory]
    [InlineData("")]
    [InlineData("<html><body>Service Unavailable</body></html>")]
    [InlineData("[]")]
    [InlineData("{\"BillingCurrency\":\"USD\",\"Count\":0}")]
    [InlineData("{\"Items\":{},\"Count\":0}")]
    public async Task A_body_that_is_not_a_page_is_invalid_data(string body)
    {
        await Assert.ThrowsAsync<InvalidDataException>(() => ApiJson.ParseAsync(body));
    }

    [Theory]
    [InlineData(3)]
    [InlineData(1)]
    [InlineData(0)]
    public async Task A_count_that_does_not_match_the_items_is_invalid_data(int count)
    {
        var json = ApiJson.Page([ApiJson.Item(), ApiJson.Item(region: "westus")], count: count);

        var ex = await Assert.ThrowsAsync<InvalidDataException>(() => ApiJson.ParseAsync(json));
        Assert.Contains("Count", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_malformed_item_is_kept_aside_and_the_rest_of_the_page_parses()
    {
        var bad = ApiJson.Item(region: "westus", retailPrice: "\"not-a-number\"", meterId: "bad-meter-0001");
        var json = ApiJson.Page([ApiJson.Item(), bad, ApiJson.Item(region: "eastus2")], NextLink);

        var page = await ApiJson.ParseAsync(json);

        Assert.Equal(3, page.Count);
        Assert.Equal(["eastus", "eastus2"], page.Items.Select(i => i.ArmRegionName));
        var malformed = Assert.Single(page.MalformedItems);
        Assert.Contains("bad-meter-0001", malformed, StringComparison.Ordinal);
        Assert.Equal(NextLink, page.NextPageLink);
    }

    [Fact]
    public async Task The_bundled_snapshot_pages_parse_completely()
    {
        var pages = global::Pricing.FakeProviders.FakeAzureRetailPricesApi.ReadEmbeddedSnapshotPages();
        Assert.NotEmpty(pages);

        for (var i = 0; i < pages.Count; i++)
        {
            var page = await ApiJson.ParseAsync(pages[i]);
            Assert.Empty(page.MalformedItems);
            Assert.Equal(page.Count, page.Items.Count);
            // Every page but the last links to the next one.
            Assert.Equal(i < pages.Count - 1, page.NextPageLink is not null);
        }
    }
}
