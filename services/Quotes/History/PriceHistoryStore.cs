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

    /// <summary>
    /// A resume that would replay more changes than this is refused with FAILED_PRECONDITION (resync from a snapshot):
    /// one call never makes the server read and send an unbounded backlog.
    /// </summary>
    public int MaxResumeChanges { get; set; } = 100_000;

    /// <summary>A resume reads the provider log in pages of this many changes, so memory stays flat however long the replay.</summary>
    public int ResumePageSize { get; set; } = 1_000;

    /// <summary>
    /// How long a version part's history write may wait for the rest of its version to reach this replica's watchers
    /// (watchers first: the writes would share the cores with the version's later parts). Zero writes each part at once.
    /// </summary>
    public TimeSpan VersionWriteDeferral { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Live changes queued for one watcher before it is cut off (it resumes from its last version).</summary>
    public int WatcherBuffer { get; set; } = 50_000;
}

/// <summary>
/// Where the next (older) page of a history query starts: below <see cref="ObservedMs"/>, or at it after skipping the
/// <see cref="Skip"/> changes of that same instant already returned (a version's changes share one observed time).
/// </summary>
public sealed record HistoryCursor(long ObservedMs, int Skip)
{
    private const string Prefix = "h1:";

    public string ToToken() => Convert.ToBase64String(System.Text.Encoding.ASCII.GetBytes(
        FormattableString.Invariant($"{Prefix}{ObservedMs}:{Skip}"))).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>The cursor a <see cref="ToToken"/> string holds; null when it is not one.</summary>
    public static HistoryCursor? TryParse(string token)
    {
        if (token.Length is 0 or > 64)
        {
            return null;
        }

        try
        {
            var base64 = token.Replace('-', '+').Replace('_', '/');
            var text = System.Text.Encoding.ASCII.GetString(Convert.FromBase64String(base64.PadRight(base64.Length + (4 - base64.Length % 4) % 4, '=')));
            var parts = text.StartsWith(Prefix, StringComparison.Ordinal) ? text[Prefix.Length..].Split(':') : [];
            return parts.Length == 2
                && long.TryParse(parts[0], System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var ms)
                && int.TryParse(parts[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var skip)
                ? new HistoryCursor(ms, skip)
                : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }
}

/// <summary>A history query: one offer, or one accelerator optionally narrowed by provider and pricing model.</summary>
public sealed record PriceHistoryQuery(
    string? OfferKey,
    string? AcceleratorId,
    string? Provider,
    string? PricingModel,
    DateTimeOffset? From,
    DateTimeOffset? To,
    int Limit,
    HistoryCursor? Before = null);

/// <summary>The newest <c>Limit</c> matching changes (before the cursor), oldest first; <see cref="Next"/> reads the older ones.</summary>
public sealed record PriceHistoryPage(IReadOnlyList<AcceleratorPriceChanged> Changes, bool Truncated, HistoryCursor? Next = null);

/// <summary>
/// Whether a resume after a version can be served: <see cref="TrimmedThrough"/> is the highest version of which the
/// provider log has dropped changes (null: none dropped), <see cref="Changes"/> how many changes lie after the point.
/// </summary>
public sealed record ResumeWindow(long Changes, long? TrimmedThrough)
{
    public bool Retained(long afterVersion) => TrimmedThrough is not { } trimmed || afterVersion >= trimmed;
}

/// <summary>
/// Every price change Quotes has received, kept per provider (by catalog version: what a watch resumes from),
/// per offer and per accelerator (by observed time: what history queries read). Appending the same change
/// twice (an at-least-once redelivery) stores it once and says so. Appends throw while the store is unreachable;
/// the consumer lets that throw, so the broker keeps the change until it is written.
/// </summary>
public interface IPriceHistoryStore
{
    string Name { get; }

    /// <summary>
    /// True when every Quotes replica reads and writes the same history (Redis): one replica's write serves all, so
    /// the history is fed from the queue the replicas share. False (memory): each replica records what it consumes.
    /// </summary>
    bool IsShared { get; }

    /// <summary>True when the change was not recorded before.</summary>
    Task<bool> AppendAsync(AcceleratorPriceChanged change, CancellationToken cancellationToken);

    /// <summary>
    /// Appends a batch of changes (a consumed batch: one round trip to the store, not one per change). For each change,
    /// in order, true when it was not recorded before. All or nothing is not promised: after a failure the batch is
    /// appended again, and what made it the first time is recognised by its identity. A store without a batch path
    /// appends one change after the other.
    /// </summary>
    async Task<IReadOnlyList<bool>> AppendManyAsync(IReadOnlyList<AcceleratorPriceChanged> changes, CancellationToken cancellationToken)
    {
        var added = new bool[changes.Count];
        for (var i = 0; i < changes.Count; i++)
        {
            added[i] = await AppendAsync(changes[i], cancellationToken);
        }

        return added;
    }

    /// <summary>
    /// Appends one part of a catalog version (<see cref="CatalogVersionChanges"/>) once: true when this call wrote it,
    /// false when it was already there (a redelivery, or another replica's write). A store shared by replicas remembers
    /// the parts it holds, so a repeat costs one lookup and rewrites nothing; this default appends the changes, which
    /// are idempotent by identity anyway.
    /// </summary>
    async Task<bool> AppendVersionPartAsync(CatalogVersionChanges part, CancellationToken cancellationToken) =>
        (await AppendManyAsync(part.Changes, cancellationToken)).Contains(true);

    /// <summary>How much of <paramref name="provider"/>'s log lies after <paramref name="afterVersion"/>, and what has been trimmed.</summary>
    Task<ResumeWindow> ResumeWindowAsync(string provider, long afterVersion, CancellationToken cancellationToken);

    /// <summary>
    /// Recorded changes of <paramref name="provider"/> with a catalog version above <paramref name="afterVersion"/>, in
    /// version order, read page by page.
    /// </summary>
    IAsyncEnumerable<AcceleratorPriceChanged> ReadAfterAsync(string provider, long afterVersion, CancellationToken cancellationToken);

    Task<PriceHistoryPage> QueryAsync(PriceHistoryQuery query, CancellationToken cancellationToken);
}

/// <summary>The one serialized form of a change: the same change always gives the same bytes, which is what makes appends idempotent.</summary>
public static partial class PriceChangeJson
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);

