using System.Runtime.CompilerServices;
using Pricing.Contracts.Events;
using StackExchange.Redis;

namespace Quotes.History;

/// <summary>
/// History in Redis sorted sets whose members are the serialized changes:
/// <c>{prefix}history:provider:{provider}</c> scored by catalog version (what a watch resumes from, capped by count;
/// <c>…:trimmed</c> holds the highest version the cap has cut into), and, scored by observed time in Unix milliseconds
/// and trimmed to the retention window on every write (what history queries read),
/// <c>{prefix}history:offer:{offer key}</c> and one index per accelerator query shape,
/// <c>{prefix}history:accelerator:{id}:{provider or *}:{model or *}</c>, so every query is one range read with its
/// limit pushed into Redis (ZRANGE … BYSCORE REV LIMIT), never a load-then-filter.
/// <c>{prefix}history:ids:{provider}</c> holds the identities (provider, version, offer) already recorded, so a change
/// is stored once however it arrives (a redelivery, or a resync's backfill of the same change).
/// One Lua script does all of it atomically. Durability is Redis's: run it with <c>appendonly yes</c> (see docs/reliability.md).
/// </summary>
public sealed class RedisPriceHistoryStore(IConnectionMultiplexer redis, string keyPrefix, PriceHistoryOptions options, TimeProvider time) : IPriceHistoryStore
{
    // KEYS: 1 ids, 2 provider log, 3 trimmed mark, 4.. the time-scored indexes.
    // ARGV: 1 identity, 2 member, 3 version, 4 observed ms, 5 retention cutoff ms, 6 max changes per provider.
    private const string AppendScript = """
        if redis.call('ZADD', KEYS[1], 'NX', ARGV[3], ARGV[1]) == 0 then return 0 end
        redis.call('ZADD', KEYS[2], ARGV[3], ARGV[2])
        local excess = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[6])
        if excess > 0 then
          local last = redis.call('ZRANGE', KEYS[2], excess - 1, excess - 1, 'WITHSCORES')
          local mark = tonumber(redis.call('GET', KEYS[3]) or '0')
          if tonumber(last[2]) > mark then redis.call('SET', KEYS[3], last[2]) end
          redis.call('ZREMRANGEBYRANK', KEYS[2], 0, excess - 1)
          redis.call('ZREMRANGEBYRANK', KEYS[1], 0, excess - 1)
        end
        for i = 4, #KEYS do
          redis.call('ZADD', KEYS[i], ARGV[4], ARGV[2])
          redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', '(' .. ARGV[5])
        end
        return 1
        """;

    public string Name => "redis";

    public bool IsShared => true;

    public async Task<bool> AppendAsync(AcceleratorPriceChanged change, CancellationToken cancellationToken)
    {
        var observed = change.ObservedAt.ToUnixTimeMilliseconds();
        var cutoff = (time.GetUtcNow() - options.Retention).ToUnixTimeMilliseconds();
        RedisKey[] keys =
        [
            Key("ids", change.Provider),
            ProviderKey(change.Provider),
            ProviderKey(change.Provider) + ":trimmed",
            Key("offer", change.OfferKey),
            AcceleratorKey(change.AcceleratorId, null, null),
            AcceleratorKey(change.AcceleratorId, change.Provider, null),
            AcceleratorKey(change.AcceleratorId, null, change.PricingModel),
            AcceleratorKey(change.AcceleratorId, change.Provider, change.PricingModel),
        ];
        RedisValue[] args =
        [
            PriceChangeJson.IdentityOf(change),
            PriceChangeJson.Serialize(change),
            change.CatalogVersion,
            observed,
            cutoff,
            options.MaxChangesPerProvider,
        ];
        var added = await redis.GetDatabase().ScriptEvaluateAsync(AppendScript, keys, args);
        return (long)added == 1;
    }

    public async Task<ResumeWindow> ResumeWindowAsync(string provider, long afterVersion, CancellationToken cancellationToken)
    {
        var db = redis.GetDatabase();
        var count = db.SortedSetLengthAsync(ProviderKey(provider), afterVersion, double.PositiveInfinity, Exclude.Start);
        var trimmed = db.StringGetAsync(ProviderKey(provider) + ":trimmed");
        return new ResumeWindow(await count, (await trimmed) is { IsNull: false } mark ? (long)(double)mark : null);
    }

    public async IAsyncEnumerable<AcceleratorPriceChanged> ReadAfterAsync(string provider, long afterVersion,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var db = redis.GetDatabase();
        var key = ProviderKey(provider);
        var pageSize = Math.Max(1, options.ResumePageSize);
        // Page by score: from the last version read, skipping the changes of that version already read.
        double from = afterVersion;
        var exclude = Exclude.Start;
        long skip = 0;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var page = await db.SortedSetRangeByScoreWithScoresAsync(key, from, double.PositiveInfinity, exclude, Order.Ascending, skip, pageSize);
            foreach (var entry in page)
            {
                yield return PriceChangeJson.Deserialize(entry.Element!);
            }

            if (page.Length < pageSize)
            {
                yield break;
            }

            var last = page[^1].Score;
            skip = (exclude == Exclude.None && last == from ? skip : 0) + page.Count(e => e.Score == last);
            from = last;
            exclude = Exclude.None;
        }
    }

    public async Task<PriceHistoryPage> QueryAsync(PriceHistoryQuery query, CancellationToken cancellationToken)
    {
        var key = query.OfferKey is not null
            ? Key("offer", query.OfferKey)
            : AcceleratorKey(query.AcceleratorId!, query.Provider, query.PricingModel);
        double from = query.From?.ToUnixTimeMilliseconds() ?? double.NegativeInfinity;
        double to = query.To?.ToUnixTimeMilliseconds() ?? double.PositiveInfinity;
        if (query.Before is { } before)
        {
            to = Math.Min(to, before.ObservedMs);
        }

        // Newest first from the cursor, one more than asked for: that one says whether an older page exists.
        var entries = await redis.GetDatabase().SortedSetRangeByScoreWithScoresAsync(
            key, from, to, Exclude.None, Order.Descending, query.Before?.Skip ?? 0, query.Limit + 1);
        var newestFirst = entries
            .Select(e => (Score: (long)e.Score, Change: PriceChangeJson.Deserialize(e.Element!)))
            .ToList();
        // Every index holds only what its key names; the filter guards an offer key contradicting provider or model.
        newestFirst.RemoveAll(e => !PriceHistoryFilter.Matches(query with { From = null, To = null }, e.Change));
        return PriceHistoryFilter.Page(newestFirst, query);
    }

    private string ProviderKey(string provider) => Key("provider", provider);

    private string AcceleratorKey(string acceleratorId, string? provider, string? pricingModel) =>
        $"{keyPrefix}history:accelerator:{acceleratorId}:{provider ?? "*"}:{pricingModel ?? "*"}";

    private string Key(string kind, string name) => $"{keyPrefix}history:{kind}:{name}";
}
