using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Pricing.Contracts;
using Pricing.Contracts.V1;
using Pricing.Testing;
using Quotes.Caching;
using Quotes.Sync;
using StackExchange.Redis;
using static Quotes.Tests.TestOffers;

namespace Quotes.Tests;

/// <summary>
/// The quote cache: concurrent identical requests compute once; keys carry catalog versions, so a price change is
/// never answered from an old entry; Redis (L2) is shared between instances; and Redis stopping mid-run makes quotes
/// uncached, never failed, until it is back.
/// </summary>
public sealed class QuoteCacheTests(RedisTestServer redis) : IClassFixture<RedisTestServer>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static QuoteTrainingRunRequest Request(double parameters = 7e9) => new() { Parameters = parameters, Tokens = 1.4e12, AcceleratorIds = { "nvidia-h100-80gb" } };

    [Fact]
    public async Task Concurrent_identical_requests_compute_once()
    {
        const int callers = 16;
        await using var provider = new ServiceCollection().AddHybridCache().Services.BuildServiceProvider();
        var cache = new QuoteCache(provider.GetRequiredService<HybridCache>(), null, Options.Create(new QuotesOptions()));
        var started = 0;
        using var allStarted = new ManualResetEventSlim();
        var computeCalls = 0;

        TrainingQuote Compute()
        {
            Interlocked.Increment(ref computeCalls);
            // Hold the computation until every caller has asked, so they all overlap it.
            allStarted.Wait(TimeSpan.FromSeconds(30), Ct);
            return new TrainingQuote { TotalFlops = 42 };
        }

        var tasks = Enumerable.Range(0, callers).Select(_ => Task.Run(() =>
        {
            if (Interlocked.Increment(ref started) == callers)
            {
                allStarted.Set();
            }

            return cache.GetOrComputeAsync("same-key", Compute, Ct);
        }, Ct)).ToList();
        var quotes = await Task.WhenAll(tasks);

        Assert.Equal(1, computeCalls);
        Assert.Equal(1, cache.Computed);
        Assert.All(quotes, q => Assert.Equal(42, q.TotalFlops));
    }

    [Fact]
    public async Task A_new_catalog_version_is_a_new_key_so_a_changed_price_is_never_served_from_the_cache()
    {
        await using var host = await QuotesTestHost.StartAsync();
        host.View.LoadSnapshot("azure", 1, AsOf, [H100()]);

        var first = await host.Quotes.QuoteTrainingRunAsync(Request(), cancellationToken: Ct);
        var again = await host.Quotes.QuoteTrainingRunAsync(Request(), cancellationToken: Ct);
        Assert.Equal(1, host.Cache.Computed);
        Assert.Equal(1, host.Cache.MemoryHits);
        Assert.Equal(first.Options[0].TotalCost, again.Options[0].TotalCost);

        host.View.LoadSnapshot("azure", 2, AsOf.AddHours(1), [H100(price: 80m)]);
        var afterChange = await host.Quotes.QuoteTrainingRunAsync(Request(), cancellationToken: Ct);

        Assert.Equal(2, host.Cache.Computed);
        Assert.Equal(10m, afterChange.Options[0].PricePerAcceleratorHour.ToDecimal());
        Assert.Equal(2, afterChange.CatalogVersions.Single().Version);
    }

    [Fact]
    public async Task A_quote_computed_by_one_instance_is_served_to_another_from_Redis()
    {
        redis.SkipIfUnavailable();
        var prefix = redis.KeyPrefix + "l2:";
        await using var a = await QuotesTestHost.StartAsync(redis.ConnectionString, prefix);
        await using var b = await QuotesTestHost.StartAsync(redis.ConnectionString, prefix);
        a.View.LoadSnapshot("azure", 1, AsOf, [H100()]);
        b.View.LoadSnapshot("azure", 1, AsOf, [H100()]);
        await WaitConnectedAsync(a);
        await WaitConnectedAsync(b);

        var fromA = await a.Quotes.QuoteTrainingRunAsync(Request(), cancellationToken: Ct);
        await WaitWrittenToRedisAsync(a, 1);
        var fromB = await b.Quotes.QuoteTrainingRunAsync(Request(), cancellationToken: Ct);

        Assert.Equal(1, a.Cache.Computed);
        Assert.Equal(0, b.Cache.Computed);
        Assert.Equal(1, b.Cache.RedisHits);
        Assert.Equal(fromA, fromB);
    }

    [Fact]
    public async Task With_Redis_stopped_mid_run_quotes_keep_coming_uncached_and_caching_resumes_when_it_is_back()
    {
        using var server = await PrivateRedisServer.StartAsync();
        await using var host = await QuotesTestHost.StartAsync(server.ConnectionString);
        host.View.LoadSnapshot("azure", 1, AsOf, [H100()]);
        await WaitConnectedAsync(host);

        // Up: a quote lands in Redis, and comes back from it once the in-process L1 forgets it.
        await host.Quotes.QuoteTrainingRunAsync(Request(7e9), cancellationToken: Ct);
        await WaitWrittenToRedisAsync(host, 1);
        host.ClearMemoryCache();
        await host.Quotes.QuoteTrainingRunAsync(Request(7e9), cancellationToken: Ct);
        Assert.Equal(1, host.Cache.Computed);
        Assert.Equal(1, host.Cache.RedisHits);

        server.Stop();

        // Down: every quote still answers, each computed (L1 cleared, so only Redis could have served them).
        for (var i = 0; i < 5; i++)
        {
            host.ClearMemoryCache();
            var quote = await host.Quotes.QuoteTrainingRunAsync(Request(7e9), cancellationToken: Ct);
            Assert.NotEmpty(quote.Options);
        }

        Assert.Equal(6, host.Cache.Computed);
        Assert.Equal(1, host.Cache.RedisHits);

        await server.RestartAsync();

        // Back: once reconnected (and past the store's back-off), a fresh quote is stored and served from Redis again.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        var parameters = 8e9;
        while (true)
        {
            var hitsBefore = host.Cache.RedisHits;
            var writesBefore = Redis(host).Writes;
            parameters += 1e6;
            await host.Quotes.QuoteTrainingRunAsync(Request(parameters), cancellationToken: Ct);
            // The write to Redis follows the answer; give it a moment (it is skipped while the store backs off).
            for (var wait = 0; wait < 20 && Redis(host).Writes == writesBefore; wait++)
            {
                await Task.Delay(25, Ct);
            }

            host.ClearMemoryCache();
            await host.Quotes.QuoteTrainingRunAsync(Request(parameters), cancellationToken: Ct);
            if (host.Cache.RedisHits > hitsBefore)
            {
                break;
            }

            Assert.True(DateTime.UtcNow < deadline, "Caching did not resume within a minute of Redis coming back.");
            await Task.Delay(250, Ct);
        }
    }

    private static ResilientRedisCache Redis(QuotesTestHost host) => host.Services.GetRequiredService<ResilientRedisCache>();

    /// <summary>HybridCache answers first and writes Redis in the background; wait for that write.</summary>
    private static async Task WaitWrittenToRedisAsync(QuotesTestHost host, long writes)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (Redis(host).Writes < writes)
        {
            Assert.True(DateTime.UtcNow < deadline, "The quote was not written to Redis.");
            await Task.Delay(10, Ct);
        }
    }

    private static async Task WaitConnectedAsync(QuotesTestHost host)
    {
        var multiplexer = host.Services.GetRequiredService<IConnectionMultiplexer>();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!multiplexer.IsConnected)
        {
            Assert.True(DateTime.UtcNow < deadline, "Redis did not connect.");
            await Task.Delay(50, Ct);
        }
    }
}
