using System.Text.Json;
using Pricing.Catalog;

namespace Aws.Pricing.Tests;

/// <summary>
/// Breadth: the bundled snapshot prices every region and, per region, every accelerated instance family that the
/// public sources price (Data/aws-breadth-expected.json, derived from Snapshot/sources.csv by build_snapshot.py, not
/// from the built files), after parsing, mapping and validation, so no region or family is lost on the way.
/// </summary>
public sealed class BreadthTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static SortedDictionary<string, SortedSet<string>> Expected()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Data", "aws-breadth-expected.json")));
        var expected = new SortedDictionary<string, SortedSet<string>>(StringComparer.Ordinal);
        foreach (var region in document.RootElement.GetProperty("regions").EnumerateObject())
        {
            expected[region.Name] = new SortedSet<string>(region.Value.EnumerateArray().Select(f => f.GetString()!), StringComparer.Ordinal);
        }

        return expected;
    }

    private static async Task<IReadOnlyList<Offer>> SnapshotOffersAsync()
    {
        var scrape = await new AwsSnapshotSource().ScrapeAsync(Ct);
        return new OfferValidator(AcceleratorRegistry.Default).Validate(scrape.Candidates, scrape.Quarantined).Offers;
    }

    [Fact]
    public async Task Every_region_and_family_the_sources_price_is_in_the_snapshot_and_nothing_else()
    {
        var expected = Expected();
        var offers = await SnapshotOffersAsync();

        var actual = new SortedDictionary<string, SortedSet<string>>(StringComparer.Ordinal);
        // Accelerated families only: the CPU family (c7i, for the quote's data processing) has its own test.
        foreach (var offer in offers.Where(o => o.PricingModel is PricingModels.OnDemand or PricingModels.Spot && !AcceleratorRegistry.Default.IsCpu(o.AcceleratorId)))
        {
            if (!actual.TryGetValue(offer.Region, out var families))
            {
                actual[offer.Region] = families = new SortedSet<string>(StringComparer.Ordinal);
            }

            families.Add(AwsInstanceTypeMap.FamilyOf(offer.InstanceType).ToString());
        }

        Assert.Equal(expected.Keys, actual.Keys);
        Assert.All(expected, e => Assert.Equal(e.Value, actual[e.Key]));
    }

    [Fact]
    public void The_sources_list_nineteen_regions_and_fifteen_families_which_the_live_source_reads_by_default()
    {
        var expected = Expected();

        // The counts the sources give today (SkyPilot catalog @ 00148f2a: the P/Trn subset, g5.12xlarge, g6.48xlarge, g6e.48xlarge; + one article row); a regenerated list changes them on purpose.
        Assert.Equal(19, expected.Count);
        Assert.Equal(
            ["g5", "g6", "g6e", "p3", "p3dn", "p4d", "p4de", "p5", "p5e", "p5en", "p6-b200", "p6-b300", "trn1", "trn1n", "trn2"],
            expected.Values.SelectMany(f => f).Distinct().Order(StringComparer.Ordinal));
        Assert.Equal(expected.Keys, AwsPricingOptions.DefaultRegions.Order(StringComparer.Ordinal));
        Assert.All(expected.Values.SelectMany(f => f), family => Assert.True(AwsInstanceTypeMap.Default.IsScrapedFamily(family + ".x"), family));
    }

    [Fact]
    public async Task Capacity_blocks_and_commitments_only_appear_in_regions_the_sources_price()
    {
        var expected = Expected();
        var offers = await SnapshotOffersAsync();

        Assert.All(offers, o => Assert.Contains(o.Region, expected.Keys));
        Assert.Equal(5, offers.Count(o => o.PricingModel == PricingModels.CapacityBlock));
    }
}