    /// <summary>Written by source-generated code, with the same options: the same bytes as <c>Options</c> (tested), faster.</summary>
    public static string Serialize(AcceleratorPriceChanged change) => JsonSerializer.Serialize(change, Context.Default.AcceleratorPriceChanged);

    /// <summary>The UTF-8 bytes of <see cref="Serialize"/>, written as such (no string in between).</summary>
    public static byte[] SerializeToUtf8Bytes(AcceleratorPriceChanged change) =>
        JsonSerializer.SerializeToUtf8Bytes(change, Context.Default.AcceleratorPriceChanged);

    public static AcceleratorPriceChanged Deserialize(string json) =>
        JsonSerializer.Deserialize<AcceleratorPriceChanged>(json, Options) ?? throw new JsonException("Empty price change.");

    /// <summary>The identity of a change: a provider changes an offer at most once per catalog version.</summary>
    public static string IdentityOf(AcceleratorPriceChanged change) => $"{change.Provider}|{change.CatalogVersion}|{change.OfferKey}";

    [System.Text.Json.Serialization.JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
    [System.Text.Json.Serialization.JsonSerializable(typeof(AcceleratorPriceChanged))]
    private sealed partial class Context : System.Text.Json.Serialization.JsonSerializerContext;
}

/// <summary>History in process memory: the embedded default, and Quotes without Redis. Lost on restart.</summary>
public sealed class InMemoryPriceHistoryStore(PriceHistoryOptions options, TimeProvider time) : IPriceHistoryStore
{
    private readonly Lock _lock = new();
    private readonly HashSet<string> _identities = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SortedList<(long Version, string Key), AcceleratorPriceChanged>> _byProvider = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _trimmedThrough = new(StringComparer.Ordinal);
    private readonly List<AcceleratorPriceChanged> _byTime = [];

    public string Name => "memory";

    public bool IsShared => false;

    public async Task<bool> AppendAsync(AcceleratorPriceChanged change, CancellationToken cancellationToken) =>
        (await AppendManyAsync([change], cancellationToken))[0];

