using static Pricing.Quoting.Tests.TestData;

namespace Pricing.Quoting.Tests;

/// <summary>
/// Prices as of a past time: a recorded history made by the real versioned catalog and diff (adds, price changes,
/// removals, a re-add, over four versions), and the catalog rebuilt from the last version by undoing what was
/// recorded after each time must be the one that was live then. What the history cannot vouch for is refused.
/// </summary>
public sealed class CatalogAsOfTests
{
    private const string Azure = "azure";
    private static readonly DateTimeOffset T1 = AsOf.AddDays(1);
    private static readonly DateTimeOffset T2 = AsOf.AddDays(2);
    private static readonly DateTimeOffset T3 = AsOf.AddDays(3);
    private static readonly DateTimeOffset T4 = AsOf.AddDays(4);

    private static readonly Offer H100East = Offer(price: 98.32m);
    private static readonly Offer H100West = Offer(region: "westus", price: 99.00m);
    private static readonly Offer H100Spot = Offer(pricingModel: PricingModels.Spot, price: 40.00m);
    private static readonly Offer A100 = Offer(instanceType: "Standard_ND96amsr_A100_v4", acceleratorId: TestData.A100, price: 32.77m);
    private static readonly Offer H200 = Offer(instanceType: "Standard_ND96isr_H200_v5", acceleratorId: "nvidia-h200-141gb", price: 110.24m);

    /// <summary>The catalogs as scraped, one per version, each price with the effective date of its scrape.</summary>
    private static readonly (DateTimeOffset At, Offer[] Offers)[] Scrapes =
    [
        (T1, [H100East, H100West, H100Spot, A100]),
        // v2: H100 east cheaper, A100 gone, H200 new.
        (T2, [H100East with { PricePerInstanceHour = 90m, EffectiveDate = T2 }, H100West, H100Spot, H200]),
        // v3: H200 cheaper, spot gone, A100 back at a new price.
        (T3, [H100East with { PricePerInstanceHour = 90m, EffectiveDate = T2 }, H100West, H200 with { PricePerInstanceHour = 100m, EffectiveDate = T3 }, A100 with { PricePerInstanceHour = 30m, EffectiveDate = T3 }]),
        // v4: H100 west cheaper, H100 east gone.
        (T4, [H100West with { PricePerInstanceHour = 95m, EffectiveDate = T4 }, H200 with { PricePerInstanceHour = 100m, EffectiveDate = T3 }, A100 with { PricePerInstanceHour = 30m, EffectiveDate = T3 }]),
    ];

    /// <summary>Every version committed through the real catalog: its snapshot, and its changes as the history records them (observed at the scrape).</summary>
    private static (List<CatalogSnapshot> Versions, List<RecordedChange> History) Record(VersionedCatalog? catalog = null, IEnumerable<(DateTimeOffset At, Offer[] Offers)>? scrapes = null)
    {
        catalog ??= new VersionedCatalog(Azure);
        var versions = new List<CatalogSnapshot>();
        var history = new List<RecordedChange>();
        foreach (var (at, offers) in scrapes ?? Scrapes)
        {
            var commit = catalog.Commit(offers, [], at);
            versions.Add(commit.Current);
            history.AddRange(commit.Changes.Select(c => ToRecorded(commit.Current.Version, at, c)));
        }

        return (versions, history);
    }

    private static RecordedChange ToRecorded(long version, DateTimeOffset at, OfferChange c) =>
        new(version, at, c.Kind, c.OfferKey, (c.New ?? c.Old)!.AcceleratorId, "USD", c.Old?.PricePerInstanceHour, c.New);

    private static PriceViewCatalog Current(CatalogSnapshot snapshot) => new(Azure, snapshot.Version, snapshot.AsOf, snapshot.Offers);

    /// <summary>What the history's per-offer index gives: each key's latest record at or before the time.</summary>
    private static Dictionary<string, Offer?> RecordedAtOrBefore(List<RecordedChange> history, IEnumerable<string> keys, DateTimeOffset asOf) =>
        keys.Select(k => (Key: k, Latest: history.Where(c => c.OfferKey == k && c.ObservedAt <= asOf).MaxBy(c => c.Version)))
            .Where(e => e.Latest is not null)
            .ToDictionary(e => e.Key, e => e.Latest!.New, StringComparer.Ordinal);

    public static TheoryData<int, int> Times => new()
    {
        // (hours after the first scrape, index of the version live then)
        { 0, 0 }, { 12, 0 }, { 24, 1 }, { 30, 1 }, { 48, 2 }, { 60, 2 }, { 72, 3 }, { 90, 3 },
    };

    [Theory]
    [MemberData(nameof(Times))]
    public void The_rebuilt_catalog_is_the_one_live_at_the_time_offer_for_offer(int hoursAfterFirst, int live)
    {
        var (versions, history) = Record();
        var asOf = T1.AddHours(hoursAfterFirst);
        var current = Current(versions[^1]);

        var lookups = RecordedAtOrBefore(history, CatalogAsOf.KeysToLookUp(current, history, asOf), asOf);
        var rebuilt = CatalogAsOf.Rebuild(current, history, asOf, provableFrom: T1, lookups);

        var expected = versions[live];
        Assert.Equal(expected.Version, rebuilt.Catalog.Version);
        Assert.Equal(expected.Offers.OrderBy(o => o.Key), rebuilt.Catalog.Offers.OrderBy(o => o.Key));
        Assert.Equal(history.Count(c => c.ObservedAt > asOf), rebuilt.ChangesUndone);
        Assert.Empty(rebuilt.Warnings);
    }

