using System.Threading.Channels;
using Pricing.Contracts.Events;

namespace Quotes.History;

/// <summary>One live subscription. Changes queue up to a bound; a watcher that falls further behind is cut off.</summary>
public sealed class PriceChangeWatcher : IDisposable
{
    private readonly Channel<ReceivedPriceChange> _channel;
    private readonly Action<PriceChangeWatcher> _remove;
    private readonly int _capacity;

    internal PriceChangeWatcher(PriceChangeSelector selector, int capacity, Action<PriceChangeWatcher> remove)
    {
        Selector = selector;
        _capacity = capacity;
        _remove = remove;
        _channel = Channel.CreateBounded<ReceivedPriceChange>(new BoundedChannelOptions(capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    }

    public PriceChangeSelector Selector { get; }

    public ChannelReader<ReceivedPriceChange> Changes => _channel.Reader;

    public void Dispose()
    {
        _remove(this);
        _channel.Writer.TryComplete();
    }

    internal void Offer(List<ReceivedPriceChange> changes)
    {
        foreach (var change in changes)
        {
            if (Selector.Matches(change.Change) && !_channel.Writer.TryWrite(change))
            {
                _channel.Writer.TryComplete(new WatcherTooSlowException(
                    $"More than {_capacity} changes queued for this watcher; reconnect with resume_after set to the last versions received."));
                return;
            }
        }
    }
}

public sealed class WatcherTooSlowException(string message) : Exception(message);
