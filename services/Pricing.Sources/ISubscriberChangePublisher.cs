using System.Collections.Concurrent;
using Pricing.Contracts.Events;

namespace Pricing.Sources;

/// <summary>
/// Publishes a version's per-change <see cref="AcceleratorPriceChanged"/> messages to topic subscribers, in place of
/// MassTransit's publish pipeline (which cost the provider 100-200 µs per change: docs/benchmarks.md, issue 25).
/// <see cref="VersionPublisher"/> keeps the order, the retries and the announcement that follows.
/// </summary>
public interface ISubscriberChangePublisher
{
    /// <summary>
    /// Publishes every change with up to <paramref name="window"/> awaiting the broker's confirm at once; a change that
    /// was not confirmed lands in <paramref name="failed"/> with why, to be published again.
    /// </summary>
    Task PublishAsync(IReadOnlyList<AcceleratorPriceChanged> changes, int window, ConcurrentQueue<(object Message, Exception Error)> failed,
        CancellationToken cancellationToken);

    /// <summary>
    /// A version's <see cref="CatalogVersionChanges"/> parts, in order, each confirmed before the next, on a connection and
    /// channel of their own (so they never wait behind a window of per-change messages); after a failure, a fresh connection
    /// and channel (a broker that keeps refusing one channel's publishes after a quorum-queue leader was lost accepts them on
    /// a fresh one). From the first part not confirmed on, every part lands in <paramref name="failed"/>, so no later part
    /// overtakes it.
    /// </summary>
    Task PublishVersionPartsAsync(IReadOnlyList<CatalogVersionChanges> parts, ConcurrentQueue<(object Message, Exception Error)> failed,
        CancellationToken cancellationToken);
}