    [Fact]
    public void Removals_are_looked_up_first_and_additions_never()
    {
        var (versions, history) = Record();
        var keys = CatalogAsOf.KeysToLookUp(Current(versions[^1]), history, T1.AddHours(1));

        // After T1: H100 east changed (v2) then removed (v4): its oldest change to undo is a change. Spot removed (v3),
        // A100 removed (v2), H100 west changed (v4); H200 added (v2): nothing to look up.
        Assert.Equal([A100.OfferKey, H100Spot.OfferKey, H100East.OfferKey, H100West.OfferKey], keys);
    }

    [Fact]
    public void Without_older_records_a_change_keeps_its_old_price_and_a_removal_takes_its_instance_types_facts_with_a_warning()
    {
        // Quotes began recording at v2: the history holds v2..v4 only, and no lookups are given.
        var (versions, history) = Record();
        var fromV2 = history.Where(c => c.Version >= 2).ToList();
        var asOf = T3.AddHours(-1); // v2 was live

        var rebuilt = CatalogAsOf.Rebuild(Current(versions[^1]), fromV2, asOf, provableFrom: T2);

        var expected = versions[1].Offers;
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), rebuilt.Catalog.Offers.Keys.Order(StringComparer.Ordinal));
        foreach (var (key, offer) in expected)
        {
            var got = rebuilt.Catalog.Offers[key];
            Assert.Equal(offer.PricePerInstanceHour, got.PricePerInstanceHour);
            Assert.Equal(offer.PricePerAcceleratorHour, got.PricePerAcceleratorHour);
            Assert.Equal(offer.AcceleratorId, got.AcceleratorId);
            Assert.True(got.EffectiveDate <= asOf);
        }

        Assert.Contains(rebuilt.Warnings, w => w.Contains("effective date is unknown", StringComparison.Ordinal));
    }

    [Fact]
    public void A_removed_offer_with_no_record_and_no_instance_type_left_is_left_out_and_named()
    {
        var gone = Offer(instanceType: "Standard_NC24ads_A100_v4", acceleratorId: TestData.A100, acceleratorsPerInstance: 1m, price: 3.67m);
        var (versions, history) = Record(scrapes: [(T1, [H100East, gone]), (T2, [H100East])]);
        var removal = history.Where(c => c.Version == 2).ToList();

        var rebuilt = CatalogAsOf.Rebuild(Current(versions[^1]), removal, T1.AddHours(1), provableFrom: T1);

        Assert.False(rebuilt.Catalog.Offers.ContainsKey(gone.OfferKey));
        var warning = Assert.Single(rebuilt.Warnings);
        Assert.Contains(gone.OfferKey, warning, StringComparison.Ordinal);
    }

    [Fact]
    public void A_time_before_what_the_history_vouches_for_is_refused_with_the_earliest_time()
    {
        var (versions, history) = Record();

        var ex = Assert.Throws<AsOfOutOfRangeException>(() => CatalogAsOf.Rebuild(Current(versions[^1]), history, T1.AddSeconds(-1), provableFrom: T1));

        Assert.Equal(T1, ex.Earliest);
        Assert.Equal(Azure, ex.Provider);
    }

    [Fact]
    public void A_version_that_replaced_the_catalog_whole_cannot_be_undone_past()
    {
        // v1..v2 recorded, then the provider restarted: its first version in the new process (clock-numbered) is its
        // whole catalog, every offer added, and what it dropped (A100) has no removal.
        var (_, before) = Record(scrapes: Scrapes.Take(2));
        var restarted = new VersionedCatalog(Azure, firstVersion: 1_000);
        var (after, whole) = Record(restarted, [(T3, [H100West, H200])]);
        var history = before.Concat(whole).ToList();
        var current = Current(after[^1]);

        var ex = Assert.Throws<AsOfOutOfRangeException>(() => CatalogAsOf.Rebuild(current, history, T2.AddHours(1), provableFrom: T1));
        Assert.Equal(T3, ex.Earliest);
        Assert.Contains("replaced the catalog whole", ex.Message, StringComparison.Ordinal);

        // From the restart on, the rebuild stands.
        var rebuilt = CatalogAsOf.Rebuild(current, history, T3.AddHours(1), provableFrom: T1);
        Assert.Equal(after[^1].Offers.OrderBy(o => o.Key), rebuilt.Catalog.Offers.OrderBy(o => o.Key));
    }

    [Fact]
    public void Changes_of_a_version_the_catalog_does_not_hold_yet_are_not_undone()
    {
        var (versions, history) = Record();
        // The history can be ahead of the view: version 4 recorded, the view still at version 3.
        var current = Current(versions[2]);

        var rebuilt = CatalogAsOf.Rebuild(current, history, T3.AddHours(1), provableFrom: T1);

        Assert.Equal(3, rebuilt.Catalog.Version);
        Assert.Equal(versions[2].Offers.OrderBy(o => o.Key), rebuilt.Catalog.Offers.OrderBy(o => o.Key));
        Assert.Equal(0, rebuilt.ChangesUndone);
    }
}
