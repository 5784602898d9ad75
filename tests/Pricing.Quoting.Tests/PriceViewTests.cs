using Microsoft.Extensions.Time.Testing;
using static Pricing.Quoting.Tests.TestData;

namespace Pricing.Quoting.Tests;

/// <summary>
/// The price view: a snapshot, then change events that become visible only as whole versions, applied
/// once whatever the redelivery or order, with gaps reported for a resync.
/// </summary>
public sealed class PriceViewTests
{
    private const string Azure = "azure";
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(5);
    private static readonly DateTimeOffset V2AsOf = AsOf.AddHours(1);
    private static readonly DateTimeOffset V3AsOf = AsOf.AddHours(2);

    private static readonly Offer H100 = Offer();
    private static readonly Offer H100Cheaper = Offer(price: 90.00m);
    private static readonly Offer A100 = Offer(instanceType: "Standard_ND96amsr_A100_v4", acceleratorId: TestData.A100, price: 32.77m);
    private static readonly Offer H200 = Offer(instanceType: "Standard_ND96isr_H200_v5", acceleratorId: "nvidia-h200-141gb", price: 110.24m);
    private static readonly Offer H200Cheaper = Offer(instanceType: "Standard_ND96isr_H200_v5", acceleratorId: "nvidia-h200-141gb", price: 100m);

    /// <summary>Version 2's changes from version 1 ({H100, A100}): H100 cheaper, A100 removed, H200 added.</summary>
    private static readonly OfferChange[] V2Changes =
    [
        new(PriceChangeKind.Changed, H100.OfferKey, H100, H100Cheaper),
        new(PriceChangeKind.Removed, A100.OfferKey, A100, null),
        new(PriceChangeKind.Added, H200.OfferKey, null, H200),
    ];

    /// <summary>Version 3's one change: H200 cheaper.</summary>
    private static readonly OfferChange V3Change = new(PriceChangeKind.Changed, H200.OfferKey, H200, H200Cheaper);

    private readonly FakeTimeProvider _time = new(AsOf);
    private readonly PriceView _view;

    public PriceViewTests() => _view = new PriceView(_time);

    private void LoadV1() => Assert.Equal(ViewUpdate.Advanced, _view.LoadSnapshot(Azure, 1, AsOf, [H100, A100]));

    private PriceViewCatalog Catalog(PriceViewSnapshot snapshot, string provider = Azure) => Assert.Single(snapshot.Catalogs, c => c.Provider == provider);

