using System.Text.Json;
using Pricing.Catalog;

namespace Gcp.Pricing.Tests;

/// <summary>
/// Breadth: the bundled snapshot prices every accelerator family in every region the public sources list it in,
/// except the exclusions written (with their reasons) in <c>Data/gcp-breadth-expected.json</c>. That file is derived
/// from the source rows by build_snapshot.py, not from the pages, so a SKU lost by the parser, the composer or the
/// validator shows here as a missing region.
/// </summary>
public sealed class BreadthTests
{
    private sealed record Exclusion(string Region, string Reason);

    private sealed record Family(string Name, IReadOnlyList<string> InstanceTypes, IReadOnlyList<string> RegionsListed,
        IReadOnlyList<string> ZonesListed, IReadOnlyList<Exclusion> Excluded, IReadOnlyList<string> RegionsPriced, string Source);

    private static IReadOnlyList<Family> Expected()
    {
        using var stream = typeof(BreadthTests).Assembly.GetManifestResourceStream("Gcp.Pricing.Tests.Data.gcp-breadth-expected.json")!;
        using var document = JsonDocument.Parse(stream);
        static List<string> Strings(JsonElement e) => e.EnumerateArray().Select(x => x.GetString()!).ToList();
        return document.RootElement.GetProperty("families").EnumerateArray().Select(f => new Family(
            f.GetProperty("family").GetString()!, Strings(f.GetProperty("instanceTypes")), Strings(f.GetProperty("regionsListed")),
            Strings(f.GetProperty("zonesListed")),
            f.GetProperty("excluded").EnumerateArray().Select(x => new Exclusion(x.GetProperty("region").GetString()!, x.GetProperty("reason").GetString()!)).ToList(),
            Strings(f.GetProperty("regionsPriced")), f.GetProperty("source").GetString()!)).ToList();
    }

    private static async Task<ValidatedOffers> SnapshotAsync()
    {
        var scrape = await new GcpSnapshotSource().ScrapeAsync(TestContext.Current.CancellationToken);
        return new OfferValidator(AcceleratorRegistry.Default).Validate(scrape.Candidates, scrape.Quarantined);
    }

    private static bool IsOf(Family family, Offer offer) =>
        family.InstanceTypes.Any(prefix => prefix.EndsWith('-') ? offer.InstanceType.StartsWith(prefix, StringComparison.Ordinal) : offer.InstanceType == prefix);

    [Fact]
    public async Task Every_family_is_priced_in_exactly_the_regions_the_sources_list_less_the_written_exclusions()
    {
        var validated = await SnapshotAsync();

        foreach (var family in Expected())
        {
            var priced = validated.Offers.Where(o => IsOf(family, o)).Select(o => o.Region).Distinct().Order(StringComparer.Ordinal).ToList();
            Assert.True(family.RegionsPriced.SequenceEqual(priced),
                $"{family.Name}: expected [{string.Join(", ", family.RegionsPriced)}], snapshot prices [{string.Join(", ", priced)}]");
        }
    }

    [Fact]
    public async Task The_counts_of_regions_zones_and_families_are_the_sources_counts()
    {
        var expected = Expected();
        var validated = await SnapshotAsync();

        // Families with at least one priced region, and the distinct regions and zones over all families.
        var pricedFamilies = expected.Where(f => validated.Offers.Any(o => IsOf(f, o))).Select(f => f.Name).ToList();
        Assert.Equal(expected.Where(f => f.RegionsPriced.Count > 0).Select(f => f.Name), pricedFamilies);
        var regions = validated.Offers.Where(o => expected.Any(f => IsOf(f, o))).Select(o => o.Region).Distinct().Count();
        Assert.Equal(expected.SelectMany(f => f.RegionsPriced).Distinct().Count(), regions);
        // As derived today: 12 of 13 families priced (A4X has no public price) in 29 regions;
        // 73 zones in 31 regions listed. A change in the sources or the snapshot shows here first.
        Assert.Equal((12, 29), (pricedFamilies.Count, regions));
        Assert.Equal((73, 31), (expected.SelectMany(f => f.ZonesListed).Distinct().Count(), expected.SelectMany(f => f.RegionsListed).Distinct().Count()));
    }

    [Fact]
    public void Every_zone_belongs_to_a_listed_region_and_every_exclusion_says_why()
    {
        foreach (var family in Expected())
        {
            Assert.All(family.ZonesListed, zone => Assert.Contains(zone[..zone.LastIndexOf('-')], family.RegionsListed));
            Assert.All(family.Excluded, e => Assert.Contains(e.Region, family.RegionsListed));
            Assert.All(family.Excluded, e => Assert.False(string.IsNullOrWhiteSpace(e.Reason)));
            Assert.Equal(family.RegionsListed.Except(family.Excluded.Select(e => e.Region)).Order(StringComparer.Ordinal), family.RegionsPriced);
            Assert.False(string.IsNullOrWhiteSpace(family.Source));
        }
    }

    [Fact]
    public async Task The_snapshot_has_no_unknown_accelerator_or_pricing_model_quarantines()
    {
        var validated = await SnapshotAsync();

        Assert.DoesNotContain(validated.Quarantined, r => r.Rule is QuarantineRules.UnknownAccelerator or QuarantineRules.UnknownPricingModel);
    }
}
