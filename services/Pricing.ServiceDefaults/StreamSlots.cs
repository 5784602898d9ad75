using Microsoft.Extensions.Options;

namespace Pricing.ServiceDefaults;

/// <summary>
/// Counts the server-streaming calls open per caller and in total, against
/// <see cref="PricingLimitsOptions.MaxStreamsPerCaller"/> and <see cref="PricingLimitsOptions.MaxStreamsTotal"/>.
/// A slot is released when its call ends, however it ends (the client cancelling, a reset, a keepalive timeout).
/// Anonymous streams on a service with auth on (the health service's <c>Watch</c>) come from their own pool,
/// <see cref="PricingLimitsOptions.MaxAnonymousStreamsTotal"/>, so callers without a token cannot fill the total
/// that authenticated watches and resyncs need.
/// </summary>
public sealed class StreamSlots(IOptions<PricingLimitsOptions> options)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, int> _perCaller = new(StringComparer.Ordinal);
    private int _total;
    private int _anonymousTotal;

    public int Total
    {
        get
        {
            lock (_lock)
            {
                return _total;
            }
        }
    }

    public int OpenBy(string caller)
    {
        lock (_lock)
        {
            return _perCaller.GetValueOrDefault(caller);
        }
    }

    /// <summary>
    /// A slot for <paramref name="caller"/>, or null with the reason when a cap is reached. <paramref name="anonymous"/>:
    /// the caller presented no credential on a service that asks for one; it counts against the anonymous pool only.
    /// </summary>
    public IDisposable? TryAcquire(string caller, out string? refusal, bool anonymous = false)
    {
        var limits = options.Value;
        lock (_lock)
        {
            var mine = _perCaller.GetValueOrDefault(caller);
            if (mine >= limits.MaxStreamsPerCaller)
            {
                refusal = $"This caller already holds {mine} open streams (at most {limits.MaxStreamsPerCaller}); close one first.";
                return null;
            }

            ref var pool = ref Pool(anonymous);
            var cap = anonymous ? limits.MaxAnonymousStreamsTotal : limits.MaxStreamsTotal;
            if (pool >= cap)
            {
                refusal = anonymous
                    ? $"The server holds {pool} open streams of callers without a token (at most {cap}); retry later, or authenticate."
                    : $"The server holds {pool} open streams (at most {cap}); retry later.";
                return null;
            }

            _perCaller[caller] = mine + 1;
            pool++;
        }

        refusal = null;
        return new Slot(this, caller, anonymous);
    }

    /// <summary>Open anonymous streams (see <see cref="TryAcquire"/>).</summary>
    public int AnonymousTotal
    {
        get
        {
            lock (_lock)
            {
                return _anonymousTotal;
            }
        }
    }

    private ref int Pool(bool anonymous) => ref anonymous ? ref _anonymousTotal : ref _total;

    private void Release(string caller, bool anonymous)
    {
        lock (_lock)
        {
            Pool(anonymous)--;
            var left = _perCaller[caller] - 1;
            if (left == 0)
            {
                _perCaller.Remove(caller);
            }
            else
            {
                _perCaller[caller] = left;
            }
        }
    }

    private sealed class Slot(StreamSlots slots, string caller, bool anonymous) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                slots.Release(caller, anonymous);
            }
        }
    }
}