    private void AssertAtV1(PriceViewSnapshot snapshot)
    {
        var catalog = Catalog(snapshot);
        Assert.Equal(1, catalog.Version);
        Assert.Equal(AsOf, catalog.AsOf);
        Assert.Equal([A100.OfferKey, H100.OfferKey], catalog.Offers.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(98.32m, catalog.Offers[H100.OfferKey].PricePerInstanceHour);
    }

    private void AssertAtV2(PriceViewSnapshot snapshot)
    {
        var catalog = Catalog(snapshot);
        Assert.Equal(2, catalog.Version);
        Assert.Equal(V2AsOf, catalog.AsOf);
        Assert.Equal([H100.OfferKey, H200.OfferKey], catalog.Offers.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(90.00m, catalog.Offers[H100.OfferKey].PricePerInstanceHour);
        Assert.Equal(110.24m, catalog.Offers[H200.OfferKey].PricePerInstanceHour);
    }

    private void AssertAtV3(PriceViewSnapshot snapshot)
    {
        var catalog = Catalog(snapshot);
        Assert.Equal(3, catalog.Version);
        Assert.Equal(V3AsOf, catalog.AsOf);
        Assert.Equal([H100.OfferKey, H200.OfferKey], catalog.Offers.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(90.00m, catalog.Offers[H100.OfferKey].PricePerInstanceHour);
        Assert.Equal(100m, catalog.Offers[H200.OfferKey].PricePerInstanceHour);
    }

    [Fact]
    public void An_empty_view_has_no_catalogs()
    {
        Assert.Empty(_view.Current.Catalogs);
        Assert.Equal("", _view.Current.VersionKey);
        Assert.Equal(0, _view.VersionOf(Azure));
    }

    [Fact]
    public void A_snapshot_loads_a_whole_catalog()
    {
        LoadV1();

        AssertAtV1(_view.Current);
        Assert.Equal(1, _view.VersionOf(Azure));
    }

    [Fact]
    public async Task NextChange_completes_only_when_a_whole_version_becomes_visible_and_carries_it()
    {
        LoadV1();
        var next = _view.NextChange;

        _view.ApplyChange(Azure, 2, V2Changes[0]);
        _view.ApplyChange(Azure, 2, V2Changes[1]);
        _view.ApplyChange(Azure, 2, V2Changes[2]);
        Assert.False(next.IsCompleted, "buffered changes are not visible, so they must not wake watchers");

        _view.ApplyPublished(Azure, 2, 3, V2AsOf);
        var seen = await next.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
        AssertAtV2(seen);
        Assert.NotSame(next, _view.NextChange);
        Assert.False(_view.NextChange.IsCompleted, "the following signal waits for the following change");
    }

    [Fact]
    public void Changes_are_buffered_until_the_announcement_with_a_matching_count_then_visible_at_once()
    {
        LoadV1();

        Assert.Equal(ViewUpdate.Buffered, _view.ApplyChange(Azure, 2, V2Changes[0]));
        Assert.Equal(ViewUpdate.Buffered, _view.ApplyChange(Azure, 2, V2Changes[1]));
        Assert.Equal(ViewUpdate.Buffered, _view.ApplyChange(Azure, 2, V2Changes[2]));
        // All of version 2 has arrived but it has not been announced: nothing of it is visible.
        AssertAtV1(_view.Current);

        Assert.Equal(ViewUpdate.Advanced, _view.ApplyPublished(Azure, 2, 3, V2AsOf));

        AssertAtV2(_view.Current);
        Assert.Equal(2, _view.VersionOf(Azure));
    }

    [Fact]
    public void A_restarted_providers_first_version_diffed_from_nothing_replaces_the_held_catalog_across_the_gap()
    {
        LoadV1();
        // The provider restarted and numbers on from the clock: version 1000, announced as diffed against nothing
        // (previous version 0), lists every offer it has as added. A100 is gone from it; H100 moved.
        Assert.Equal(ViewUpdate.Buffered, _view.ApplyChange(Azure, 1000, new OfferChange(PriceChangeKind.Added, H100.OfferKey, null, H100Cheaper)));
        Assert.Equal(ViewUpdate.Buffered, _view.ApplyPublished(Azure, 1000, 2, V2AsOf, previousVersion: 0));
        AssertAtV1(_view.Current);

        Assert.Equal(ViewUpdate.Advanced, _view.ApplyChange(Azure, 1000, new OfferChange(PriceChangeKind.Added, H200.OfferKey, null, H200)));

        var catalog = Catalog(_view.Current);
        Assert.Equal(1000, catalog.Version);
        Assert.Equal(V2AsOf, catalog.AsOf);
        Assert.Equal([H100.OfferKey, H200.OfferKey], catalog.Offers.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(90.00m, catalog.Offers[H100.OfferKey].PricePerInstanceHour);
        // Not a gap to resync: the whole catalog arrived.
        _time.Advance(Grace * 2);
        Assert.Empty(_view.ProvidersBehind(Grace));

        // The restarted provider's next version follows as usual.
        _view.ApplyChange(Azure, 1001, V3Change);
        Assert.Equal(ViewUpdate.Advanced, _view.ApplyPublished(Azure, 1001, 1, V3AsOf, previousVersion: 1000));
        Assert.Equal(100m, Catalog(_view.Current).Offers[H200.OfferKey].PricePerInstanceHour);
    }

    [Fact]
    public void A_version_past_a_gap_that_is_not_diffed_from_nothing_waits_for_a_resync()
    {
        LoadV1();
        _view.ApplyChange(Azure, 3, V3Change);
        Assert.Equal(ViewUpdate.Buffered, _view.ApplyPublished(Azure, 3, 1, V3AsOf, previousVersion: 2));

        AssertAtV1(_view.Current);
        _time.Advance(Grace * 2);
        Assert.Equal([Azure], _view.ProvidersBehind(Grace));
    }

    [Fact]
    public void The_first_version_of_a_provider_never_seen_applies_whatever_its_number()
    {
        Assert.Equal(ViewUpdate.Buffered, _view.ApplyChange(Azure, 1_795_896_000, new OfferChange(PriceChangeKind.Added, H100.OfferKey, null, H100)));
        Assert.Equal(ViewUpdate.Advanced, _view.ApplyPublished(Azure, 1_795_896_000, 1, AsOf, previousVersion: 0));

        Assert.Equal(1_795_896_000, Catalog(_view.Current).Version);
    }

    [Fact]
    public void An_announced_version_stays_invisible_until_its_last_change_arrives()
    {
        LoadV1();

        Assert.Equal(ViewUpdate.Buffered, _view.ApplyChange(Azure, 2, V2Changes[0]));
        Assert.Equal(ViewUpdate.Buffered, _view.ApplyPublished(Azure, 2, 3, V2AsOf));
        Assert.Equal(ViewUpdate.Buffered, _view.ApplyChange(Azure, 2, V2Changes[1]));
        // Two of three changes: the cheaper H100 must not be visible yet, nor A100 gone.
        AssertAtV1(_view.Current);

        Assert.Equal(ViewUpdate.Advanced, _view.ApplyChange(Azure, 2, V2Changes[2]));

        AssertAtV2(_view.Current);
    }

    [Fact]
    public void A_version_with_no_changes_advances_on_its_announcement()
    {
        LoadV1();

        Assert.Equal(ViewUpdate.Advanced, _view.ApplyPublished(Azure, 2, 0, V2AsOf));

        var catalog = Catalog(_view.Current);
        Assert.Equal(2, catalog.Version);
        Assert.Equal(V2AsOf, catalog.AsOf);
        Assert.Equal(2, catalog.Offers.Count);
    }

    [Fact]
    public void A_redelivered_change_of_a_pending_version_is_a_duplicate_and_does_not_count_twice()
    {
        LoadV1();
        Assert.Equal(ViewUpdate.Buffered, _view.ApplyPublished(Azure, 2, 3, V2AsOf));
        Assert.Equal(ViewUpdate.Buffered, _view.ApplyChange(Azure, 2, V2Changes[0]));
        Assert.Equal(ViewUpdate.Buffered, _view.ApplyChange(Azure, 2, V2Changes[1]));

        Assert.Equal(ViewUpdate.Duplicate, _view.ApplyChange(Azure, 2, V2Changes[1]));

        // Had the redelivery counted, version 2 would now look complete.
        AssertAtV1(_view.Current);
        Assert.Equal(ViewUpdate.Advanced, _view.ApplyChange(Azure, 2, V2Changes[2]));
        AssertAtV2(_view.Current);
    }

    [Fact]
    public void Redelivered_changes_and_announcements_of_an_applied_version_are_duplicates_with_no_effect()
    {
        LoadV1();
        foreach (var change in V2Changes)
        {
            _view.ApplyChange(Azure, 2, change);
        }

        _view.ApplyPublished(Azure, 2, 3, V2AsOf);
        var before = _view.Current;

        Assert.Equal(ViewUpdate.Duplicate, _view.ApplyChange(Azure, 2, V2Changes[1]));
        Assert.Equal(ViewUpdate.Duplicate, _view.ApplyChange(Azure, 2, new OfferChange(PriceChangeKind.Added, A100.OfferKey, null, A100)));
        Assert.Equal(ViewUpdate.Duplicate, _view.ApplyPublished(Azure, 2, 3, V2AsOf));
        Assert.Equal(ViewUpdate.Duplicate, _view.ApplyChange(Azure, 1, new OfferChange(PriceChangeKind.Removed, H100.OfferKey, H100, null)));

        Assert.Same(before, _view.Current);
        AssertAtV2(_view.Current);
    }

    [Fact]
    public void A_redelivered_announcement_of_a_pending_version_is_a_duplicate()
    {
        LoadV1();
        Assert.Equal(ViewUpdate.Buffered, _view.ApplyPublished(Azure, 2, 3, V2AsOf));

        Assert.Equal(ViewUpdate.Duplicate, _view.ApplyPublished(Azure, 2, 3, V2AsOf));

        AssertAtV1(_view.Current);
    }

    [Fact]
    public void The_next_version_arriving_before_this_one_waits_then_both_apply_in_order()
    {
        LoadV1();

        // Version 3 complete first (its change touches an offer version 2 adds).
        Assert.Equal(ViewUpdate.Buffered, _view.ApplyPublished(Azure, 3, 1, V3AsOf));
        Assert.Equal(ViewUpdate.Buffered, _view.ApplyChange(Azure, 3, V3Change));
        AssertAtV1(_view.Current);

        // Then version 2, announcement first and changes in reverse.
        Assert.Equal(ViewUpdate.Buffered, _view.ApplyPublished(Azure, 2, 3, V2AsOf));
        Assert.Equal(ViewUpdate.Buffered, _view.ApplyChange(Azure, 2, V2Changes[2]));
        Assert.Equal(ViewUpdate.Buffered, _view.ApplyChange(Azure, 2, V2Changes[1]));
        AssertAtV1(_view.Current);
        Assert.Equal(ViewUpdate.Advanced, _view.ApplyChange(Azure, 2, V2Changes[0]));

        AssertAtV3(_view.Current);
    }

    [Fact]
    public void Every_arrival_order_ends_at_the_same_state()
    {
        var messages = new List<Func<PriceView, ViewUpdate>>();
        messages.AddRange(V2Changes.Select(c => (Func<PriceView, ViewUpdate>)(v => v.ApplyChange(Azure, 2, c))));
        messages.Add(v => v.ApplyPublished(Azure, 2, 3, V2AsOf));
        messages.Add(v => v.ApplyChange(Azure, 3, V3Change));
        messages.Add(v => v.ApplyPublished(Azure, 3, 1, V3AsOf));

        var random = new Random(20261128);
        for (var trial = 0; trial < 200; trial++)
        {
            var view = new PriceView(_time);
            view.LoadSnapshot(Azure, 1, AsOf, [H100, A100]);
            // Shuffled, with some messages delivered twice.
            var deliveries = messages.Concat(messages.Where(_ => random.Next(3) == 0)).OrderBy(_ => random.Next()).ToList();
            foreach (var deliver in deliveries)
            {
                deliver(view);
            }

            AssertAtV3(view.Current);
        }
    }

    [Fact]
    public void A_version_announced_but_incomplete_past_the_grace_puts_the_provider_behind()
    {
        LoadV1();
        _view.LoadSnapshot("aws", 4, AsOf, [Offer(provider: "aws", region: "us-east-1", instanceType: "p5.48xlarge", price: 55.04m)]);
        _view.ApplyChange(Azure, 2, V2Changes[0]);
        _view.ApplyPublished(Azure, 2, 3, V2AsOf);

        _time.Advance(Grace - TimeSpan.FromMilliseconds(1));
        Assert.Empty(_view.ProvidersBehind(Grace));

        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal([Azure], _view.ProvidersBehind(Grace));
    }

    [Fact]
    public void A_version_whose_parts_keep_arriving_is_not_behind_until_the_grace_passes_after_the_last_part()
    {
        LoadV1();
        // Part 1 of 2 announces the version; part 2 comes later than the grace after part 1, but keeps it alive.
        _view.ApplyChange(Azure, 2, V2Changes[0]);
        _view.ApplyPublished(Azure, 2, 3, V2AsOf);
        _time.Advance(Grace - TimeSpan.FromMilliseconds(1));
        _view.ApplyChange(Azure, 2, V2Changes[1]);
        Assert.Equal(ViewUpdate.Duplicate, _view.ApplyPublished(Azure, 2, 3, V2AsOf));

        _time.Advance(Grace - TimeSpan.FromMilliseconds(1));
        Assert.Empty(_view.ProvidersBehind(Grace));

        // The last change never comes: the grace, counted from the last part, puts the provider behind.
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal([Azure], _view.ProvidersBehind(Grace));
    }

    [Fact]
    public void A_version_never_seen_puts_the_provider_behind_when_a_later_one_is_announced()
    {
        LoadV1();
        // Version 2 was lost entirely; version 3 arrives whole.
        _view.ApplyChange(Azure, 3, V3Change);
        _view.ApplyPublished(Azure, 3, 1, V3AsOf);

        _time.Advance(Grace);

        Assert.Equal([Azure], _view.ProvidersBehind(Grace));
        AssertAtV1(_view.Current);
    }

    [Fact]
    public void Changes_without_an_announcement_are_not_a_gap_yet()
    {
        LoadV1();
        _view.ApplyChange(Azure, 2, V2Changes[0]);

        _time.Advance(TimeSpan.FromMinutes(10));

        Assert.Empty(_view.ProvidersBehind(Grace));
    }

    [Fact]
    public void A_snapshot_at_a_later_version_drops_older_pending_changes_and_clears_the_gap()
    {
        LoadV1();
        _view.ApplyChange(Azure, 2, V2Changes[0]);
        _view.ApplyPublished(Azure, 2, 3, V2AsOf);
        _time.Advance(Grace);
        Assert.Equal([Azure], _view.ProvidersBehind(Grace));

        Assert.Equal(ViewUpdate.Advanced, _view.LoadSnapshot(Azure, 3, V3AsOf, [H100Cheaper, H200Cheaper]));

        Assert.Empty(_view.ProvidersBehind(Grace));
        AssertAtV3(_view.Current);
        // The rest of version 2 arriving late is a duplicate now and changes nothing.
        Assert.Equal(ViewUpdate.Duplicate, _view.ApplyChange(Azure, 2, V2Changes[1]));
        Assert.Equal(ViewUpdate.Duplicate, _view.ApplyChange(Azure, 2, V2Changes[2]));
        AssertAtV3(_view.Current);
    }

    [Fact]
    public void A_snapshot_applies_buffered_versions_that_follow_it()
    {
        LoadV1();
        // Version 3 complete and waiting on version 2, which a snapshot at version 2 then supplies.
        _view.ApplyChange(Azure, 3, V3Change);
        _view.ApplyPublished(Azure, 3, 1, V3AsOf);

        _view.LoadSnapshot(Azure, 2, V2AsOf, [H100Cheaper, H200]);

        AssertAtV3(_view.Current);
        Assert.Empty(_view.ProvidersBehind(TimeSpan.Zero));
    }

    [Fact]
    public void A_snapshot_older_than_the_view_is_ignored()
    {
        LoadV1();
        foreach (var change in V2Changes)
        {
            _view.ApplyChange(Azure, 2, change);
        }

        _view.ApplyPublished(Azure, 2, 3, V2AsOf);

        Assert.Equal(ViewUpdate.Duplicate, _view.LoadSnapshot(Azure, 1, AsOf, [H100, A100]));

        AssertAtV2(_view.Current);
    }

    [Fact]
    public void The_version_key_changes_with_any_providers_version()
    {
        LoadV1();
        var awsOffer = Offer(provider: "aws", region: "us-east-1", instanceType: "p5.48xlarge", price: 55.04m);
        _view.LoadSnapshot("aws", 5, AsOf, [awsOffer]);
        var first = _view.Current.VersionKey;

        _view.ApplyPublished(Azure, 2, 0, V2AsOf);
        var second = _view.Current.VersionKey;

        _view.ApplyPublished("aws", 6, 0, V2AsOf);
        var third = _view.Current.VersionKey;

        Assert.Equal("aws:5,azure:1", first);
        Assert.Equal("aws:5,azure:2", second);
        Assert.Equal("aws:6,azure:2", third);
    }

    [Fact]
    public void The_version_key_does_not_depend_on_catalog_order()
    {
        var a = new PriceViewSnapshot([new PriceViewCatalog("gcp", 2, AsOf, ByKey()), new PriceViewCatalog("aws", 7, AsOf, ByKey())]);
        var b = new PriceViewSnapshot([new PriceViewCatalog("aws", 7, AsOf, ByKey()), new PriceViewCatalog("gcp", 2, AsOf, ByKey())]);

        Assert.Equal(a.VersionKey, b.VersionKey);
    }

    [Fact]
    public void Readers_holding_an_older_snapshot_are_unaffected_by_later_changes()
    {
        LoadV1();
        var held = _view.Current;
        var heldOffers = Catalog(held).Offers;

        foreach (var change in V2Changes)
        {
            _view.ApplyChange(Azure, 2, change);
        }

        _view.ApplyPublished(Azure, 2, 3, V2AsOf);
        _view.LoadSnapshot("aws", 1, AsOf, [Offer(provider: "aws", region: "us-east-1", instanceType: "p5.48xlarge", price: 55.04m)]);

        AssertAtV1(held);
        Assert.Single(held.Catalogs);
        Assert.Same(heldOffers, Catalog(held).Offers);
        Assert.False(heldOffers.ContainsKey(H200.OfferKey));
        AssertAtV2(_view.Current);
    }

    [Fact]
    public void Providers_advance_independently()
    {
        LoadV1();
        var awsOffer = Offer(provider: "aws", region: "us-east-1", instanceType: "p5.48xlarge", price: 55.04m);
        _view.LoadSnapshot("aws", 1, AsOf, [awsOffer]);

        // Azure's version 2 is pending; aws's version 2 completes.
        _view.ApplyPublished(Azure, 2, 3, V2AsOf);
        Assert.Equal(ViewUpdate.Buffered, _view.ApplyPublished("aws", 2, 1, V2AsOf));
        Assert.Equal(ViewUpdate.Advanced, _view.ApplyChange("aws", 2, new OfferChange(PriceChangeKind.Removed, awsOffer.OfferKey, awsOffer, null)));

        Assert.Empty(Catalog(_view.Current, "aws").Offers);
        Assert.Equal(2, Catalog(_view.Current, "aws").Version);
        AssertAtV1(_view.Current);
    }
}
