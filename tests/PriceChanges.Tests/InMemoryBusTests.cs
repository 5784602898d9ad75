using System.Collections.Concurrent;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Pricing.Catalog;
using Pricing.Contracts.Events;
using Pricing.Quoting;
using Pricing.ServiceDefaults;
using Quotes.Extensions;
using Quotes.History;
using Quotes.Sync;
using DomainKind = Pricing.Catalog.PriceChangeKind;

namespace PriceChanges.Tests;

/// <summary>
/// The embedded default's bus (Messaging:Transport=InMemory) handles the consumers as RabbitMQ does (their definitions:
/// one version part at a time, retry): a transient failure is retried and the change applied once, a forged part is
/// rejected whole without retries, and versions of one offer are applied in the order they arrived.
/// The history store is the real in-memory one, wrapped to fail or hold a write the way an outage would.
/// </summary>
public sealed class InMemoryBusTests
{
    private const string Provider = "inmemory";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Offer OfferAt(decimal price) =>
        new(Provider, "region-1", null, "x8.large", "nvidia-h100-80gb", 8m, 96, 1900m, PricingModels.OnDemand, price, "USD",
            new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), "sku", "meter");

    private static AcceleratorPriceChanged ChangeTo(long version, decimal? old, decimal price) =>
        AcceleratorPriceChanged.From(Provider, version, old is { } o
            ? new OfferChange(DomainKind.Changed, OfferAt(price).OfferKey, OfferAt(o), OfferAt(price))
            : new OfferChange(DomainKind.Added, OfferAt(price).OfferKey, null, OfferAt(price)), DateTimeOffset.UtcNow);

    /// <summary>A version as one part, as a provider publishes it (version 1 is the provider's whole catalog).</summary>
    private static CatalogVersionChanges VersionOf(params AcceleratorPriceChanged[] changes)
    {
        var version = changes[0].CatalogVersion;
        return new CatalogVersionChanges(Provider, version, version - 1, 1, 1, changes.Length, changes.Length, 0, changes[0].ObservedAt, changes);
    }

    [Fact]
    public async Task A_transient_consumer_failure_is_retried_and_the_change_applied_once()
    {
        // Each consumer that records the change (the view's and the history's) fails its first try at least once
        // between them; without a retry the change would never reach the view.
        var store = new FaultingHistoryStore { FailuresPerChange = 2 };
        await using var app = await StartQuotesAsync(store);
        using var watcher = app.Services.GetRequiredService<PriceChangeFeed>().Watch(PriceChangeSelector.All);
        var view = app.Services.GetRequiredService<PriceView>();
        var bus = app.Services.GetRequiredService<IBus>();

        var added = ChangeTo(1, null, 40m);
        await bus.Publish(VersionOf(added), Ct);
        await WaitAsync(() => view.VersionOf(Provider) == 1, "version 1 in the view");

        Assert.Equal(2, store.FailuresOf(added));
        Assert.Equal(40m, Assert.Single(view.Current.Catalogs.Single().Offers.Values).PricePerInstanceHour);
        Assert.Equal(added, (await ReadAsync(watcher, 1)).Single().Change);
        Assert.False(watcher.Changes.TryRead(out _), "the change was passed on twice");
        Assert.Single(await store.ReadAfterAsync(Provider, 0, Ct).ToListAsync(Ct));
    }

    [Fact]
    public async Task A_forged_version_part_is_rejected_whole_without_retries_and_a_genuine_one_after_it_is_applied()
    {
        var store = new FaultingHistoryStore();
        await using var app = await StartQuotesAsync(store);
        using var watcher = app.Services.GetRequiredService<PriceChangeFeed>().Watch(PriceChangeSelector.All);
        var view = app.Services.GetRequiredService<PriceView>();
        var bus = app.Services.GetRequiredService<IBus>();

        var genuine = ChangeTo(1, null, 40m);
        var forgedOffer = genuine.Offer! with { InstanceType = "x9.large", PricePerInstanceHour = -1m };
        var forged = genuine with { OfferKey = forgedOffer.OfferKey, NewPricePerInstanceHour = -1m, Offer = forgedOffer };
        // One part is one message: a forged change in it rejects the part, genuine changes beside it included.
        await bus.Publish(VersionOf(genuine, forged) with { ChangeCount = 2 }, Ct);
        await Task.Delay(500, Ct);
        Assert.Equal(0, view.VersionOf(Provider));
        Assert.False(watcher.Changes.TryRead(out var leaked), $"passed on from a forged part: {leaked?.Change.OfferKey}");
        Assert.Equal(0, store.FailuresOf(genuine) + store.AttemptsOf(genuine));

        await bus.Publish(VersionOf(genuine), Ct);
        await WaitAsync(() => view.VersionOf(Provider) == 1, "version 1 in the view");
        Assert.Equal(genuine, (await ReadAsync(watcher, 1)).Single().Change);
        Assert.Equal(40m, Assert.Single(view.Current.Catalogs.Single().Offers.Values).PricePerInstanceHour);
        Assert.Equal([genuine.OfferKey], await store.ReadAfterAsync(Provider, 0, Ct).Select(c => c.OfferKey).ToListAsync(Ct));
    }

    [Fact]
    public async Task A_version_in_two_parts_becomes_visible_once_both_are_applied()
    {
        var store = new FaultingHistoryStore();
        await using var app = await StartQuotesAsync(store);
        var view = app.Services.GetRequiredService<PriceView>();
        var bus = app.Services.GetRequiredService<IBus>();
        var first = ChangeTo(1, null, 40m);
        var secondOffer = first.Offer! with { InstanceType = "x9.large" };
        var second = first with { OfferKey = secondOffer.OfferKey, Offer = secondOffer };
        var parts = CatalogVersionChanges.Split(Provider, 1, 0, 2, 0, first.ObservedAt, [first, second], partSize: 1);
        Assert.Equal([(1, 2, 2), (2, 2, 2)], parts.Select(p => (p.Part, p.Parts, p.ChangeCount)));

        await bus.Publish(parts[0], Ct);
        await WaitAsync(() => store.AttemptsOf(first) > 0, "part 1 recorded");
        await Task.Delay(200, Ct);
        Assert.Equal(0, view.VersionOf(Provider));

        await bus.Publish(parts[1], Ct);
        await WaitAsync(() => view.VersionOf(Provider) == 1, "version 1 in the view");
        Assert.Equal(2, view.Current.Catalogs.Single().Offers.Count);
    }

    [Fact]
    public async Task Two_changes_of_one_offer_are_applied_in_the_order_they_arrived()
    {
        var store = new FaultingHistoryStore();
        await using var app = await StartQuotesAsync(store);
        using var watcher = app.Services.GetRequiredService<PriceChangeFeed>().Watch(PriceChangeSelector.All);
        var bus = app.Services.GetRequiredService<IBus>();
        await bus.Publish(VersionOf(ChangeTo(1, null, 40m)), Ct);
        Assert.Equal(1, (await ReadAsync(watcher, 1)).Single().Change.CatalogVersion);

        // Version 2's write is held; version 3 of the same offer must wait for it, however long it takes.
        var second = ChangeTo(2, 40m, 41m);
        store.Hold(second);
        await bus.Publish(VersionOf(second), Ct);
        await bus.Publish(VersionOf(ChangeTo(3, 41m, 42m)), Ct);
        await store.WaitUntilHeldAsync(second);

        // Released as soon as anything overtakes it (which fails the test), else after a while.
        List<ReceivedPriceChange> seen = [];
        using (var overtaking = CancellationTokenSource.CreateLinkedTokenSource(Ct))
        {
            overtaking.CancelAfter(TimeSpan.FromSeconds(3));
            try
            {
                seen.Add(await watcher.Changes.ReadAsync(overtaking.Token));
            }
            catch (OperationCanceledException) when (!Ct.IsCancellationRequested)
            {
            }
        }

        store.Release(second);
        seen.AddRange(await ReadAsync(watcher, 2 - seen.Count));
        Assert.Equal([2L, 3L], seen.Select(s => s.Change.CatalogVersion));
    }

    private static async Task<QuotesOnInMemoryBus> StartQuotesAsync(IPriceHistoryStore store)
    {
        var builder = WebApplication.CreateBuilder();
        builder.UseFreeLoopbackPort();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Configuration["Messaging:Transport"] = "InMemory";
        builder.AddServiceDefaults();
        builder.AddPricingMessaging(QuotesExtensions.RegisterConsumers, QuotesExtensions.ConfigureRabbitEndpoints);
        builder.AddQuotes();
        builder.Services.Replace(ServiceDescriptor.Singleton(store));
        builder.Services.Replace(ServiceDescriptor.Singleton<ICatalogSnapshotClient, NoCatalogs>());
        var app = builder.Build();
        await app.StartAsync(Ct);
        return new QuotesOnInMemoryBus(app);
    }

    private sealed class QuotesOnInMemoryBus(WebApplication app) : IAsyncDisposable
    {
        public IServiceProvider Services => app.Services;

        public async ValueTask DisposeAsync()
        {
            await app.StopAsync(CancellationToken.None);
            await app.DisposeAsync();
        }
    }

    private static async Task<List<ReceivedPriceChange>> ReadAsync(PriceChangeWatcher watcher, int count)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        deadline.CancelAfter(TimeSpan.FromSeconds(60));
        var read = new List<ReceivedPriceChange>();
        while (read.Count < count)
        {
            read.Add(await watcher.Changes.ReadAsync(deadline.Token));
        }

        return read;
    }

    private static async Task WaitAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}");
            await Task.Delay(20, Ct);
        }
    }

    private sealed class NoCatalogs : ICatalogSnapshotClient
    {
        public IReadOnlyCollection<string> Providers => [];

        public Task LoadAsync(string provider, PriceView view, CancellationToken cancellationToken) => Task.CompletedTask;
    }

    /// <summary>The in-memory history, whose writes of a change can fail a number of times first, or wait until released.</summary>
    private sealed class FaultingHistoryStore : IPriceHistoryStore
    {
        private readonly InMemoryPriceHistoryStore _inner = new(new PriceHistoryOptions(), TimeProvider.System);
        private readonly ConcurrentDictionary<string, int> _attempts = new();
        private readonly ConcurrentDictionary<string, (TaskCompletionSource Reached, TaskCompletionSource Released)> _held = new();

        public int FailuresPerChange { get; init; }

        public string Name => "faulting-memory";

        public bool IsShared => false;

        public int AttemptsOf(AcceleratorPriceChanged change) => _attempts.GetValueOrDefault(PriceChangeJson.IdentityOf(change));

        public int FailuresOf(AcceleratorPriceChanged change) => Math.Min(FailuresPerChange, _attempts.GetValueOrDefault(PriceChangeJson.IdentityOf(change)));

        public void Hold(AcceleratorPriceChanged change) =>
            _held[PriceChangeJson.IdentityOf(change)] = (new(TaskCreationOptions.RunContinuationsAsynchronously), new(TaskCreationOptions.RunContinuationsAsynchronously));

        public Task WaitUntilHeldAsync(AcceleratorPriceChanged change) => _held[PriceChangeJson.IdentityOf(change)].Reached.Task.WaitAsync(TimeSpan.FromSeconds(60), Ct);

        public void Release(AcceleratorPriceChanged change) => _held[PriceChangeJson.IdentityOf(change)].Released.TrySetResult();

        public async Task<bool> AppendAsync(AcceleratorPriceChanged change, CancellationToken cancellationToken)
        {
            var identity = PriceChangeJson.IdentityOf(change);
            if (_held.TryGetValue(identity, out var hold))
            {
                hold.Reached.TrySetResult();
                await hold.Released.Task.WaitAsync(cancellationToken);
            }

            if (_attempts.AddOrUpdate(identity, 1, (_, n) => n + 1) <= FailuresPerChange)
            {
                throw new InvalidOperationException("injected transient history failure");
            }

            return await _inner.AppendAsync(change, cancellationToken);
        }

        public Task<ResumeWindow> ResumeWindowAsync(string provider, long afterVersion, CancellationToken cancellationToken) =>
            _inner.ResumeWindowAsync(provider, afterVersion, cancellationToken);

        public IAsyncEnumerable<AcceleratorPriceChanged> ReadAfterAsync(string provider, long afterVersion, CancellationToken cancellationToken) =>
            _inner.ReadAfterAsync(provider, afterVersion, cancellationToken);

        public Task<PriceHistoryPage> QueryAsync(PriceHistoryQuery query, CancellationToken cancellationToken) =>
            _inner.QueryAsync(query, cancellationToken);
    }
}
