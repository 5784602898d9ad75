using Microsoft.Extensions.Options;

namespace Aws.Pricing.Notifications;

/// <summary>
/// The message ids of recently accepted messages, so a message posted again (a replay, or SNS retrying one whose answer
/// was lost) is acted on once. Only verified messages are remembered (a forged one must not be able to block a real one).
/// Bounded: at most <see cref="AwsNotificationOptions.RememberedMessageIds"/>, the oldest dropped first; an id older than
/// the timestamp tolerance can go, because its message would be refused as stale anyway.
/// </summary>
public sealed class SnsReplayGuard(IOptions<AwsNotificationOptions> options, TimeProvider time)
{
    private readonly Lock _gate = new();
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);
    private readonly Queue<(string Id, DateTimeOffset At)> _order = new();

    public bool Seen(string messageId)
    {
        lock (_gate)
        {
            return _seen.Contains(messageId);
        }
    }

    /// <summary>Remembers the id; false when it was already remembered (the message is a replay).</summary>
    public bool TryRemember(string messageId)
    {
        var now = time.GetUtcNow();
        var o = options.Value;
        lock (_gate)
        {
            while (_order.TryPeek(out var oldest) && (_order.Count >= Math.Max(1, o.RememberedMessageIds) || now - oldest.At > 2 * o.TimestampTolerance))
            {
                _order.Dequeue();
                _seen.Remove(oldest.Id);
            }

            if (!_seen.Add(messageId))
            {
                return false;
            }

            _order.Enqueue((messageId, now));
            return true;
        }
    }
}