    /// <summary>The batch under one lock, with one pass over the time index to drop what left the retention window.</summary>
    public Task<IReadOnlyList<bool>> AppendManyAsync(IReadOnlyList<AcceleratorPriceChanged> changes, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var added = new bool[changes.Count];
            for (var i = 0; i < changes.Count; i++)
            {
                added[i] = AppendLocked(changes[i]);
            }

            var cutoff = time.GetUtcNow() - options.Retention;
            _byTime.RemoveAll(c => c.ObservedAt < cutoff);
            return Task.FromResult<IReadOnlyList<bool>>(added);
        }
    }

    private bool AppendLocked(AcceleratorPriceChanged change)
    {
        if (!_identities.Add(PriceChangeJson.IdentityOf(change)))
        {
            return false;
        }

        if (!_byProvider.TryGetValue(change.Provider, out var log))
        {
            log = [];
            _byProvider[change.Provider] = log;
        }

        log.Add((change.CatalogVersion, change.OfferKey), change);
        while (log.Count > options.MaxChangesPerProvider)
        {
            var oldest = log.Values[0];
            _identities.Remove(PriceChangeJson.IdentityOf(oldest));
            _trimmedThrough[change.Provider] = Math.Max(_trimmedThrough.GetValueOrDefault(change.Provider), oldest.CatalogVersion);
            log.RemoveAt(0);
        }

        _byTime.Add(change);
        return true;
    }

    public Task<ResumeWindow> ResumeWindowAsync(string provider, long afterVersion, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var count = _byProvider.TryGetValue(provider, out var log) ? log.Keys.Count(k => k.Version > afterVersion) : 0;
            long? trimmed = _trimmedThrough.TryGetValue(provider, out var t) ? t : null;
            return Task.FromResult(new ResumeWindow(count, trimmed));
        }
    }

    public async IAsyncEnumerable<AcceleratorPriceChanged> ReadAfterAsync(string provider, long afterVersion,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        List<AcceleratorPriceChanged> recorded;
        lock (_lock)
        {
            recorded = _byProvider.TryGetValue(provider, out var log)
                ? log.Where(e => e.Key.Version > afterVersion).Select(e => e.Value).ToList()
                : [];
        }

        foreach (var change in recorded)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return change;
        }

        await Task.CompletedTask;
    }

    public Task<PriceHistoryPage> QueryAsync(PriceHistoryQuery query, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            // Newest first, ties in a fixed order: the same order every page of one query walks.
            var newestFirst = _byTime
                .Where(c => PriceHistoryFilter.Matches(query, c))
                .Select(c => (Score: c.ObservedAt.ToUnixTimeMilliseconds(), Change: c))
                .Where(e => query.Before is null || e.Score <= query.Before.ObservedMs)
                .OrderByDescending(e => e.Score)
                .ThenByDescending(e => PriceChangeJson.IdentityOf(e.Change), StringComparer.Ordinal)
                .Skip(query.Before?.Skip ?? 0)
                .Take(query.Limit + 1)
                .ToList();
            return Task.FromResult(PriceHistoryFilter.Page(newestFirst, query));
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

    /// <summary>
    /// A page from up to <c>Limit + 1</c> changes read newest first (starting at the query's cursor): the first
    /// <c>Limit</c>, oldest first, and where the next page starts when there was one more.
    /// </summary>
    public static PriceHistoryPage Page(List<(long Score, AcceleratorPriceChanged Change)> newestFirst, PriceHistoryQuery query)
    {
        var truncated = newestFirst.Count > query.Limit;
        var page = truncated ? newestFirst.GetRange(0, query.Limit) : newestFirst;
        HistoryCursor? next = null;
        if (truncated)
        {
            var lastScore = page[^1].Score;
            var atLastScore = page.Count(e => e.Score == lastScore);
            // Still on the cursor's instant: what was skipped to get here is skipped again.
            var skippedBefore = query.Before is { } before && before.ObservedMs == lastScore ? before.Skip : 0;
            next = new HistoryCursor(lastScore, skippedBefore + atLastScore);
        }

        var oldestFirst = page.Select(e => e.Change).Reverse().ToList();
        return new PriceHistoryPage(oldestFirst, truncated, next);
    }
}
