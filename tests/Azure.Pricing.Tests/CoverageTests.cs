using System.Text.Json;
using System.Text.Json.Nodes;
using Pricing.Catalog;
using Pricing.FakeProviders;

namespace Azure.Pricing.Tests;

/// <summary>
/// Breadth of the bundled snapshot against <c>Data/azure-coverage.json</c>: the regions and size families the public price
/// sources list, derived from those sources (its <c>_derivation</c> says how), not from the snapshot.
/// </summary>
public sealed class CoverageTests
{
    private sealed record Coverage(
        Dictionary<string, string[]> Families,
        Dictionary<string, string[]> Regions,
        CommittedPair[] Committed,
        string[] Unpriced);

    private sealed record CommittedPair(string Region, string ArmSkuName);

    private static readonly Coverage Expected = JsonSerializer.Deserialize<Coverage>(
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Data", "azure-coverage.json")),
        new JsonSerializerOptions(JsonSerializerDefaults.Web))!;

    private static readonly Dictionary<string, string> FamilyOfSize = Expected.Families
        .SelectMany(f => f.Value.Select(size => (Size: size, Family: f.Key)))
        .ToDictionary(x => x.Size, x => x.Family, StringComparer.OrdinalIgnoreCase);

    private static async Task<ValidatedOffers> ValidatedAsync()
    {
        var scrape = await new AzureSnapshotSource().ScrapeAsync(TestContext.Current.CancellationToken);
        return new OfferValidator(AcceleratorRegistry.Default).Validate(scrape.Candidates, scrape.Quarantined);
    }

    [Fact]
    public async Task The_snapshot_has_an_on_demand_price_for_exactly_the_regions_and_families_the_sources_list()
    {
        var validated = await ValidatedAsync();
        // GPU families: the CPU family (Dsv5, for the quote's data processing) has its own tests (CpuOfferTests).
        var actual = validated.Offers
            .Where(o => o.PricingModel == PricingModels.OnDemand && !AcceleratorRegistry.Default.IsCpu(o.AcceleratorId))
            .Select(o => (o.Region, Family: FamilyOfSize[o.InstanceType]))
            .ToHashSet();
        var expected = Expected.Regions.SelectMany(r => r.Value.Select(f => (Region: r.Key, Family: f))).ToHashSet();

        Assert.Empty(expected.Except(actual));
        Assert.Empty(actual.Except(expected));
        Assert.Equal(Expected.Regions.Count, actual.Select(p => p.Region).Distinct().Count());
        Assert.Equal(expected.Select(p => p.Family).Distinct().Count(), actual.Select(p => p.Family).Distinct().Count());
        // The bar: far more than one region; every public region of the big training families is there.
        Assert.True(Expected.Regions.Count >= 16, $"only {Expected.Regions.Count} regions in the coverage list");
    }

    [Fact]
    public void Every_size_of_every_family_is_in_the_size_map_and_the_unpriced_families_are_mapped_too()
    {
        foreach (var size in FamilyOfSize.Keys)
        {
            Assert.True(AzureVmSizeMap.Default.TryGet(size, out var mapped), $"{size} is not in Data/azure-vm-sizes.json");
            Assert.True(AcceleratorRegistry.Default.Contains(mapped.AcceleratorId), $"{size} maps to unknown {mapped.AcceleratorId}");
        }

        Assert.All(Expected.Unpriced, family => Assert.True(Expected.Families.ContainsKey(family)));
        Assert.DoesNotContain(Expected.Regions.Values.SelectMany(f => f), f => Expected.Unpriced.Contains(f));
    }

    [Fact]
    public async Task Every_reservation_item_becomes_a_committed_offer_priced_per_hour_of_its_term()
    {
        var validated = await ValidatedAsync();
        var offers = validated.Offers.ToDictionary(o => o.OfferKey, StringComparer.Ordinal);
        var reservations = FakeAzureRetailPricesApi.ReadEmbeddedSnapshotPages()
            .SelectMany(p => JsonNode.Parse(p)!["Items"]!.AsArray().Select(i => i!.AsObject()))
            .Where(i => FakeAzureRetailPricesApi.Field(i, "type") == "Reservation")
            .ToList();
        Assert.NotEmpty(reservations);

        foreach (var item in reservations)
        {
            var years = FakeAzureRetailPricesApi.Field(item, "reservationTerm") == "3 Years" ? 3 : 1;
            var model = years == 3 ? PricingModels.Committed3Y : PricingModels.Committed1Y;
            var key = OfferKey.Format("azure", FakeAzureRetailPricesApi.Field(item, "armRegionName")!, null, FakeAzureRetailPricesApi.Field(item, "armSkuName")!, model);
            Assert.Equal(item["retailPrice"]!.GetValue<decimal>() / (8760m * years), offers[key].PricePerInstanceHour);
        }

        var committed = validated.Offers
            .Where(o => o.PricingModel is PricingModels.Committed1Y or PricingModels.Committed3Y)
            .Select(o => new CommittedPair(o.Region, o.InstanceType))
            .ToHashSet();
        Assert.Equal(Expected.Committed.ToHashSet(), committed);
    }

    [Fact]
    public async Task No_mapped_size_is_quarantined_as_unknown_only_the_deliberate_ND96is_trap()
    {
        var validated = await ValidatedAsync();

        var unknown = validated.Quarantined.Where(r => r.Rule == QuarantineRules.UnknownAccelerator).ToList();
        Assert.NotEmpty(unknown);
        Assert.All(unknown, r => Assert.Contains("armSkuName=Standard_ND96is_H100_v5 ", r.Row, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_spot_price_equal_to_on_demand_comes_only_from_recorded_H200_meters()
    {
        // SkyPilot's catalog repeats the on-demand price as "spot" where it has none (its H100 rows); those are not
        // spot prices and are left out. The API itself lists H200 Spot at the on-demand price, and that is kept.
        var validated = await ValidatedAsync();
        var onDemand = validated.Offers.Where(o => o.PricingModel == PricingModels.OnDemand)
            .ToDictionary(o => (o.Region, o.InstanceType), o => o.PricePerInstanceHour);

        var equal = validated.Offers
            .Where(o => o.PricingModel == PricingModels.Spot && onDemand.GetValueOrDefault((o.Region, o.InstanceType)) == o.PricePerInstanceHour)
            .ToList();
        Assert.NotEmpty(equal);
        Assert.All(equal, o => Assert.Equal("Standard_ND96isr_H200_v5", o.InstanceType));
    }
}
