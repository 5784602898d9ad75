using Pricing.Contracts.Events;

namespace Quotes.Consumers;

/// <summary>Something told when this replica's queue delivers a version part and when it was handled (the benchmarks' timings).</summary>
public interface IVersionPartObserver
{
    void PartDelivered(CatalogVersionChanges part);

    void PartHandled(CatalogVersionChanges part);
}

/// <summary>The <see cref="IVersionPartObserver"/>s connected to <see cref="RabbitVersionPartConsumer"/>.</summary>
public sealed class VersionPartObservers
{
    private IVersionPartObserver[] _observers = [];

    public IDisposable Connect(IVersionPartObserver observer)
    {
        ImmutableInterlocked(o => [.. o, observer]);
        return new Disconnect(() => ImmutableInterlocked(o => [.. o.Where(x => !ReferenceEquals(x, observer))]));
    }

    internal void Delivered(CatalogVersionChanges part)
    {
        foreach (var observer in Volatile.Read(ref _observers))
        {
            observer.PartDelivered(part);
        }
    }

    internal void Handled(CatalogVersionChanges part)
    {
        foreach (var observer in Volatile.Read(ref _observers))
        {
            observer.PartHandled(part);
        }
    }

    private void ImmutableInterlocked(Func<IVersionPartObserver[], IVersionPartObserver[]> change)
    {
        IVersionPartObserver[] before, after;
        do
        {
            before = Volatile.Read(ref _observers);
            after = change(before);
        }
        while (!ReferenceEquals(Interlocked.CompareExchange(ref _observers, after, before), before));
    }

    private sealed class Disconnect(Action action) : IDisposable
    {
        public void Dispose() => action();
    }
}
