namespace Pricing.Catalog.Tests;

public sealed class VersionedCatalogTests
{
    private static readonly DateTimeOffset T1 = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset T2 = T1.AddHours(1);

    [Fact]
    public void A_new_catalog_is_version_zero_and_empty()
    {
        var catalog = new VersionedCatalog("aws");

        Assert.Equal(0, catalog.Current.Version);
        Assert.Empty(catalog.Current.Offers);
        Assert.Equal("aws", catalog.Current.Provider);
    }

    [Fact]
    public void A_catalog_with_a_first_version_starts_there_from_empty_and_counts_on_by_one()
    {
        var catalog = new VersionedCatalog("aws", firstVersion: 1_795_896_000);
        var a = TestOffers.Make(instanceType: "p5.48xlarge", price: 55.04m);

        var first = catalog.Commit([a], [], T1);
        var second = catalog.Commit([a with { PricePerInstanceHour = 50m }], [], T2);

        Assert.Equal(0, first.Previous.Version);
        Assert.Equal(1_795_896_000, first.Current.Version);
        Assert.Equal(1, first.Added);
        Assert.Equal(1_795_896_001, second.Current.Version);
        Assert.Equal(1, second.Changed);
        Assert.Throws<ArgumentOutOfRangeException>(() => new VersionedCatalog("aws", firstVersion: 0));
    }

    [Fact]
    public void Each_commit_gets_the_next_version_and_the_diff_against_the_previous_one()
    {
        var catalog = new VersionedCatalog("aws");
        var a = TestOffers.Make(instanceType: "p5.48xlarge", price: 55.04m);
        var b = TestOffers.Make(instanceType: "p4d.24xlarge", acceleratorId: "nvidia-a100-40gb", price: 32.77m);
        var c = TestOffers.Make(instanceType: "g6.xlarge", acceleratorId: "nvidia-l4", acceleratorsPerInstance: 1, price: 0.8048m);

        var first = catalog.Commit([a, b], [], T1);

        Assert.Equal(0, first.Previous.Version);
        Assert.Equal(1, first.Current.Version);
        Assert.Equal(2, first.Added);
        Assert.Equal(0, first.Changed);
        Assert.Equal(0, first.Removed);
        Assert.Equal(T1, first.Current.AsOf);
        Assert.Same(first.Current, catalog.Current);

        var quarantined = new[] { new QuarantinedRow("aws", QuarantineRules.ZeroPrice, "zero", "row") };
        var second = catalog.Commit([a with { PricePerInstanceHour = 50m }, c], quarantined, T2);

        Assert.Same(first.Current, second.Previous);
        Assert.Equal(2, second.Current.Version);
        Assert.Equal((1, 1, 1), (second.Added, second.Changed, second.Removed));
        Assert.Equal(c.OfferKey, second.Changes.Single(x => x.Kind == PriceChangeKind.Added).OfferKey);
        Assert.Equal(b.OfferKey, second.Changes.Single(x => x.Kind == PriceChangeKind.Removed).OfferKey);
        Assert.Equal(50m, second.Changes.Single(x => x.Kind == PriceChangeKind.Changed).New!.PricePerInstanceHour);
        Assert.Equal(new[] { a.OfferKey, c.OfferKey }.Order(), second.Current.Offers.Keys.Order());
        Assert.Equal(quarantined, second.Current.Quarantined);
        Assert.Equal(T2, second.Current.AsOf);
    }

    [Fact]
    public void Committing_the_same_offers_again_is_a_new_version_with_no_changes()
    {
        var catalog = new VersionedCatalog("aws");
        var a = TestOffers.Make();
        catalog.Commit([a], [], T1);

        var again = catalog.Commit([TestOffers.Make()], [], T2);

        Assert.Equal(2, again.Current.Version);
        Assert.Empty(again.Changes);
    }

    [Fact]
    public void Two_offers_with_one_key_are_rejected_and_the_catalog_stays()
    {
        var catalog = new VersionedCatalog("aws");
        var committed = catalog.Commit([TestOffers.Make()], [], T1).Current;

        var ex = Assert.Throws<ArgumentException>(() =>
            catalog.Commit([TestOffers.Make(price: 10m), TestOffers.Make(price: 11m)], [], T2));

        Assert.Contains("Duplicate offer key", ex.Message, StringComparison.Ordinal);
        Assert.Same(committed, catalog.Current);
    }

    [Fact]
    public void An_offer_of_another_provider_is_rejected_and_the_catalog_stays()
    {
        var catalog = new VersionedCatalog("aws");
        var committed = catalog.Commit([TestOffers.Make()], [], T1).Current;

        Assert.Throws<ArgumentException>(() => catalog.Commit([TestOffers.Make(provider: "gcp")], [], T2));

        Assert.Same(committed, catalog.Current);
        Assert.Equal(1, catalog.Current.Version);
    }

    [Fact]
    public void Restore_sets_the_current_version_and_the_next_commit_follows_it()
    {
        var catalog = new VersionedCatalog("aws");
        var a = TestOffers.Make();
        var restored = new CatalogSnapshot("aws", 41, T1, TestOffers.ByKey(a), []);

        catalog.Restore(restored);
        var next = catalog.Commit([a with { PricePerInstanceHour = 60m }], [], T2);

        Assert.Same(restored, next.Previous);
        Assert.Equal(42, next.Current.Version);
        Assert.Equal(PriceChangeKind.Changed, Assert.Single(next.Changes).Kind);
    }

    [Fact]
    public void Restore_rejects_a_snapshot_of_another_provider()
    {
        var catalog = new VersionedCatalog("aws");

        Assert.Throws<ArgumentException>(() => catalog.Restore(CatalogSnapshot.Empty("gcp")));
        Assert.Equal("aws", catalog.Current.Provider);
    }
}
