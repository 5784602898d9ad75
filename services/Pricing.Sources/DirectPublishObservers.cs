namespace Pricing.Sources;

/// <summary>
/// Told about each message <see cref="RabbitSubscriberChangePublisher"/> writes, just before it is written and once the
/// broker confirmed it: what MassTransit's publish observers are told about its own pipeline's (benchmarks time the two
/// paths alike). Called on the publishing flow, so it must be quick.
/// </summary>
public interface IDirectPublishObserver
{
    void Publishing(object message);

    void Confirmed(object message);
}

/// <summary>The observers connected to a publisher: connected and disconnected at any time, read without a lock.</summary>
internal sealed class DirectPublishObservers
{
    private readonly Lock _lock = new();
    private volatile IDirectPublishObserver[] _all = [];

    /// <summary>Tells <paramref name="observer"/> about every message from now until the result is disposed.</summary>
    public IDisposable Connect(IDirectPublishObserver observer)
    {
        lock (_lock)
        {
            _all = [.. _all, observer];
        }

        return new Disconnect(this, observer);
    }

    public void Publishing(object message)
    {
        foreach (var observer in _all)
        {
            observer.Publishing(message);
        }
    }

    public void Confirmed(object message)
    {
        foreach (var observer in _all)
        {
            observer.Confirmed(message);
        }
    }

    private sealed class Disconnect(DirectPublishObservers owner, IDirectPublishObserver observer) : IDisposable
    {
        public void Dispose()
        {
            lock (owner._lock)
            {
                owner._all = [.. owner._all.Where(o => !ReferenceEquals(o, observer))];
            }
        }
    }
}
