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
/// One Lua script does all of it atomically, for a batch of changes at a time (<see cref="AppendManyAsync"/>). Durability is Redis's: run it with <c>appendonly yes</c> (see docs/reliability.md).
/// </summary>
public sealed class RedisPriceHistoryStore(IConnectionMultiplexer redis, string keyPrefix, PriceHistoryOptions options, TimeProvider time) : IPriceHistoryStore
{
    // The script (RedisHistoryAppendScript) and the keys it is called with, kept encoded from call to call.
    private readonly RedisHistoryAppendScript _append = new(keyPrefix);

    private readonly string _keyPrefix = keyPrefix;

    // Version parts being written by this process, by mark (see AppendVersionPartAsync).
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Lazy<Task<bool>>> _partWrites = new(StringComparer.Ordinal);

    /// <summary>
    /// Changes per script call: a consumed batch goes as a few calls sent back to back (one pipeline, one round trip),
    /// each short enough not to hold Redis up for long (a script runs alone).
    /// </summary>
    private const int ChangesPerCall = 128;

    public string Name => "redis";

    public bool IsShared => true;

    public async Task<bool> AppendAsync(AcceleratorPriceChanged change, CancellationToken cancellationToken) =>
        (await AppendManyAsync([change], cancellationToken))[0];

    public async Task<IReadOnlyList<bool>> AppendManyAsync(IReadOnlyList<AcceleratorPriceChanged> changes, CancellationToken cancellationToken)
    {
        var added = new List<bool>(changes.Count);
        foreach (var reply in await Task.WhenAll(SendAppends(changes, mark: null, setMark: false)))
        {
            added.AddRange(((RedisResult[])reply!).Select(r => (long)r == 1));
        }

        return added;
    }

    /// <summary>
    /// The part's changes, guarded by its mark <c>{prefix}history:part:{provider}:{version}:{part}</c> (kept for the
    /// retention): a replica or a redelivery that finds the mark writes nothing, and a second writer in this process
    /// while the first is still at it waits for that write. The mark is set only once every change
    /// is in: by the script itself when the part fits one call (one round trip), else once every call has succeeded; a
    /// writer that finds no mark writes the part again, and the appends recognise what is there already.
    /// </summary>
    public async Task<bool> AppendVersionPartAsync(CatalogVersionChanges part, CancellationToken cancellationToken)
    {
        // This replica's own consumer and the shared queue's usually hold the same part at the same moment: the second
        // waits for the first's write instead of sending the whole part to Redis again.
        var mark = $"{_keyPrefix}history:part:{part.Provider}:{part.CatalogVersion}:{part.Part}";
        var write = new Lazy<Task<bool>>(() => WritePartAsync(part, mark), LazyThreadSafetyMode.ExecutionAndPublication);
        var running = _partWrites.GetOrAdd(mark, write);
        if (!ReferenceEquals(running, write))
        {
            await running.Value.WaitAsync(cancellationToken);
            return false;
        }

        try
        {
            return await write.Value;
        }
        finally
        {
            _partWrites.TryRemove(new KeyValuePair<string, Lazy<Task<bool>>>(mark, write));
        }
    }

    private async Task<bool> WritePartAsync(CatalogVersionChanges part, RedisKey mark)
    {
        // With several replicas most writers of a part find it written: one lookup, before its changes are serialized
        // and sent (the script checks the mark again, for a writer that raced this one).
        if (await redis.GetDatabase().KeyExistsAsync(mark))
        {
            return false;
        }

        var oneCall = part.Changes.Length <= ChangesPerCall;
        var replies = await Task.WhenAll(SendAppends(part.Changes, mark, setMark: oneCall));
        if (replies.Any(r => r.Resp2Type == ResultType.Integer))
        {
            // The mark was there: another replica (or an earlier delivery) wrote this part.
            return false;
        }

        if (!oneCall)
        {
            await redis.GetDatabase().StringSetAsync(mark, 1, options.Retention);
        }

        return true;
    }

    /// <summary>
    /// The script calls for <paramref name="changes"/>, all sent before the first reply is awaited (the multiplexer
    /// pipelines them on its one connection: one round trip), each guarded by <paramref name="mark"/> when given.
    /// </summary>
    private List<Task<RedisResult>> SendAppends(IReadOnlyList<AcceleratorPriceChanged> changes, RedisKey? mark, bool setMark)
    {
        var db = redis.GetDatabase();
        var cutoff = (time.GetUtcNow() - options.Retention).ToUnixTimeMilliseconds();
        var calls = new List<Task<RedisResult>>((changes.Count + ChangesPerCall - 1) / ChangesPerCall);
        for (var from = 0; from < Math.Max(changes.Count, mark is null ? 0 : 1); from += ChangesPerCall)
        {
            var count = Math.Min(ChangesPerCall, changes.Count - from);
            var (keys, args) = _append.Call(changes, from, count, cutoff, options.MaxChangesPerProvider, mark, setMark,
                (long)options.Retention.TotalMilliseconds);
            calls.Add(db.ScriptEvaluateAsync(RedisHistoryAppendScript.Text, keys, args));
        }

        return calls;
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

    private string Key(string kind, string name) => KeyOf(_keyPrefix, kind, name);

    private string AcceleratorKey(string acceleratorId, string? provider, string? pricingModel) =>
        AcceleratorKeyOf(_keyPrefix, acceleratorId, provider, pricingModel);

    internal static string KeyOf(string keyPrefix, string kind, string name) => $"{keyPrefix}history:{kind}:{name}";

    internal static string AcceleratorKeyOf(string keyPrefix, string acceleratorId, string? provider, string? pricingModel) =>
        $"{keyPrefix}history:accelerator:{acceleratorId}:{provider ?? "*"}:{pricingModel ?? "*"}";
}
