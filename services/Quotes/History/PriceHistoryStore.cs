using System.Text.Json;
using Pricing.Contracts.Events;

namespace Quotes.History;

public sealed class PriceHistoryOptions
{
    public const string Section = "History";

    /// <summary>Changes older than this (by observed time) are dropped from the per-offer and per-accelerator history.</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(90);

    /// <summary>The per-provider log (what a watch resumes from) keeps at most this many changes.</summary>
    public int MaxChangesPerProvider { get; set; } = 1_000_000;

    /// <summary>Changes held in memory while Redis is unreachable, written once it is back.</summary>
    public int MaxPendingWrites { get; set; } = 200_000;

    /// <summary>Live changes queued for one watcher before it is cut off (it resumes from its last version).</summary>
    public int WatcherBuffer { get; set; } = 50_000;
}

/// <summary>A history query: one offer, or one accelerator optionally narrowed by provider and pricing model.</summary>
public sealed record PriceHistoryQuery(
    string? OfferKey,
    string? AcceleratorId,
    string? Provider,
    string? PricingModel,
    DateTimeOffset? From,
    DateTimeOffset? To,
    int Limit);

public sealed record PriceHistoryPage(IReadOnlyList<AcceleratorPriceChanged> Changes, bool Truncated);

/// <summary>
/// Every price change Quotes has received, kept per provider (by catalog version: what a watch resumes from),
/// per offer and per accelerator (by observed time: what history queries read). Appending the same change
/// twice (an at-least-once redelivery) stores it once and says so.
/// </summary>
public interface IPriceHistoryStore
{
    string Name { get; }

    /// <summary>True when the change was not recorded before.</summary>
    Task<bool> AppendAsync(AcceleratorPriceChanged change, CancellationToken cancellationToken);

    /// <summary>Recorded changes of <paramref name="provider"/> with a catalog version above <paramref name="afterVersion"/>, in version order.</summary>
    Task<IReadOnlyList<AcceleratorPriceChanged>> ReadAfterAsync(string provider, long afterVersion, CancellationToken cancellationToken);

    Task<PriceHistoryPage> QueryAsync(PriceHistoryQuery query, CancellationToken cancellationToken);
}

/// <summary>The one serialized form of a change: the same change always gives the same bytes, which is what makes appends idempotent.</summary>
public static class PriceChangeJson
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);

    public static string Serialize(AcceleratorPriceChanged change) => JsonSerializer.Serialize(change, Options);

    public static AcceleratorPriceChanged Deserialize(string json) =>
        JsonSerializer.Deserialize<AcceleratorPriceChanged>(json, Options) ?? throw new JsonException("Empty price change.");

    /// <summary>The identity of a change: a provider changes an offer at most once per catalog version.</summary>
    public static string IdentityOf(AcceleratorPriceChanged change) => $"{change.Provider}|{change.CatalogVersion}|{change.OfferKey}";
}

/// <summary>History in process memory: the embedded default, and Quotes without Redis. Lost on restart.</summary>
public sealed class InMemoryPriceHistoryStore(PriceHistoryOptions options, TimeProvider time) : IPriceHistoryStore
{
    private readonly Lock _lock = new();
    private readonly HashSet<string> _identities = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SortedList<(long Version, string Key), AcceleratorPriceChanged>> _byProvider = new(StringComparer.Ordinal);
    private readonly List<AcceleratorPriceChanged> _byTime = [];

    public string Name => "memory";

    public Task<bool> AppendAsync(AcceleratorPriceChanged change, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (!_identities.Add(PriceChangeJson.IdentityOf(change)))
            {
                return Task.FromResult(false);
            }

            if (!_byProvider.TryGetValue(change.Provider, out var log))
            {
                log = [];
                _byProvider[change.Provider] = log;
            }

            log.Add((change.CatalogVersion, change.OfferKey), change);
            while (log.Count > options.MaxChangesPerProvider)
            {
                _identities.Remove(PriceChangeJson.IdentityOf(log.Values[0]));
                log.RemoveAt(0);
            }

            _byTime.Add(change);
            var cutoff = time.GetUtcNow() - options.Retention;
            _byTime.RemoveAll(c => c.ObservedAt < cutoff);
            return Task.FromResult(true);
        }
    }

    public Task<IReadOnlyList<AcceleratorPriceChanged>> ReadAfterAsync(string provider, long afterVersion, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            IReadOnlyList<AcceleratorPriceChanged> result = _byProvider.TryGetValue(provider, out var log)
                ? log.Where(e => e.Key.Version > afterVersion).Select(e => e.Value).ToList()
                : [];
            return Task.FromResult(result);
        }
    }

    public Task<PriceHistoryPage> QueryAsync(PriceHistoryQuery query, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var matching = _byTime.Where(c => PriceHistoryFilter.Matches(query, c)).OrderBy(c => c.ObservedAt).ThenBy(c => c.CatalogVersion).ToList();
            return Task.FromResult(PriceHistoryFilter.Page(matching, query.Limit));
        }
    }
}

internal static class PriceHistoryFilter
{
    public static bool Matches(PriceHistoryQuery q, AcceleratorPriceChanged c) =>
        (q.OfferKey is null || c.OfferKey == q.OfferKey)
        && (q.AcceleratorId is null || c.AcceleratorId == q.AcceleratorId)
        && (q.Provider is null || c.Provider == q.Provider)
        && (q.PricingModel is null || c.PricingModel == q.PricingModel)
        && (q.From is null || c.ObservedAt >= q.From)
        && (q.To is null || c.ObservedAt <= q.To);

    /// <summary>The newest <paramref name="limit"/> of an oldest-first list, still oldest first.</summary>
    public static PriceHistoryPage Page(List<AcceleratorPriceChanged> oldestFirst, int limit) =>
        oldestFirst.Count > limit
            ? new PriceHistoryPage(oldestFirst.GetRange(oldestFirst.Count - limit, limit), true)
            : new PriceHistoryPage(oldestFirst, false);
}
