using System.Collections.Concurrent;
using System.Text;
using Pricing.Contracts.Events;
using StackExchange.Redis;

namespace Quotes.History;

/// <summary>
/// The Lua script <see cref="RedisPriceHistoryStore"/> appends with, and its arguments for one call: every key the call
/// touches declared once in KEYS (a batch's changes share their provider's and accelerators' keys), each change naming
/// its keys by their index. The keys that recur from call to call are kept encoded (bounded), so a change costs no key
/// strings of its own beyond its offer's.
/// </summary>
internal sealed class RedisHistoryAppendScript
{
    // ARGV 1 the retention cutoff ms, 2 the max changes per provider, 3 the version part's mark: "0" none, "1" guard, "2"
    // guard and set; 4 the mark's milliseconds. Per change i (from 0), a = 4 + 10i: ARGV a+1 identity, a+2 member, a+3
    // version, a+4 observed ms, a+5 the KEYS index p of its provider's ids (p+1 its provider log, p+2 the trimmed mark),
    // a+6..a+10 the KEYS indexes of its time-scored indexes (offer, then the 4 accelerator ones). With a mark, it is the
    // last KEY: returns -1 and writes nothing when the mark is there, and ("2") sets it after the appends. Otherwise
    // returns one 1 (recorded) or 0 (already there) per change.
    public const string Text = """
        local mark = nil
        if ARGV[3] ~= '0' then
          mark = KEYS[#KEYS]
          if redis.call('EXISTS', mark) == 1 then return -1 end
        end
        local cap = tonumber(ARGV[2])
        local added = {}
        local written = {}
        -- Score and member pairs for each provider log and each shared (accelerator) index, written with one ZADD per
        -- key (in chunks) after the loop rather than one per change: most of a call's changes share those keys.
        local logs = {}
        local shared = {}
        local n = math.floor((#ARGV - 4) / 10)
        for i = 0, n - 1 do
          local a = 4 + i * 10
          local p = tonumber(ARGV[a + 5])
          if redis.call('ZADD', KEYS[p], 'NX', ARGV[a + 3], ARGV[a + 1]) == 0 then
            added[i + 1] = 0
          else
            local l = logs[p]
            if not l then l = {}; logs[p] = l end
            l[#l + 1] = ARGV[a + 3]; l[#l + 1] = ARGV[a + 2]
            local o = tonumber(ARGV[a + 6])
            redis.call('ZADD', KEYS[o], ARGV[a + 4], ARGV[a + 2])
            written[o] = true
            for j = 7, 10 do
              local x = tonumber(ARGV[a + j])
              local t = shared[x]
              if not t then t = {}; shared[x] = t end
              t[#t + 1] = ARGV[a + 4]; t[#t + 1] = ARGV[a + 2]
              written[x] = true
            end
            added[i + 1] = 1
          end
        end
        local function zadd(key, t)
          for s = 1, #t, 1000 do
            redis.call('ZADD', key, unpack(t, s, math.min(s + 999, #t)))
          end
        end
        -- Each provider log, then its cap: the newest cap entries stay (what trimming after each append kept), and the
        -- trimmed mark moves to the newest score trimmed.
        for p, t in pairs(logs) do
          local ids, log = KEYS[p], KEYS[p + 1]
          zadd(log, t)
          local excess = redis.call('ZCARD', log) - cap
          if excess > 0 then
            local last = redis.call('ZRANGE', log, excess - 1, excess - 1, 'WITHSCORES')
            local through = tonumber(redis.call('GET', KEYS[p + 2]) or '0')
            if tonumber(last[2]) > through then redis.call('SET', KEYS[p + 2], last[2]) end
            redis.call('ZREMRANGEBYRANK', log, 0, excess - 1)
            redis.call('ZREMRANGEBYRANK', ids, 0, excess - 1)
          end
        end
        for x, t in pairs(shared) do
          zadd(KEYS[x], t)
        end
        -- The retention trim once per index the call wrote to (the accelerator indexes are shared by most changes of a call).
        for x in pairs(written) do
          redis.call('ZREMRANGEBYSCORE', KEYS[x], '-inf', '(' .. ARGV[1])
        end
        if ARGV[3] == '2' then redis.call('SET', mark, '1', 'PX', ARGV[4]) end
        return added
        """;

    private const int Header = 4;

    private const int ArgsPerChange = 10;

    /// <summary>Encoded keys kept across calls: cleared when there are more than this (keys of few distinct values).</summary>
    private const int MaxCachedKeys = 4096;

    private readonly string _keyPrefix;

    // The offer's key is its offer key after this (the offers are too many to keep).
    private readonly RedisKey _offerPrefix;

