using System.Buffers;
using System.ComponentModel;
using Google.Protobuf;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Options;
using Pricing.Contracts.V1;
using Pricing.ServiceDefaults;
using Quotes.Grpc;
using Quotes.Sync;
using StackExchange.Redis;

namespace Quotes.Caching;

/// <summary>
/// Quotes cached by <see cref="HybridCache"/>: in process (L1) and in Redis (L2, shared by every Quotes instance).
/// HybridCache gives the stampede protection (concurrent identical requests compute once). Keys carry the catalog
/// versions a quote used, so a price change can never serve an old quote. Redis failing makes quotes slower, never
/// wrong and never failed (<see cref="ResilientRedisCache"/>).
/// </summary>
public sealed class QuoteCache(HybridCache cache, ResilientRedisCache? redis, IOptions<QuotesOptions> options)
{
    // Looks in L1 only: no Redis round trip and no computation, so an L1 hit is known for what it is.
    private static readonly HybridCacheEntryOptions L1Probe = new()
    {
        Flags = HybridCacheEntryFlags.DisableDistributedCache | HybridCacheEntryFlags.DisableLocalCacheWrite | HybridCacheEntryFlags.DisableUnderlyingData,
    };

    private readonly HybridCacheEntryOptions _entry = new()
    {
        Expiration = options.Value.QuoteCacheTtl,
        LocalCacheExpiration = options.Value.QuoteCacheTtl,
    };

    private long _memoryHits;
    private long _computed;

    public long MemoryHits => Interlocked.Read(ref _memoryHits);

    /// <summary>Reads Redis answered with a quote (an L2 hit), across every request.</summary>
    public long RedisHits => redis?.Hits ?? 0;

    public long Computed => Interlocked.Read(ref _computed);

    public async Task<TrainingQuote> GetOrComputeAsync(string key, Func<TrainingQuote> compute, CancellationToken cancellationToken)
    {
        var cached = await cache.GetOrCreateAsync(key, static _ => ValueTask.FromResult<CachedQuote?>(null), L1Probe, cancellationToken: cancellationToken);
        if (cached is not null)
        {
            Interlocked.Increment(ref _memoryHits);
            PricingTelemetry.RecordCacheRequest(PricingTelemetry.CacheResults.HitL1);
            return cached.Quote;
        }

        var computation = new Computation(this, compute);
        var entry = await cache.GetOrCreateAsync(key, computation, static (c, _) => ValueTask.FromResult<CachedQuote?>(c.Run()), _entry, cancellationToken: cancellationToken);
        // Not in L1 and not computed by this request: Redis had it, or an identical request in flight computed it.
        PricingTelemetry.RecordCacheRequest(computation.Ran ? PricingTelemetry.CacheResults.Miss : PricingTelemetry.CacheResults.HitL2);
        return entry!.Quote;
    }

    private sealed class Computation(QuoteCache owner, Func<TrainingQuote> compute)
    {
        public bool Ran { get; private set; }

        public CachedQuote Run()
        {
            Ran = true;
            Interlocked.Increment(ref owner._computed);
            return new CachedQuote(compute());
        }
    }
}

/// <summary>
/// A cached quote. Marked immutable so HybridCache keeps the object itself in L1 instead of bytes it would
/// deserialize on every hit; nothing mutates a quote once it is cached.
/// Its wire bytes are taken once, here, so every hit writes them as they are (<see cref="PreSerializedResponses"/>).
/// </summary>
[ImmutableObject(true)]
public sealed record CachedQuote
{
    public CachedQuote(TrainingQuote quote, byte[]? bytes = null)
    {
        Quote = bytes is null ? PreSerializedResponses.Register(quote) : PreSerializedResponses.Register(quote, bytes);
    }

    public TrainingQuote Quote { get; }
}

/// <summary>A cached quote in Redis is its protobuf bytes: compact, and readable by any Quotes version with the same contract.</summary>
public sealed class CachedQuoteSerializer : IHybridCacheSerializer<CachedQuote>
{
    public CachedQuote Deserialize(ReadOnlySequence<byte> source)
    {
        var bytes = source.ToArray();
        return new(TrainingQuote.Parser.ParseFrom(bytes), bytes);
    }

    public void Serialize(CachedQuote value, IBufferWriter<byte> target) => value.Quote.WriteTo(target);
}

/// <summary>
/// HybridCache's L2 over our own StackExchange.Redis connection. Every call is bounded and failure-tolerant: an
/// error is a cache miss (or a skipped write), and after one it stays out of the way for a short back-off rather
/// than slow every quote down with timeouts.
/// </summary>
public sealed class ResilientRedisCache(IConnectionMultiplexer redis, string keyPrefix, TimeProvider time, ILogger<ResilientRedisCache> logger)
    : IDistributedCache
{
    private static readonly TimeSpan BackOff = TimeSpan.FromSeconds(2);
    private long _skipUntilTicks;
    private long _hits;
    private long _writes;

    public long Hits => Interlocked.Read(ref _hits);

    /// <summary>Quotes written to Redis. HybridCache writes L2 after it has answered the caller, so this trails the answer.</summary>
    public long Writes => Interlocked.Read(ref _writes);

    public byte[]? Get(string key) => GetAsync(key).GetAwaiter().GetResult();

    public async Task<byte[]?> GetAsync(string key, CancellationToken token = default)
    {
        if (!Available())
        {
            return null;
        }

        try
        {
            var value = await redis.GetDatabase().StringGetAsync(keyPrefix + key).WaitAsync(token);
            if (!value.HasValue)
            {
                return null;
            }

            Interlocked.Increment(ref _hits);
            return (byte[])value!;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            Failed(ex);
            return null;
        }
    }

    public void Set(string key, byte[] value, DistributedCacheEntryOptions options) => SetAsync(key, value, options).GetAwaiter().GetResult();

    public async Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default)
    {
        if (!Available())
        {
            return;
        }

        try
        {
            var ttl = TimeToLive(options);
            await (ttl is { } expiry
                ? redis.GetDatabase().StringSetAsync(keyPrefix + key, value, expiry)
                : redis.GetDatabase().StringSetAsync(keyPrefix + key, value)).WaitAsync(token);
            Interlocked.Increment(ref _writes);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            Failed(ex);
        }
    }

    // Quotes expire absolutely (their keys change with every catalog version anyway): nothing to slide.
    public void Refresh(string key)
    {
    }

    public Task RefreshAsync(string key, CancellationToken token = default) => Task.CompletedTask;

    public void Remove(string key) => RemoveAsync(key).GetAwaiter().GetResult();

    public async Task RemoveAsync(string key, CancellationToken token = default)
    {
        if (!Available())
        {
            return;
        }

        try
        {
            await redis.GetDatabase().KeyDeleteAsync(keyPrefix + key).WaitAsync(token);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            Failed(ex);
        }
    }

    private TimeSpan? TimeToLive(DistributedCacheEntryOptions options) =>
        options.AbsoluteExpirationRelativeToNow
        ?? (options.AbsoluteExpiration is { } at ? at - time.GetUtcNow() : (TimeSpan?)null)
        ?? options.SlidingExpiration;

    private bool Available() => redis.IsConnected && time.GetUtcNow().UtcTicks >= Interlocked.Read(ref _skipUntilTicks);

    private void Failed(Exception ex)
    {
        Interlocked.Exchange(ref _skipUntilTicks, (time.GetUtcNow() + BackOff).UtcTicks);
        logger.LogWarning("Redis quote cache unavailable, serving uncached for {BackOff}: {Error}", BackOff, ex.Message);
    }
}
