using Pricing.Catalog;

namespace Pricing.Sources.Tests;

public sealed class ScrapeBuilderTests
{
    private static readonly DateTimeOffset AsOf = new(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);

    private static Offer OfferOf(string instance) =>
        new("paged", "region-0", null, instance, "nvidia-h100-80gb", 8, 96, 1024, PricingModels.OnDemand, 80m, "USD", AsOf, "sku", "meter");

    private static QuarantinedRow RowOf(string row) => new("paged", QuarantineRules.Malformed, "bad", row);

    [Fact]
    public void Parts_are_merged_in_order_with_skipped_rows_summed_per_reason()
    {
        var first = new MappingResult([OfferOf("a")], [RowOf("r1")], new Dictionary<string, int> { ["windows"] = 2, ["dev/test"] = 1 }, ["note 1"]);
        var second = new MappingResult([OfferOf("b"), OfferOf("c")], [], new Dictionary<string, int> { ["windows"] = 3 });
        var third = MappingResult.Rejected([RowOf("r2")], "note 2");

        var scrape = ScrapeBuilder.Build(AsOf, first, second, third);

        Assert.Equal(["a", "b", "c"], scrape.Candidates.Select(o => o.InstanceType));
        Assert.Equal(["r1", "r2"], scrape.Quarantined.Select(r => r.Row));
        Assert.Equal(new Dictionary<string, int> { ["windows"] = 5, ["dev/test"] = 1 }, scrape.Skipped);
        Assert.Equal(["note 1", "note 2"], scrape.Notes);
        Assert.Equal(AsOf, scrape.AsOf);
    }

    [Fact]
    public void No_parts_make_an_empty_scrape()
    {
        var scrape = ScrapeBuilder.Build(AsOf);

        Assert.Empty(scrape.Candidates);
        Assert.Empty(scrape.Quarantined);
        Assert.Empty(scrape.Skipped);
        Assert.Empty(scrape.Notes);
    }
}
