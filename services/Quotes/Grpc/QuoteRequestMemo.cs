using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Pricing.Catalog;
using Pricing.Contracts.V1;
using Pricing.Quoting;

namespace Quotes.Grpc;

/// <summary>
/// Requests already read, with their spec and cache key (<see cref="ReadQuoteRequest"/>). A dashboard or a FinOps
/// script asks the same question many times; reading, checking and keying it costs several microseconds, far more
/// than looking up the cached answer. Proto messages compare by value, so an identical request finds its entry.
/// Only valid requests are kept (an invalid one throws before), and at most <see cref="Capacity"/>: when full it
/// starts again empty, so no caller can grow it.
/// </summary>
public sealed class QuoteRequestMemo(AcceleratorRegistry registry)
{
    public const int Capacity = 4096;

    private readonly ConcurrentDictionary<QuoteTrainingRunRequest, ReadQuoteRequest> _read = new();

    public ReadQuoteRequest Read(QuoteTrainingRunRequest request)
    {
        if (_read.TryGetValue(request, out var known))
        {
            return known;
        }

        var spec = QuoteRequestMapping.ToSpec(request, registry);
        var read = new ReadQuoteRequest(spec, Hash(spec.Normalized()), QuoteViews.Effective(request.View));
        if (_read.Count >= Capacity)
        {
            _read.Clear();
        }

        // The request is the call's own deserialized message: nothing changes it after this point.
        _read.TryAdd(request, read);
        return read;
    }

    public int Count => _read.Count;

    private static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..32];
}

/// <summary>
/// A request read once: its spec, and its cache key over the last price snapshot it was asked with (the key names the
/// snapshot's catalog versions, so building it anew on every call of a hot request would cost more than the lookup).
/// The snapshot is held weakly: a remembered key never keeps an old catalog alive.
/// </summary>
public sealed class ReadQuoteRequest(QuoteSpec spec, string keyHash, QuoteView view)
{
    private volatile Key? _last;

    public QuoteSpec Spec { get; } = spec;

    /// <summary>The hash of the spec's normalized form (as_of included).</summary>
    public string KeyHash { get; } = keyHash;

    /// <summary>The view the request asked for (unspecified read as basic).</summary>
    public QuoteView View { get; } = view;

    /// <summary>The cache key of this request over <paramref name="prices"/> (<see cref="Caching.QuoteCacheKey.For"/>).</summary>
    public string CacheKeyOver(PriceViewSnapshot prices)
    {
        if (_last is { } last && last.Prices.TryGetTarget(out var over) && ReferenceEquals(over, prices))
        {
            return last.Text;
        }

        var text = Caching.QuoteCacheKey.For(View, KeyHash, prices.VersionKey);
        _last = new Key(new(prices), text);
        return text;
    }

    private sealed record Key(WeakReference<PriceViewSnapshot> Prices, string Text);
}
