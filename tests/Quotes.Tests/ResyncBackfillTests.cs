using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Pricing.Catalog;
using Pricing.Contracts.Events;
using Pricing.Quoting;
using Quotes.History;
using Quotes.Sync;

namespace Quotes.Tests;

/// <summary>
/// A gap resync: a version whose announcement arrived with one of its two changes lost. The resync loads the
/// provider's snapshot into the view and backfills the history and this replica's watchers with the change the gap
/// hid, without recording or telling again the one that did arrive.
/// </summary>
public sealed class ResyncBackfillTests
{
    private const string Provider = "backfill";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Offer OfferOf(string instance, decimal price) =>
        new(Provider, "eastus", null, instance, "nvidia-h100-80gb", 8m, 96, 1900m, PricingModels.OnDemand, price, "USD",
            new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), "sku", "meter");

    [Fact]
    public async Task A_gap_resync_records_and_tells_the_lost_change_once_and_not_the_one_that_arrived()
    {
        var time = TimeProvider.System;
        var options = new PriceHistoryOptions();
        var store = new InMemoryPriceHistoryStore(options, time);
        var feed = new PriceChangeFeed(store, options, time, NullLogger<PriceChangeFeed>.Instance);
        var view = new PriceView(time);
        var x1 = OfferOf("x", 10m);
        var y1 = OfferOf("y", 20m);
        var snapshots = new SettableSnapshot(1, [x1, y1]);
        var quotesOptions = Options.Create(new QuotesOptions { ResyncGrace = TimeSpan.Zero, SyncInterval = TimeSpan.FromMilliseconds(20) });
        var worker = new CatalogSyncWorker(snapshots, view, feed, quotesOptions, time, NullLogger<CatalogSyncWorker>.Instance);
        await worker.StartAsync(Ct);
        try
        {
            await WaitAsync(() => view.VersionOf(Provider) == 1, "the bootstrap");
            using var watcher = feed.Watch(PriceChangeSelector.All);

            // Version 2 changes both offers; the change of x arrives, the change of y is lost, the announcement arrives.
            var x2 = x1 with { PricePerInstanceHour = 11m };
            var y2 = y1 with { PricePerInstanceHour = 21m };
            var arrived = AcceleratorPriceChanged.From(Provider, 2, new OfferChange(PriceChangeKind.Changed, x1.OfferKey, x1, x2), time.GetUtcNow());
            await feed.RecordAsync(arrived, Ct);
            view.ApplyChange(Provider, 2, new OfferChange(PriceChangeKind.Changed, x1.OfferKey, null, x2));
            snapshots.Set(2, [x2, y2]);
            view.ApplyPublished(Provider, 2, 2, time.GetUtcNow(), 1);

            await WaitAsync(() => worker.Resyncs == 1 && feed.Received == 2, "the resync and its backfill");

            Assert.Equal(2, view.VersionOf(Provider));
            var recorded = await store.ReadAfterAsync(Provider, 1, Ct).ToListAsync(Ct);
            Assert.Equal([x1.OfferKey, y1.OfferKey], recorded.Select(c => c.OfferKey).Order(StringComparer.Ordinal));
            var backfilled = Assert.Single(recorded, c => c.OfferKey == y1.OfferKey);
            Assert.Equal((20m, 21m, 2L), (backfilled.OldPricePerInstanceHour, backfilled.NewPricePerInstanceHour, backfilled.CatalogVersion));

            var told = new List<AcceleratorPriceChanged>();
            while (watcher.Changes.TryRead(out var notice))
            {
                told.Add(notice.Change);
            }

            Assert.Equal([x1.OfferKey, y1.OfferKey], told.Select(c => c.OfferKey));
        }
        finally
        {
            await worker.StopAsync(CancellationToken.None);
        }
    }

    private static async Task WaitAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}");
            await Task.Delay(10, Ct);
        }
    }

    /// <summary>The provider's snapshot as the test sets it (what StreamCatalogSnapshot would serve).</summary>
    private sealed class SettableSnapshot(long version, IReadOnlyList<Offer> offers) : ICatalogSnapshotClient
    {
        private Tuple<long, IReadOnlyList<Offer>> _current = Tuple.Create(version, offers);

        public IReadOnlyCollection<string> Providers => [Provider];

        public void Set(long version, IReadOnlyList<Offer> offers) => Volatile.Write(ref _current, Tuple.Create(version, offers));

        public Task LoadAsync(string provider, PriceView view, CancellationToken cancellationToken)
        {
            var (version, offers) = Volatile.Read(ref _current);
            view.LoadSnapshot(provider, version, DateTimeOffset.UtcNow, offers);
            return Task.CompletedTask;
        }
    }
}