    // By provider: its ids, provider log and trimmed mark.
    private readonly ConcurrentDictionary<string, RedisKey[]> _providerKeys = new(StringComparer.Ordinal);

    private readonly ConcurrentDictionary<(string Accelerator, string? Provider, string? Model), RedisKey> _acceleratorKeys = new();

    public RedisHistoryAppendScript(string keyPrefix)
    {
        _keyPrefix = keyPrefix;
        _offerPrefix = Encode(RedisPriceHistoryStore.KeyOf(keyPrefix, "offer", ""));
    }

    /// <summary>KEYS and ARGV for <paramref name="count"/> changes from <paramref name="from"/>, guarded by <paramref name="mark"/> when given.</summary>
    public (RedisKey[] Keys, RedisValue[] Args) Call(IReadOnlyList<AcceleratorPriceChanged> changes, int from, int count,
        long cutoffMs, int maxChangesPerProvider, RedisKey? mark, bool setMark, long markMs)
    {
        var keys = new List<RedisKey>(16 + count);
        var providers = new Dictionary<string, int>(StringComparer.Ordinal);
        var offers = new Dictionary<string, int>(count, StringComparer.Ordinal);
        var accelerators = new Dictionary<(string, string?, string?), int>();
        var args = new RedisValue[Header + count * ArgsPerChange];
        args[0] = cutoffMs;
        args[1] = maxChangesPerProvider;
        args[2] = mark is null ? "0" : setMark ? "2" : "1";
        args[3] = mark is null ? 0 : markMs;
        for (var i = 0; i < count; i++)
        {
            var change = changes[from + i];
            var a = Header + i * ArgsPerChange;
            args[a] = PriceChangeJson.IdentityOf(change);
            args[a + 1] = PriceChangeJson.SerializeToUtf8Bytes(change);
            args[a + 2] = change.CatalogVersion;
            args[a + 3] = change.ObservedAt.ToUnixTimeMilliseconds();
            if (!providers.TryGetValue(change.Provider, out var p))
            {
                p = keys.Count + 1;
                keys.AddRange(ProviderKeys(change.Provider));
                providers.Add(change.Provider, p);
            }

            args[a + 4] = p;
            if (!offers.TryGetValue(change.OfferKey, out var o))
            {
                keys.Add(((RedisKey)change.OfferKey).Prepend(_offerPrefix));
                o = keys.Count;
                offers.Add(change.OfferKey, o);
            }

            args[a + 5] = o;
            args[a + 6] = Index(keys, accelerators, (change.AcceleratorId, null, null));
            args[a + 7] = Index(keys, accelerators, (change.AcceleratorId, change.Provider, null));
            args[a + 8] = Index(keys, accelerators, (change.AcceleratorId, null, change.PricingModel));
            args[a + 9] = Index(keys, accelerators, (change.AcceleratorId, change.Provider, change.PricingModel));
        }

        if (mark is { } m)
        {
            keys.Add(m);
        }

        return (keys.ToArray(), args);
    }

    /// <summary>The 1-based KEYS index of an accelerator index, added to <paramref name="keys"/> the first time.</summary>
    private int Index(List<RedisKey> keys, Dictionary<(string, string?, string?), int> indexes, (string, string?, string?) accelerator)
    {
        if (!indexes.TryGetValue(accelerator, out var index))
        {
            keys.Add(AcceleratorKey(accelerator));
            index = keys.Count;
            indexes.Add(accelerator, index);
        }

        return index;
    }

    private RedisKey[] ProviderKeys(string provider) => Cached(_providerKeys, provider, static (provider, prefix) =>
    {
        var log = RedisPriceHistoryStore.KeyOf(prefix, "provider", provider);
        return [Encode(RedisPriceHistoryStore.KeyOf(prefix, "ids", provider)), Encode(log), Encode(log + ":trimmed")];
    });

    private RedisKey AcceleratorKey((string Accelerator, string? Provider, string? Model) key) => Cached(_acceleratorKeys, key,
        static (key, prefix) => Encode(RedisPriceHistoryStore.AcceleratorKeyOf(prefix, key.Accelerator, key.Provider, key.Model)));

    private TValue Cached<TKey, TValue>(ConcurrentDictionary<TKey, TValue> cache, TKey key, Func<TKey, string, TValue> build)
        where TKey : notnull
    {
        if (cache.TryGetValue(key, out var value))
        {
            return value;
        }

        // A miss is rare once the keys in use are known: counting (all the dictionary's locks) only then.
        if (cache.Count >= MaxCachedKeys)
        {
            cache.Clear();
        }

        return cache.GetOrAdd(key, build, _keyPrefix);
    }

    // Encoded once here rather than by the client on every command that names the key (the same UTF-8 bytes).
    private static RedisKey Encode(string key) => Encoding.UTF8.GetBytes(key);
}
