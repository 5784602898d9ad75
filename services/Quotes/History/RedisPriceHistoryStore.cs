using Pricing.Contracts.Events;
using StackExchange.Redis;

namespace Quotes.History;

/// <summary>
/// History in Redis sorted sets whose members are the serialized changes (so a redelivered change is the same
/// member and is stored once):
/// <c>{prefix}history:provider:{provider}</c> scored by catalog version (what a watch resumes from, capped by count),
/// <c>{prefix}history:offer:{offer key}</c> and <c>{prefix}history:accelerator:{id}</c> scored by observed time in
/// Unix milliseconds (what history queries read, trimmed to the retention window on every write).
/// </summary>
public sealed class RedisPriceHistoryStore(IConnectionMultiplexer redis, string keyPrefix, PriceHistoryOptions options, TimeProvider time) : IPriceHistoryStore
{
    public string Name => "redis";

    public async Task<bool> AppendAsync(AcceleratorPriceChanged change, CancellationToken cancellationToken)
    {
        var member = PriceChangeJson.Serialize(change);
        var observed = change.ObservedAt.ToUnixTimeMilliseconds();
        var cutoff = (time.GetUtcNow() - options.Retention).ToUnixTimeMilliseconds();
        var providerKey = ProviderKey(change.Provider);
        var offerKey = OfferKey(change.OfferKey);
        var acceleratorKey = AcceleratorKey(change.AcceleratorId);

        var tx = redis.GetDatabase().CreateTransaction();
        var added = tx.SortedSetAddAsync(providerKey, member, change.CatalogVersion, SortedSetWhen.NotExists);
        _ = tx.SortedSetAddAsync(offerKey, member, observed, SortedSetWhen.NotExists);
        _ = tx.SortedSetAddAsync(acceleratorKey, member, observed, SortedSetWhen.NotExists);
        _ = tx.SortedSetRemoveRangeByRankAsync(providerKey, 0, -options.MaxChangesPerProvider - 1);
        _ = tx.SortedSetRemoveRangeByScoreAsync(offerKey, double.NegativeInfinity, cutoff, Exclude.Stop);
        _ = tx.SortedSetRemoveRangeByScoreAsync(acceleratorKey, double.NegativeInfinity, cutoff, Exclude.Stop);
        if (!await tx.ExecuteAsync())
        {
            throw new RedisException("History transaction was not executed.");
        }

        return await added;
    }

    public async Task<IReadOnlyList<AcceleratorPriceChanged>> ReadAfterAsync(string provider, long afterVersion, CancellationToken cancellationToken)
    {
        var members = await redis.GetDatabase().SortedSetRangeByScoreAsync(ProviderKey(provider), afterVersion, double.PositiveInfinity, Exclude.Start);
        return members.Select(m => PriceChangeJson.Deserialize(m!)).ToList();
    }

    public async Task<PriceHistoryPage> QueryAsync(PriceHistoryQuery query, CancellationToken cancellationToken)
    {
        var key = query.OfferKey is not null ? OfferKey(query.OfferKey) : AcceleratorKey(query.AcceleratorId!);
        var from = query.From?.ToUnixTimeMilliseconds() ?? double.NegativeInfinity;
        var to = query.To?.ToUnixTimeMilliseconds() ?? double.PositiveInfinity;
        var members = await redis.GetDatabase().SortedSetRangeByScoreAsync(key, from, to);
        var matching = members
            .Select(m => PriceChangeJson.Deserialize(m!))
            .Where(c => PriceHistoryFilter.Matches(query, c))
            .OrderBy(c => c.ObservedAt)
            .ThenBy(c => c.CatalogVersion)
            .ToList();
        return PriceHistoryFilter.Page(matching, query.Limit);
    }

    private string ProviderKey(string provider) => $"{keyPrefix}history:provider:{provider}";

    private string OfferKey(string offerKey) => $"{keyPrefix}history:offer:{offerKey}";

    private string AcceleratorKey(string acceleratorId) => $"{keyPrefix}history:accelerator:{acceleratorId}";
}
