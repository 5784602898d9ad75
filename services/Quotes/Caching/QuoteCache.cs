using System.Collections.Concurrent;
using Google.Protobuf;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using Pricing.Contracts.V1;
using Pricing.ServiceDefaults;
using Quotes.Sync;
using StackExchange.Redis;

namespace Quotes.Caching;

/// <summary>
/// Quotes cached in process (L1) and in Redis (L2, shared by every Quotes instance). Keys carry the catalog
/// versions a quote used, so a price change can never serve an old quote. Concurrent identical requests
/// compute once. Redis failing makes quotes slower, never wrong and never failed.
/// </summary>
public sealed class QuoteCache(IMemoryCache memory, RedisQuoteStore? redis, IOptions<QuotesOptions> options)
{
    private readonly ConcurrentDictionary<string, Lazy<Task<TrainingQuote>>> _inFlight = new(StringComparer.Ordinal);
    private long _memoryHits;
    private long _redisHits;
    private long _computed;

    public long MemoryHits => Interlocked.Read(ref _memoryHits);
    public long RedisHits => Interlocked.Read(ref _redisHits);
    public long Computed => Interlocked.Read(ref _computed);

    public async Task<TrainingQuote> GetOrComputeAsync(string key, Func<TrainingQuote> compute, CancellationToken cancellationToken)
    {
        if (memory.TryGetValue(key, out TrainingQuote? cached) && cached is not null)
        {
            Interlocked.Increment(ref _memoryHits);
            PricingTelemetry.RecordCacheRequest(PricingTelemetry.CacheResults.HitL1);
            return cached;
        }

        var lazy = _inFlight.GetOrAdd(key, k => new Lazy<Task<TrainingQuote>>(async () =>
        {
            try
            {
                if (redis is not null && await redis.TryGetAsync(k) is { } fromRedis)
                {
                    Interlocked.Increment(ref _redisHits);
                    PricingTelemetry.RecordCacheRequest(PricingTelemetry.CacheResults.HitL2);
                    Remember(k, fromRedis);
                    return fromRedis;
                }

                var quote = compute();
                Interlocked.Increment(ref _computed);
                PricingTelemetry.RecordCacheRequest(PricingTelemetry.CacheResults.Miss);
                Remember(k, quote);
                if (redis is not null)
                {
                    await redis.TrySetAsync(k, quote, options.Value.QuoteCacheTtl);
                }

                return quote;
            }
            finally
            {
                _inFlight.TryRemove(k, out _);
            }
        }));

        return await lazy.Value.WaitAsync(cancellationToken);
    }

    private void Remember(string key, TrainingQuote quote) =>
        memory.Set(key, quote, new MemoryCacheEntryOptions { AbsoluteExpirationRelativeToNow = options.Value.QuoteCacheTtl, Size = 1 });
}

/// <summary>
/// The Redis layer. Every call is bounded and failure-tolerant: after an error it stays out of the way for a
/// short back-off rather than slow every quote down with timeouts.
/// </summary>
public sealed class RedisQuoteStore(IConnectionMultiplexer redis, string keyPrefix, TimeProvider time, ILogger<RedisQuoteStore> logger)
{
    private static readonly TimeSpan BackOff = TimeSpan.FromSeconds(2);
    private long _skipUntilTicks;

    public async Task<TrainingQuote?> TryGetAsync(string key)
    {
        if (!Available())
        {
            return null;
        }

        try
        {
            var value = await redis.GetDatabase().StringGetAsync(keyPrefix + key);
            return value.HasValue ? TrainingQuote.Parser.ParseFrom((byte[])value!) : null;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException or InvalidProtocolBufferException)
        {
            Failed(ex);
            return null;
        }
    }

    public async Task TrySetAsync(string key, TrainingQuote quote, TimeSpan ttl)
    {
        if (!Available())
        {
            return;
        }

        try
        {
            await redis.GetDatabase().StringSetAsync(keyPrefix + key, quote.ToByteArray(), ttl);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            Failed(ex);
        }
    }

    private bool Available() => redis.IsConnected && time.GetUtcNow().UtcTicks >= Interlocked.Read(ref _skipUntilTicks);

    private void Failed(Exception ex)
    {
        Interlocked.Exchange(ref _skipUntilTicks, (time.GetUtcNow() + BackOff).UtcTicks);
        logger.LogWarning("Redis quote cache unavailable, serving uncached for {BackOff}: {Error}", BackOff, ex.Message);
    }
}
