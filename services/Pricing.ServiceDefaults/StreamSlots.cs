using Microsoft.Extensions.Options;

namespace Pricing.ServiceDefaults;

/// <summary>
/// Counts the server-streaming calls open per caller and in total, against
/// <see cref="PricingLimitsOptions.MaxStreamsPerCaller"/> and <see cref="PricingLimitsOptions.MaxStreamsTotal"/>.
/// A slot is released when its call ends, however it ends (the client cancelling, a reset, a keepalive timeout).
/// </summary>
public sealed class StreamSlots(IOptions<PricingLimitsOptions> options)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, int> _perCaller = new(StringComparer.Ordinal);
    private int _total;

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

    /// <summary>A slot for <paramref name="caller"/>, or null with the reason when a cap is reached.</summary>
    public IDisposable? TryAcquire(string caller, out string? refusal)
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

            if (_total >= limits.MaxStreamsTotal)
            {
                refusal = $"The server holds {_total} open streams (at most {limits.MaxStreamsTotal}); retry later.";
                return null;
            }

            _perCaller[caller] = mine + 1;
            _total++;
        }

        refusal = null;
        return new Slot(this, caller);
    }

    private void Release(string caller)
    {
        lock (_lock)
        {
            _total--;
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

    private sealed class Slot(StreamSlots slots, string caller) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                slots.Release(caller);
            }
        }
    }
}
