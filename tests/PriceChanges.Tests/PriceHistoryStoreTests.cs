using Microsoft.Extensions.Time.Testing;
using Pricing.Catalog;
using Pricing.Contracts.Events;
using Pricing.Testing;
using Quotes.History;
using StackExchange.Redis;

namespace PriceChanges.Tests;

/// <summary>The history contract, run against both stores: Redis (the real server) and memory (the embedded default).</summary>
public abstract class PriceHistoryStoreContract
{
    protected static readonly DateTimeOffset T0 = new(2026, 11, 1, 12, 0, 0, TimeSpan.Zero);

    protected readonly FakeTimeProvider Time = new(T0);

    protected readonly PriceHistoryOptions Options = new() { Retention = TimeSpan.FromDays(30), MaxChangesPerProvider = 1000 };

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    protected abstract Task<IPriceHistoryStore> CreateStoreAsync();

    public static AcceleratorPriceChanged Change(string provider, long version, string instance, decimal? oldPrice, decimal? newPrice,
        DateTimeOffset observedAt, string accelerator = "nvidia-h100-80gb", string model = PricingModels.OnDemand, string region = "us-east-1")
    {
        var offer = newPrice is null ? null : new OfferSnapshot(provider, region, null, instance, accelerator, 8, 192, 2048, model, newPrice.Value, "USD", observedAt, "sku", "meter");
        var kind = oldPrice is null ? ChangeKind.Added : newPrice is null ? ChangeKind.Removed : ChangeKind.Changed;
        return new AcceleratorPriceChanged(provider, version, OfferKey.Format(provider, region, null, instance, model), kind, region, accelerator, model,
            oldPrice, newPrice, "USD", offer, observedAt);
    }

    [Fact]
    public async Task A_batch_append_says_for_each_change_whether_it_was_new_and_stores_each_once()
    {
        var store = await CreateStoreAsync();
        var before = Change("aws", 1, "p5.0", null, 90m, T0);
        Assert.True(await store.AppendAsync(before, Ct));

        // 300 changes: more than one script call's worth on Redis. One was recorded before, one is in the batch twice.
        var batch = Enumerable.Range(0, 300).Select(i => Change("aws", 1, $"p5.{i}", null, 90m + i, T0)).ToList();
        batch.Add(batch[10] with { });
        var added = await store.AppendManyAsync(batch, Ct);

        Assert.Equal(batch.Count, added.Count);
        Assert.False(added[0], "recorded before the batch");
        Assert.All(added.Skip(1).Take(299), a => Assert.True(a));
        Assert.False(added[300], "the second copy in the same batch");
        var recorded = await store.ReadAfterAsync("aws", 0, Ct).ToListAsync(Ct);
        Assert.Equal(300, recorded.Count);
        Assert.Equal(batch.Take(300).Select(c => c.OfferKey).Order(StringComparer.Ordinal), recorded.Select(c => c.OfferKey).Order(StringComparer.Ordinal));
        Assert.Equal(300, (await store.ResumeWindowAsync("aws", 0, Ct)).Changes);
    }

