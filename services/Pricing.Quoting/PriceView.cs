using Pricing.Catalog;

namespace Pricing.Quoting;

/// <summary>One provider's catalog as the price view holds it: a complete, immutable version.</summary>
public sealed record PriceViewCatalog(string Provider, long Version, DateTimeOffset AsOf, IReadOnlyDictionary<string, Offer> Offers);

/// <summary>What a quote reads: every provider's catalog at one moment. Immutable.</summary>
public sealed record PriceViewSnapshot(IReadOnlyList<PriceViewCatalog> Catalogs)
{
    /// <summary>"aws:5,azure:3": changes whenever any provider's catalog does, so it can key a cache.</summary>
    public string VersionKey => string.Join(',', Catalogs.OrderBy(c => c.Provider, StringComparer.Ordinal).Select(c => $"{c.Provider}:{c.Version}"));
}

public enum ViewUpdate
{
    /// <summary>The update completed one or more versions, which are now visible.</summary>
    Advanced,

    /// <summary>Held until the rest of its version arrives.</summary>
    Buffered,

    /// <summary>Already applied (an at-least-once redelivery); ignored.</summary>
    Duplicate,
}

/// <summary>
/// The Quotes service's view of every provider's prices, fed by a snapshot and then by change events.
/// A version becomes visible only once all of it has arrived (its <c>CatalogPublished</c> and as many
/// changes as that announces), so a quote never mixes two versions of one provider, and every change is
/// applied once whatever the redelivery or order. A version that stays incomplete is a gap: the owner
/// asks <see cref="ProvidersBehind"/> and resyncs those providers from a snapshot.
/// </summary>
public sealed class PriceView(TimeProvider time)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, ProviderState> _providers = new(StringComparer.Ordinal);
    private PriceViewSnapshot _snapshot = new([]);
    private TaskCompletionSource<PriceViewSnapshot> _nextChange = NewSignal();

    /// <summary>The current view; lock-free to read.</summary>
    public PriceViewSnapshot Current => Volatile.Read(ref _snapshot);

    /// <summary>
    /// Completes with the new view the next time any provider's visible catalog changes. Watchers read
    /// <see cref="Current"/>, then await this; taking the task before reading Current never misses a change.
    /// </summary>
    public Task<PriceViewSnapshot> NextChange => Volatile.Read(ref _nextChange).Task;

    public long VersionOf(string provider)
    {
        lock (_lock)
        {
            return _providers.TryGetValue(provider, out var state) ? state.Version : 0;
        }
    }

    /// <summary>Replaces a provider's catalog with a complete snapshot, unless the view is already past it.</summary>
    public ViewUpdate LoadSnapshot(string provider, long version, DateTimeOffset asOf, IEnumerable<Offer> offers)
    {
        lock (_lock)
        {
            var state = State(provider);
            if (version < state.Version)
            {
                return ViewUpdate.Duplicate;
            }

            state.Offers = offers.ToDictionary(o => o.OfferKey, StringComparer.Ordinal);
            state.Version = version;
            state.AsOf = asOf;
            foreach (var stale in state.Pending.Keys.Where(v => v <= version).ToList())
            {
                state.Pending.Remove(stale);
            }

            Advance(state);
            Publish();
            return ViewUpdate.Advanced;
        }
    }

    /// <summary>One offer's change in catalog version <paramref name="version"/>.</summary>
    public ViewUpdate ApplyChange(string provider, long version, OfferChange change)
    {
        lock (_lock)
        {
            var state = State(provider);
            if (version <= state.Version)
            {
                return ViewUpdate.Duplicate;
            }

            var pending = PendingFor(state, version);
            if (!pending.Changes.TryAdd(change.OfferKey, change))
            {
                return ViewUpdate.Duplicate;
            }

            return AdvanceAndPublish(state);
        }
    }

    /// <summary>
    /// A consumed batch of changes, each of its provider and catalog version, applied under one lock: the view publishes
    /// at most once for the batch (when a version completed), not once per change. Returns how many were new.
    /// </summary>
    public int ApplyChanges(IReadOnlyList<(string Provider, long Version, OfferChange Change)> changes)
    {
        lock (_lock)
        {
            var applied = 0;
            var touched = new List<ProviderState>(1);
            foreach (var (provider, version, change) in changes)
            {
                var state = State(provider);
                if (version <= state.Version || !PendingFor(state, version).Changes.TryAdd(change.OfferKey, change))
                {
                    continue;
                }

                applied++;
                if (!touched.Contains(state))
                {
                    touched.Add(state);
                }
            }

            var advanced = false;
            foreach (var state in touched)
            {
                advanced |= Advance(state);
            }

            if (advanced)
            {
                Publish();
            }

            return applied;
        }
    }

    /// <summary>
    /// A provider announced version <paramref name="version"/> with <paramref name="changeCount"/> changes, diffed
    /// against <paramref name="previousVersion"/> (null: the version before it). Previous version 0 means diffed
    /// against nothing: a provider's first version in its process, whole by itself.
    /// </summary>
    public ViewUpdate ApplyPublished(string provider, long version, int changeCount, DateTimeOffset asOf, long? previousVersion = null)
    {
        lock (_lock)
        {
            var state = State(provider);
            if (version <= state.Version)
            {
                return ViewUpdate.Duplicate;
            }

            var pending = PendingFor(state, version);
            if (pending.ExpectedChanges is not null)
            {
                // Another part of a version still arriving: the grace runs from its last progress, not its first part,
                // so a version slowed by the broker (a memory alarm, publish retries) is not taken for a lost one.
                pending.AnnouncedAt = time.GetUtcNow();
                return ViewUpdate.Duplicate;
            }

            pending.ExpectedChanges = changeCount;
            pending.FromEmpty = previousVersion == 0;
            pending.AsOf = asOf;
            pending.AnnouncedAt = time.GetUtcNow();
            return AdvanceAndPublish(state);
        }
    }

    /// <summary>
    /// Providers whose next version has been announced for longer than <paramref name="grace"/> but is still
    /// incomplete (a lost change, or a version never seen): they need a resync from a snapshot.
    /// </summary>
    public IReadOnlyList<string> ProvidersBehind(TimeSpan grace)
    {
        var now = time.GetUtcNow();
        lock (_lock)
        {
            return _providers.Values
                .Where(s => s.Pending.Values.Any(p => p.AnnouncedAt is { } at && now - at >= grace))
                .Select(s => s.Provider)
                .ToList();
        }
    }

    private ViewUpdate AdvanceAndPublish(ProviderState state)
    {
        if (!Advance(state))
        {
            return ViewUpdate.Buffered;
        }

        Publish();
        return ViewUpdate.Advanced;
    }

    private static bool Advance(ProviderState state)
    {
        var advanced = false;
        while (true)
        {
            if (state.Pending.TryGetValue(state.Version + 1, out var next) && next.IsComplete)
            {
                // Copy-on-write: readers hold the previous dictionary.
                var offers = new Dictionary<string, Offer>(state.Offers, StringComparer.Ordinal);
                foreach (var change in next.Changes.Values)
                {
                    if (change.Kind == PriceChangeKind.Removed)
                    {
                        offers.Remove(change.OfferKey);
                    }
                    else
                    {
                        offers[change.OfferKey] = change.New!;
                    }
                }

                state.Offers = offers;
                state.Version++;
                state.AsOf = next.AsOf;
                state.Pending.Remove(state.Version);
                advanced = true;
                continue;
            }

            // A complete version diffed against nothing (a provider's first in its process, e.g. after a restart that
            // numbers on from the clock) is the whole catalog: it replaces what was held, whatever the gap before it.
            var whole = state.Pending.FirstOrDefault(p => p.Value.FromEmpty && p.Value.IsComplete);
            if (whole.Value is null)
            {
                return advanced;
            }

            state.Offers = whole.Value.Changes.Values.Where(c => c.Kind != PriceChangeKind.Removed)
                .ToDictionary(c => c.OfferKey, c => c.New!, StringComparer.Ordinal);
            state.Version = whole.Key;
            state.AsOf = whole.Value.AsOf;
            foreach (var passed in state.Pending.Keys.Where(v => v <= whole.Key).ToList())
            {
                state.Pending.Remove(passed);
            }

            advanced = true;
        }
    }

    private void Publish()
    {
        var snapshot = new PriceViewSnapshot(_providers.Values
            .Where(s => s.Version > 0)
            .OrderBy(s => s.Provider, StringComparer.Ordinal)
            .Select(s => new PriceViewCatalog(s.Provider, s.Version, s.AsOf, s.Offers))
            .ToList());
        Volatile.Write(ref _snapshot, snapshot);
        // Swap in a fresh signal before completing the old one, so a watcher woken by it waits on the next change.
        var fired = Interlocked.Exchange(ref _nextChange, NewSignal());
        fired.TrySetResult(snapshot);
    }

    // Continuations run off the publishing thread (a consumer holding the view's lock must not run watchers inline).
    private static TaskCompletionSource<PriceViewSnapshot> NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ProviderState State(string provider)
    {
        if (!_providers.TryGetValue(provider, out var state))
        {
            state = new ProviderState(provider);
            _providers[provider] = state;
        }

        return state;
    }

    private static PendingVersion PendingFor(ProviderState state, long version)
    {
        if (!state.Pending.TryGetValue(version, out var pending))
        {
            pending = new PendingVersion();
            state.Pending[version] = pending;
        }

        return pending;
    }

    private sealed class ProviderState(string provider)
    {
        public string Provider { get; } = provider;
        public long Version { get; set; }
        public DateTimeOffset AsOf { get; set; }
        public Dictionary<string, Offer> Offers { get; set; } = new(StringComparer.Ordinal);
        public SortedDictionary<long, PendingVersion> Pending { get; } = [];
    }

    private sealed class PendingVersion
    {
        public Dictionary<string, OfferChange> Changes { get; } = new(StringComparer.Ordinal);
        public int? ExpectedChanges { get; set; }
        public bool FromEmpty { get; set; }
        public bool IsComplete => ExpectedChanges is { } expected && Changes.Count == expected;
        public DateTimeOffset AsOf { get; set; }
        public DateTimeOffset? AnnouncedAt { get; set; }
    }
}
