using System.Collections.Concurrent;
using System.Diagnostics;

namespace Pricing.ServiceDefaults;

/// <summary>
/// The trace context that made each catalog version visible in this host's price view (the consume span of its
/// <c>CatalogPublished</c>, itself in the scrape's trace), so a quote span can link to the scrape → publish → consume
/// trace of the prices it used. A quote is its own request with its own trace; the link joins the two.
/// A singleton per host (registered by AddServiceDefaults).
/// </summary>
public sealed class CatalogTraceLinks
{
    private const int VersionsKept = 4;
    private readonly ConcurrentDictionary<(string Provider, long Version), ActivityContext> _contexts = new();

    /// <summary>Remembers the current span as the one that made <paramref name="version"/> of <paramref name="provider"/> visible.</summary>
    public void Remember(string provider, long version)
    {
        if (Activity.Current is not { } current)
        {
            return;
        }

        _contexts[(provider, version)] = current.Context;
        // Keep the few latest versions per provider: quotes use the newest.
        foreach (var old in _contexts.Keys.Where(k => k.Provider == provider && k.Version <= version - VersionsKept))
        {
            _contexts.TryRemove(old, out _);
        }
    }

    public IReadOnlyList<ActivityLink> LinksFor(IEnumerable<(string Provider, long Version)> versions) =>
        [.. versions
            .Where(_contexts.ContainsKey)
            .Select(v => new ActivityLink(_contexts[v], new ActivityTagsCollection { ["pricing.provider"] = v.Provider, ["pricing.catalog_version"] = v.Version }))];
}