    [Fact]
    public async Task A_batch_of_several_providers_accelerators_and_models_puts_each_change_in_exactly_its_own_indexes()
    {
        var store = await CreateStoreAsync();
        // One batch (one script call on Redis), the providers, accelerators and models interleaved.
        var batch = new List<AcceleratorPriceChanged>();
        var i = 0;
        foreach (var provider in new[] { "aws", "gcp", "azure" })
        {
            foreach (var accelerator in new[] { "nvidia-h100-80gb", "nvidia-a100-40gb" })
            {
                foreach (var model in new[] { PricingModels.OnDemand, PricingModels.Spot })
                {
                    i++;
                    batch.Add(Change(provider, 10 + i % 3, $"x{i}", i % 2 == 0 ? null : 50m, 60m + i, T0.AddMinutes(i), accelerator, model));
                }
            }
        }

        batch = [.. batch.OrderBy(c => (c.CatalogVersion, c.PricingModel, c.AcceleratorId))];
        Assert.All(await store.AppendManyAsync(batch, Ct), Assert.True);

        foreach (var change in batch)
        {
            Assert.Equal([change], (await store.QueryAsync(new PriceHistoryQuery(change.OfferKey, null, null, null, null, null, 100), Ct)).Changes);
        }

        foreach (var accelerator in new[] { "nvidia-h100-80gb", "nvidia-a100-40gb", "amd-mi300x" })
        {
            foreach (var provider in new[] { null, "aws", "gcp", "azure" })
            {
                foreach (var model in new[] { null, PricingModels.OnDemand, PricingModels.Spot })
                {
                    var expected = batch.Where(c => c.AcceleratorId == accelerator && (provider is null || c.Provider == provider)
                        && (model is null || c.PricingModel == model)).OrderBy(c => c.ObservedAt).ToList();
                    var page = await store.QueryAsync(new PriceHistoryQuery(null, accelerator, provider, model, null, null, 100), Ct);
                    Assert.Equal(expected, page.Changes);
                }
            }
        }

        foreach (var provider in new[] { "aws", "gcp", "azure" })
        {
            var recorded = await store.ReadAfterAsync(provider, 0, Ct).ToListAsync(Ct);
            Assert.Equal(batch.Where(c => c.Provider == provider).Select(c => c.OfferKey).Order(StringComparer.Ordinal),
                recorded.Select(c => c.OfferKey).Order(StringComparer.Ordinal));
            Assert.Null((await store.ResumeWindowAsync(provider, 0, Ct)).TrimmedThrough);
        }
    }

