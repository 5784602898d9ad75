namespace Pricing.Catalog.Tests;

public sealed class CatalogDiffTests
{
    [Fact]
    public void An_offer_only_in_the_next_version_is_added()
    {
        var offer = TestOffers.Make();

        var changes = CatalogDiff.Compute(TestOffers.ByKey(), TestOffers.ByKey(offer));

        var change = Assert.Single(changes);
        Assert.Equal(PriceChangeKind.Added, change.Kind);
        Assert.Equal(offer.OfferKey, change.OfferKey);
        Assert.Null(change.Old);
        Assert.Same(offer, change.New);
    }

    [Fact]
    public void An_offer_only_in_the_previous_version_is_removed()
    {
        var offer = TestOffers.Make();

        var changes = CatalogDiff.Compute(TestOffers.ByKey(offer), TestOffers.ByKey());

        var change = Assert.Single(changes);
        Assert.Equal(PriceChangeKind.Removed, change.Kind);
        Assert.Same(offer, change.Old);
        Assert.Null(change.New);
    }

    [Fact]
    public void A_new_price_for_the_same_offer_is_a_change_with_old_and_new()
    {
        var old = TestOffers.Make(price: 55.04m);
        var updated = TestOffers.Make(price: 49.99m);

        var changes = CatalogDiff.Compute(TestOffers.ByKey(old), TestOffers.ByKey(updated));

        var change = Assert.Single(changes);
        Assert.Equal(PriceChangeKind.Changed, change.Kind);
        Assert.Equal(55.04m, change.Old!.PricePerInstanceHour);
        Assert.Equal(49.99m, change.New!.PricePerInstanceHour);
    }

    [Fact]
    public void Accelerator_facts_and_currency_count_as_changes()
    {
        var old = TestOffers.Make();

        Assert.Single(CatalogDiff.Compute(TestOffers.ByKey(old), TestOffers.ByKey(old with { AcceleratorsPerInstance = 4m })));
        Assert.Single(CatalogDiff.Compute(TestOffers.ByKey(old), TestOffers.ByKey(old with { AcceleratorId = "nvidia-h200-141gb" })));
        Assert.Single(CatalogDiff.Compute(TestOffers.ByKey(old), TestOffers.ByKey(old with { Currency = "EUR" })));
    }

    [Fact]
    public void An_unchanged_offer_is_not_reported_even_as_a_different_instance()
    {
        var previous = TestOffers.ByKey(TestOffers.Make(price: 55.04m), TestOffers.Make(region: "us-west-2", price: 60m));
        var next = TestOffers.ByKey(TestOffers.Make(price: 55.04m), TestOffers.Make(region: "us-west-2", price: 60m));

        Assert.Empty(CatalogDiff.Compute(previous, next));
    }

    [Fact]
    public void A_price_printed_with_a_trailing_zero_is_the_same_price()
    {
        // 98.3200 and 98.32 are one amount; a re-printing must not publish a change.
        var changes = CatalogDiff.Compute(TestOffers.ByKey(TestOffers.Make(price: 98.32m)), TestOffers.ByKey(TestOffers.Make(price: 98.3200m)));

        Assert.Empty(changes);
    }

    [Fact]
    public void A_new_effective_date_or_new_ids_without_a_new_price_is_not_a_change()
    {
        var old = TestOffers.Make(effectiveDate: TestOffers.Jan1, skuId: "SKU-1", meterId: "METER-1");
        var moved = old with { EffectiveDate = TestOffers.Jan1.AddMonths(3), SkuId = "SKU-2", MeterId = "METER-2" };

        Assert.Empty(CatalogDiff.Compute(TestOffers.ByKey(old), TestOffers.ByKey(moved)));
    }

    [Fact]
    public void Changes_are_ordered_by_offer_key_whatever_the_dictionary_order()
    {
        var kept = TestOffers.Make(instanceType: "p4d.24xlarge", price: 32.77m);
        var changedOld = TestOffers.Make(instanceType: "trn1.32xlarge", acceleratorId: "aws-trainium1", acceleratorsPerInstance: 16, price: 21.50m);
        var removed = TestOffers.Make(instanceType: "p5.48xlarge", region: "eu-west-1");
        var added1 = TestOffers.Make(instanceType: "g6.xlarge", acceleratorId: "nvidia-l4", acceleratorsPerInstance: 1, price: 0.8048m);
        var added2 = TestOffers.Make(instanceType: "p5.48xlarge", region: "ap-south-1");
        var changedNew = changedOld with { PricePerInstanceHour = 19.99m };

        Offer[] previous = [kept, changedOld, removed];
        Offer[] next = [kept, changedNew, added1, added2];

        var forward = CatalogDiff.Compute(TestOffers.ByKey(previous), TestOffers.ByKey(next));
        var reversed = CatalogDiff.Compute(TestOffers.ByKey([.. previous.Reverse()]), TestOffers.ByKey([.. next.Reverse()]));

        var expectedKeys = new[] { changedNew.OfferKey, removed.OfferKey, added1.OfferKey, added2.OfferKey }.Order(StringComparer.Ordinal).ToList();
        Assert.Equal(expectedKeys, forward.Select(c => c.OfferKey));
        Assert.Equal(forward.Select(c => (c.Kind, c.OfferKey)), reversed.Select(c => (c.Kind, c.OfferKey)));
        Assert.Equal(2, forward.Count(c => c.Kind == PriceChangeKind.Added));
        Assert.Equal(1, forward.Count(c => c.Kind == PriceChangeKind.Changed));
        Assert.Equal(1, forward.Count(c => c.Kind == PriceChangeKind.Removed));
        Assert.DoesNotContain(forward, c => c.OfferKey == kept.OfferKey);
    }
}
