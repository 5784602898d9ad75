using System.Text.Json.Nodes;
using Pricing.Catalog;
using Pricing.FakeProviders;
using Pricing.Sources;

namespace Azure.Pricing.Tests;

public sealed class SnapshotSourceTests
{
    private static async Task<(SourceScrape Scrape, ValidatedOffers Validated)> ScrapeAsync()
    {
        var scrape = await new AzureSnapshotSource().ScrapeAsync(TestContext.Current.CancellationToken);
        var validated = new OfferValidator(AcceleratorRegistry.Default).Validate(scrape.Candidates, scrape.Quarantined);
        return (scrape, validated);
    }

    private static Dictionary<string, Offer> ByKey(ValidatedOffers validated) => validated.Offers.ToDictionary(o => o.OfferKey, StringComparer.Ordinal);

    /// <summary>The raw items of the bundled pages, read independently of the parser under test.</summary>
    private static List<JsonObject> RawItems() =>
        FakeAzureRetailPricesApi.ReadEmbeddedSnapshotPages()
            .SelectMany(p => JsonNode.Parse(p)!["Items"]!.AsArray().Select(i => i!.AsObject()))
            .ToList();

    [Fact]
    public async Task The_snapshot_prices_H100_on_demand_in_eastus_at_98_32()
    {
        var (scrape, validated) = await ScrapeAsync();

        var offer = ByKey(validated)[OfferKey.Format("azure", "eastus", null, "Standard_ND96isr_H100_v5", PricingModels.OnDemand)];
        Assert.Equal(98.32m, offer.PricePerInstanceHour);
        Assert.Equal("nvidia-h100-80gb", offer.AcceleratorId);
        Assert.Equal(8m, offer.AcceleratorsPerInstance);
        Assert.Equal(AzureSnapshotSource.SnapshotDate, scrape.AsOf);
    }

    [Fact]
    public async Task The_snapshot_prices_the_H100_reservations_per_hour()
    {
        var (_, validated) = await ScrapeAsync();
        var offers = ByKey(validated);

        Assert.Equal(551221.0m / 8760m, offers[OfferKey.Format("azure", "eastus", null, "Standard_ND96isr_H100_v5", PricingModels.Committed1Y)].PricePerInstanceHour);
        Assert.Equal(1134310.0m / 26280m, offers[OfferKey.Format("azure", "eastus", null, "Standard_ND96isr_H100_v5", PricingModels.Committed3Y)].PricePerInstanceHour);
    }

    [Fact]
    public async Task No_offer_is_priced_from_a_Windows_or_DevTest_row()
    {
        var (_, validated) = await ScrapeAsync();
        var excluded = RawItems()
            .Where(i => FakeAzureRetailPricesApi.Field(i, "type") == "DevTestConsumption"
                || FakeAzureRetailPricesApi.Field(i, "productName")?.EndsWith(" Windows", StringComparison.Ordinal) == true)
            .Select(i => (Sku: FakeAzureRetailPricesApi.Field(i, "armSkuName"), Region: FakeAzureRetailPricesApi.Field(i, "armRegionName"), Price: i["retailPrice"]!.GetValue<decimal>()))
            .ToList();
        Assert.NotEmpty(excluded);

        foreach (var (sku, region, price) in excluded)
        {
            Assert.DoesNotContain(validated.Offers, o => o.InstanceType == sku && o.Region == region && o.PricePerInstanceHour == price);
        }

        // westeurope H100 has a Windows row (132.232) and a Linux row (127.816) under the same meter name: the Linux one prices it.
        Assert.Equal(127.816m, ByKey(validated)[OfferKey.Format("azure", "westeurope", null, "Standard_ND96isr_H100_v5", PricingModels.OnDemand)].PricePerInstanceHour);
    }

    [Fact]
    public async Task The_two_swedencentral_spot_meters_are_both_quarantined()
    {
        var (_, validated) = await ScrapeAsync();
        var offers = ByKey(validated);

        Assert.False(offers.ContainsKey(OfferKey.Format("azure", "swedencentral", null, "Standard_NC96ads_A100_v4", PricingModels.Spot)));
        var conflicts = validated.Quarantined
            .Where(r => r.Rule == QuarantineRules.ConflictingDuplicate && r.Row.Contains("Standard_NC96ads_A100_v4 region=swedencentral", StringComparison.Ordinal))
            .ToList();
        Assert.Equal(2, conflicts.Count);
        Assert.Contains(conflicts, r => r.Row.Contains("price=7.3229 ", StringComparison.Ordinal));
        Assert.Contains(conflicts, r => r.Row.Contains("price=5.858", StringComparison.Ordinal));

        // The on-demand price of the same size and region is not in doubt.
        Assert.Equal(19.1m, offers[OfferKey.Format("azure", "swedencentral", null, "Standard_NC96ads_A100_v4", PricingModels.OnDemand)].PricePerInstanceHour);
    }

    [Fact]
    public async Task The_unknown_ND96is_H100_v5_size_is_quarantined_as_unknown_accelerator()
    {
        var (_, validated) = await ScrapeAsync();

        Assert.Contains(validated.Quarantined, r => r.Rule == QuarantineRules.UnknownAccelerator && r.Row.Contains("Standard_ND96is_H100_v5", StringComparison.Ordinal));
        Assert.DoesNotContain(validated.Offers, o => o.InstanceType == "Standard_ND96is_H100_v5");
    }

    [Fact]
    public async Task The_H200_spot_price_equal_to_on_demand_is_kept()
    {
        var (_, validated) = await ScrapeAsync();
        var offers = ByKey(validated);

        var onDemand = offers[OfferKey.Format("azure", "polandcentral", null, "Standard_ND96isr_H200_v5", PricingModels.OnDemand)];
        var spot = offers[OfferKey.Format("azure", "polandcentral", null, "Standard_ND96isr_H200_v5", PricingModels.Spot)];
        Assert.Equal(onDemand.PricePerInstanceHour, spot.PricePerInstanceHour);
        Assert.Equal("nvidia-h200-141gb", spot.AcceleratorId);
    }

    [Fact]
    public async Task Every_snapshot_item_binds_and_every_accepted_offer_is_plausible()
    {
        var (scrape, validated) = await ScrapeAsync();

        Assert.DoesNotContain(scrape.Quarantined, r => r.Rule == QuarantineRules.Malformed);
        Assert.NotEmpty(validated.Offers);
        Assert.All(validated.Offers, o =>
        {
            Assert.True(AcceleratorRegistry.Default.Contains(o.AcceleratorId));
            Assert.InRange(o.PricePerAcceleratorHour, 0.01m, 20m);
        });
    }
}