    [Fact]
    public async Task A_batch_crossing_one_providers_cap_trims_that_provider_only()
    {
        Options.MaxChangesPerProvider = 5;
        var store = await CreateStoreAsync();
        // aws versions 1..8 (three past the cap) interleaved with gcp versions 1..3, in one batch.
        var aws = Enumerable.Range(1, 8).Select(v => Change("aws", v, $"p5.{v}", null, 90m + v, T0.AddHours(v))).ToList();
        var gcp = Enumerable.Range(1, 3).Select(v => Change("gcp", v, $"a3.{v}", null, 80m + v, T0.AddHours(v))).ToList();
        var batch = aws.Take(3).Concat(gcp).Concat(aws.Skip(3)).ToList();

        Assert.All(await store.AppendManyAsync(batch, Ct), Assert.True);

        var awsWindow = await store.ResumeWindowAsync("aws", 0, Ct);
        Assert.Equal(3, awsWindow.TrimmedThrough);
        Assert.Equal(5, awsWindow.Changes);
        Assert.Equal([4L, 5L, 6L, 7L, 8L], (await store.ReadAfterAsync("aws", 0, Ct).ToListAsync(Ct)).Select(c => c.CatalogVersion));
        Assert.Null((await store.ResumeWindowAsync("gcp", 0, Ct)).TrimmedThrough);
        Assert.Equal(gcp, await store.ReadAfterAsync("gcp", 0, Ct).ToListAsync(Ct));
        // What the log still holds is still recognised; the time-scored history keeps every change.
        Assert.Equal([false, false], await store.AppendManyAsync([aws[7] with { }, gcp[0] with { }], Ct));
        var h100 = await store.QueryAsync(new PriceHistoryQuery(null, "nvidia-h100-80gb", null, null, null, null, 100), Ct);
        Assert.Equal(batch.Select(c => c.OfferKey).Order(StringComparer.Ordinal), h100.Changes.Select(c => c.OfferKey).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData(40)]
    [InlineData(300)]
    public async Task A_version_part_is_written_once_and_a_second_writer_or_a_redelivery_writes_nothing(int changes)
    {
        var store = await CreateStoreAsync();
        // 300: more than one script call's worth on Redis, where the part's mark is set after the last call.
        var version = Enumerable.Range(0, changes).Select(i => Change("aws", 7, $"p5.{i}", null, 90m + i, T0)).ToList();
        var part = CatalogVersionChanges.Split("aws", 7, 6, changes, 0, T0, version, 1000).Single();

        Assert.True(await store.AppendVersionPartAsync(part, Ct));
        // Another replica, and a redelivery of the same part, at the same time.
        var again = await Task.WhenAll(store.AppendVersionPartAsync(part with { }, Ct), store.AppendVersionPartAsync(part, Ct));

        if (store.IsShared)
        {
            Assert.Equal([false, false], again);
        }

        var recorded = await store.ReadAfterAsync("aws", 0, Ct).ToListAsync(Ct);
        Assert.Equal(version.Select(c => c.OfferKey).Order(StringComparer.Ordinal), recorded.Select(c => c.OfferKey).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task The_same_change_appended_twice_is_stored_once_and_the_second_append_says_so()
    {
        var store = await CreateStoreAsync();
        var change = Change("aws", 1, "p5.48xlarge", null, 98.32m, T0);

        Assert.True(await store.AppendAsync(change, Ct));
        Assert.False(await store.AppendAsync(change with { }, Ct));

        var recorded = await store.ReadAfterAsync("aws", 0, Ct).ToListAsync(Ct);
        Assert.Equal(change, Assert.Single(recorded));
    }

    [Fact]
    public async Task A_resume_reads_only_versions_after_the_point_in_version_order()
    {
        var store = await CreateStoreAsync();
        // Appended out of version order on purpose.
        await store.AppendAsync(Change("aws", 3, "p5.48xlarge", 90m, 85m, T0.AddHours(2)), Ct);
        await store.AppendAsync(Change("aws", 1, "p5.48xlarge", null, 98.32m, T0), Ct);
        await store.AppendAsync(Change("aws", 2, "p5.48xlarge", 98.32m, 90m, T0.AddHours(1)), Ct);
        await store.AppendAsync(Change("gcp", 7, "a3-highgpu-8g", 88m, 87m, T0), Ct);

        var afterOne = await store.ReadAfterAsync("aws", 1, Ct).ToListAsync(Ct);

        Assert.Equal([2L, 3L], afterOne.Select(c => c.CatalogVersion));
        Assert.All(afterOne, c => Assert.Equal("aws", c.Provider));
        Assert.Empty(await store.ReadAfterAsync("aws", 3, Ct).ToListAsync(Ct));
        Assert.Empty(await store.ReadAfterAsync("azure", 0, Ct).ToListAsync(Ct));
    }

    [Fact]
    public async Task History_by_offer_and_by_accelerator_is_oldest_first_within_the_range_and_narrowed_by_provider_and_model()
    {
        var store = await CreateStoreAsync();
        var v1 = Change("aws", 1, "p5.48xlarge", null, 98.32m, T0);
        var v2 = Change("aws", 2, "p5.48xlarge", 98.32m, 90m, T0.AddHours(1));
        var spot = Change("aws", 2, "p5.48xlarge", null, 40m, T0.AddHours(1), model: PricingModels.Spot);
        var gcp = Change("gcp", 5, "a3-highgpu-8g", null, 88.25m, T0.AddHours(3));
        var a100 = Change("aws", 2, "p4d.24xlarge", null, 32.77m, T0.AddHours(1), accelerator: "nvidia-a100-40gb");
        foreach (var c in new[] { v2, gcp, v1, spot, a100 })
        {
            await store.AppendAsync(c, Ct);
        }

        var offer = await store.QueryAsync(new PriceHistoryQuery(v1.OfferKey, null, null, null, null, null, 100), Ct);
        Assert.Equal([v1, v2], offer.Changes);
        Assert.False(offer.Truncated);

        var h100 = await store.QueryAsync(new PriceHistoryQuery(null, "nvidia-h100-80gb", null, null, null, null, 100), Ct);
        Assert.Equal(4, h100.Changes.Count);
        Assert.Equal(h100.Changes.OrderBy(c => c.ObservedAt), h100.Changes);
        Assert.DoesNotContain(a100, h100.Changes);

        var awsSpot = await store.QueryAsync(new PriceHistoryQuery(null, "nvidia-h100-80gb", "aws", PricingModels.Spot, null, null, 100), Ct);
        Assert.Equal([spot], awsSpot.Changes);

        var window = await store.QueryAsync(new PriceHistoryQuery(null, "nvidia-h100-80gb", null, null, T0.AddMinutes(30), T0.AddHours(2), 100), Ct);
        Assert.Equal(2, window.Changes.Count);
        Assert.All(window.Changes, c => Assert.Equal(T0.AddHours(1), c.ObservedAt));

        var newestTwo = await store.QueryAsync(new PriceHistoryQuery(null, "nvidia-h100-80gb", null, null, null, null, 2), Ct);
        Assert.True(newestTwo.Truncated);
        Assert.Equal(gcp, newestTwo.Changes[^1]);
        Assert.Equal(2, newestTwo.Changes.Count);
    }

    [Fact]
    public async Task Paging_with_the_next_page_token_walks_the_whole_history_newest_page_first_each_change_once()
    {
        var store = await CreateStoreAsync();
        // 3 versions of 10 offers each, every version's changes at one instant (as a scrape publishes them), plus
        // changes of another accelerator and of another model that the query must not count.
        var all = new List<AcceleratorPriceChanged>();
        for (var version = 1; version <= 3; version++)
        {
            for (var i = 0; i < 10; i++)
            {
                var change = Change("aws", version, $"p5.{i}", version == 1 ? null : 90m + version, 91m + version + i, T0.AddHours(version));
                all.Add(change);
                await store.AppendAsync(change, Ct);
            }
        }

        await store.AppendAsync(Change("aws", 3, "p4d.24xlarge", null, 32m, T0.AddHours(3), accelerator: "nvidia-a100-40gb"), Ct);
        await store.AppendAsync(Change("aws", 3, "p5.spot", null, 40m, T0.AddHours(3), model: PricingModels.Spot), Ct);

        var pages = new List<PriceHistoryPage>();
        HistoryCursor? cursor = null;
        do
        {
            var page = await store.QueryAsync(new PriceHistoryQuery(null, "nvidia-h100-80gb", "aws", PricingModels.OnDemand, null, null, 4, cursor), Ct);
            pages.Add(page);
            Assert.Equal(page.Changes.OrderBy(c => c.ObservedAt), page.Changes);
            Assert.Equal(page.Truncated, page.Next is not null);
            // The token survives its string form.
            cursor = page.Next is { } next ? HistoryCursor.TryParse(next.ToToken()) : null;
            Assert.True(pages.Count <= 10, "paging did not end");
        }
        while (cursor is not null);

        Assert.Equal([4, 4, 4, 4, 4, 4, 4, 2], pages.Select(p => p.Changes.Count));
        var walked = pages.SelectMany(p => p.Changes).ToList();
        Assert.Equal(all.Count, walked.Distinct().Count());
        Assert.Equal(all.ToHashSet(), walked.ToHashSet());
        // Newest page first: no change of a later page is newer than one of an earlier page.
        for (var i = 1; i < pages.Count; i++)
        {
            Assert.True(pages[i].Changes.Max(c => c.ObservedAt) <= pages[i - 1].Changes.Min(c => c.ObservedAt));
        }
    }

    [Fact]
    public async Task A_resume_behind_what_the_capped_log_still_holds_is_reported_as_not_retained()
    {
        Options.MaxChangesPerProvider = 5;
        var store = await CreateStoreAsync();
        for (var version = 1; version <= 8; version++)
        {
            await store.AppendAsync(Change("aws", version, "p5.48xlarge", version == 1 ? null : 90m, 90m + version, T0.AddHours(version)), Ct);
        }

        var window = await store.ResumeWindowAsync("aws", 2, Ct);
        Assert.Equal(3, window.TrimmedThrough);
        Assert.Equal(5, window.Changes);
        Assert.False(window.Retained(2));
        Assert.True(window.Retained(3));
        Assert.Equal([4L, 5L, 6L, 7L, 8L], (await store.ReadAfterAsync("aws", 3, Ct).ToListAsync(Ct)).Select(c => c.CatalogVersion));
        Assert.Null((await store.ResumeWindowAsync("gcp", 0, Ct)).TrimmedThrough);
    }

    [Fact]
    public async Task A_resume_reads_page_by_page_and_returns_every_change_once_when_a_version_spans_pages()
    {
        Options.ResumePageSize = 3;
        var store = await CreateStoreAsync();
        var expected = new List<(long, string)>();
        foreach (var (version, offers) in new[] { (1, 2), (2, 7), (3, 1), (4, 3) })
        {
            for (var i = 0; i < offers; i++)
            {
                var change = Change("aws", version, $"p5.{i}", null, 90m + i, T0.AddHours(version));
                await store.AppendAsync(change, Ct);
                expected.Add((version, change.OfferKey));
            }
        }

        var read = (await store.ReadAfterAsync("aws", 1, Ct).ToListAsync(Ct)).Select(c => (c.CatalogVersion, c.OfferKey)).ToList();

        Assert.Equal(expected.Where(e => e.Item1 > 1).OrderBy(e => e.Item1).ThenBy(e => e.Item2, StringComparer.Ordinal).ToList(),
            read.OrderBy(e => e.Item1).ThenBy(e => e.Item2, StringComparer.Ordinal).ToList());
        Assert.Equal(read.Select(e => e.Item1).Order(), read.Select(e => e.Item1));
    }

    [Fact]
    public async Task A_change_is_stored_once_by_its_identity_even_when_it_comes_again_with_other_details()
    {
        var store = await CreateStoreAsync();
        var change = Change("aws", 4, "p5.48xlarge", 98m, 90m, T0);

        Assert.True(await store.AppendAsync(change, Ct));
        // The same (provider, version, offer) seen again later, as a resync's backfill would record it.
        Assert.False(await store.AppendAsync(change with { ObservedAt = T0.AddMinutes(5) }, Ct));

        Assert.Single(await store.ReadAfterAsync("aws", 0, Ct).ToListAsync(Ct));
        Assert.Single((await store.QueryAsync(new PriceHistoryQuery(change.OfferKey, null, null, null, null, null, 10), Ct)).Changes);
    }

    [Fact]
    public async Task Changes_older_than_the_retention_are_dropped_when_newer_ones_are_written()
    {
        var store = await CreateStoreAsync();
        var old = Change("aws", 1, "p5.48xlarge", null, 98.32m, T0);
        await store.AppendAsync(old, Ct);

        Time.Advance(Options.Retention + TimeSpan.FromDays(1));
        var recent = Change("aws", 2, "p5.48xlarge", 98.32m, 90m, Time.GetUtcNow());
        await store.AppendAsync(recent, Ct);

        var history = await store.QueryAsync(new PriceHistoryQuery(old.OfferKey, null, null, null, null, null, 100), Ct);
        Assert.Equal([recent], history.Changes);
    }
}

public sealed class InMemoryPriceHistoryStoreTests : PriceHistoryStoreContract
{
    protected override Task<IPriceHistoryStore> CreateStoreAsync() => Task.FromResult<IPriceHistoryStore>(new InMemoryPriceHistoryStore(Options, Time));
}

public sealed class RedisPriceHistoryStoreTests(RedisTestServer redis) : PriceHistoryStoreContract, IClassFixture<RedisTestServer>, IAsyncDisposable
{
    private ConnectionMultiplexer? _connection;

    protected override async Task<IPriceHistoryStore> CreateStoreAsync()
    {
        redis.SkipIfUnavailable();
        _connection = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        // A fresh prefix per test: the contract tests must not see each other's changes.
        return new RedisPriceHistoryStore(_connection, $"{redis.KeyPrefix}{Guid.NewGuid():N}:", Options, Time);
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection is not null)
        {
            await _connection.DisposeAsync();
        }
    }
}
