using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Pricing.Catalog;
using Pricing.Contracts.V1;
using Pricing.Quoting;

namespace Quotes.Grpc;

/// <summary>
/// Requests already read, with their spec and the spec's cache-key hash. A dashboard or a FinOps script asks the
/// same question many times; reading, checking and keying it costs several microseconds, far more than looking up
/// the cached answer. Proto messages compare by value, so an identical request finds its entry. Only valid requests
/// are kept (an invalid one throws before), and at most <see cref="Capacity"/>: when full it starts again empty,
/// so no caller can grow it.
/// </summary>
public sealed class QuoteRequestMemo(AcceleratorRegistry registry)
{
    public const int Capacity = 4096;

    private readonly ConcurrentDictionary<QuoteTrainingRunRequest, (QuoteSpec Spec, string KeyHash)> _read = new();

    public (QuoteSpec Spec, string KeyHash) Read(QuoteTrainingRunRequest request)
    {
        if (_read.TryGetValue(request, out var known))
        {
            return known;
        }

        var spec = QuoteRequestMapping.ToSpec(request, registry);
        var read = (spec, Hash(spec.Normalized()));
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
