using MassTransit;
using Microsoft.Extensions.Logging;
using Pricing.Contracts.Events;
using Pricing.ServiceDefaults;

namespace Pricing.Sources;

/// <summary>
/// Publishes one provider's committed versions, in version order, on two paths. For Quotes: the version as
/// <see cref="CatalogVersionChanges"/> (one message, or parts of at most <see cref="ScrapeOptions.VersionPartSize"/> changes,
/// in order, each confirmed before the next); <see cref="PublishAsync"/> returns once every part is confirmed, and the
/// caller (holding its scrape gate) starts the next version only then. For topic subscribers: the version's
/// per-change <see cref="AcceleratorPriceChanged"/> messages with up to <see cref="ScrapeOptions.PublishWindow"/> awaiting
/// their confirms, then its <see cref="CatalogPublished"/>, on a chain behind the versions before it, so subscribers still
/// get every change of a version, then its announcement, before anything of the next. Everything is published until the
/// broker confirmed it, whatever the caller does; only <paramref name="stopping"/> (the host stopping) ends that.
/// </summary>
/// <remarks>
/// The parts and the per-change messages go through <paramref name="changePublisher"/> when there is one (RabbitMQ.Client
/// on RabbitMQ: <see cref="RabbitSubscriberChangePublisher"/>), else through MassTransit's publish like everything else.
/// </remarks>
public sealed class VersionPublisher(string provider, IPublishEndpoint publisher, ScrapeOptions options, TimeProvider time, ILogger logger,
    CancellationToken stopping, ISubscriberChangePublisher? changePublisher = null)
{
    /// <summary>Versions whose per-change messages may wait for the broker before <see cref="PublishAsync"/> waits for them.</summary>
    public const int MaxSubscriberBacklog = 8;

    private readonly Lock _backlogLock = new();
    // Versions still being published to topic subscribers, oldest first (see PublishForSubscribersAsync).
    private readonly List<Task> _subscriberBacklog = [];

    private string? _error;

    private string Provider => provider;

    /// <summary>While the broker holds a version back: what went wrong (the provider's status shows it); null once it went out.</summary>
    public string? Error => Volatile.Read(ref _error);

    /// <summary>A committed version: its parts for Quotes now, its per-change messages for subscribers behind the versions before it.</summary>
    public async Task PublishAsync(long version, IReadOnlyList<CatalogVersionChanges> parts, IReadOnlyList<AcceleratorPriceChanged> changes, CatalogPublished announcement)
    {
        // Each confirmed before the next: on RabbitMQ through RabbitMQ.Client (ISubscriberChangePublisher.PublishVersionPartsAsync:
        // on a channel of their own, a fresh one after a failure), on the in-memory bus through MassTransit.
        Func<IReadOnlyList<object>, System.Collections.Concurrent.ConcurrentQueue<(object Message, Exception Error)>, CancellationToken, Task> publishParts =
            changePublisher is null
                ? (pending, failed, ct) => PublishInWindowAsync(pending, 1, failed, ct)
                : (pending, failed, ct) => changePublisher.PublishVersionPartsAsync([.. pending.Cast<CatalogVersionChanges>()], failed, ct);
        await PublishUntilDeliveredAsync(version, parts, publishParts, stopping);
        if (options.PublishChangesForSubscribers)
        {
            await PublishForSubscribersAsync(version, changes, announcement);
        }
    }

    /// <summary>
    /// Queues a committed version's per-change <see cref="AcceleratorPriceChanged"/> messages and then its
    /// <see cref="CatalogPublished"/> for topic subscribers, behind every earlier version's: one publishing chain per
    /// provider, so subscribers still get each version's changes, then its announcement, before anything of the next
    /// version. The next scrape does not wait for this chain (Quotes has the version already, as its
    /// <see cref="CatalogVersionChanges"/>), unless <see cref="MaxSubscriberBacklog"/> versions are still queued on it:
    /// then it waits for the oldest, so a broker that cannot keep up slows scrapes down instead of filling memory.
    /// </summary>
    private async Task PublishForSubscribersAsync(long version, IReadOnlyList<AcceleratorPriceChanged> changes, CatalogPublished announcement)
    {
        // Called once the version's parts are confirmed: SubscriberPublishDelay counts from here.
        var partsConfirmedAt = time.GetTimestamp();
        Task previous;
        lock (_backlogLock)
        {
            _subscriberBacklog.RemoveAll(t => t.IsCompleted);
            previous = _subscriberBacklog.Count > 0 ? _subscriberBacklog[^1] : Task.CompletedTask;
        }

        var next = PublishAfterAsync(previous, version, changes, announcement, partsConfirmedAt);
        Task? oldest = null;
        lock (_backlogLock)
        {
            _subscriberBacklog.Add(next);
            if (_subscriberBacklog.Count > MaxSubscriberBacklog)
            {
                oldest = _subscriberBacklog[0];
            }
        }

        if (oldest is not null)
        {
            await oldest;
        }
    }

    private async Task PublishAfterAsync(Task previous, long version, IReadOnlyList<AcceleratorPriceChanged> changes, CatalogPublished announcement,
        long partsConfirmedAt)
    {
        // Off the scrape's flow: the scrape returns while this publishes.
        await Task.Yield();
        try
        {
            await previous;
            // Quotes first (ScrapeOptions.SubscriberPublishDelay), on the same clock as the retry back-off.
            var wait = options.SubscriberPublishDelay - time.GetElapsedTime(partsConfirmedAt);
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, time, stopping);
            }

            if (changePublisher is null || options.PerChangeViaMassTransit)
            {
                await PublishUntilDeliveredAsync(version, changes, options.PublishWindow, stopping);
            }
            else
            {
                await PublishUntilDeliveredAsync(version, changes, (pending, failed, ct) =>
                    changePublisher.PublishAsync([.. pending.Cast<AcceleratorPriceChanged>()], options.PublishWindow, failed, ct), stopping);
            }

            await PublishUntilDeliveredAsync(version, [announcement], window: 1, stopping);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // The host is stopping: what was not published is not; subscribers see the version incomplete, as after a crash.
        }
    }

    /// <summary>Completes once every version committed so far has been published to topic subscribers too.</summary>
    public Task SubscribersPublished
    {
        get
        {
            lock (_backlogLock)
            {
                return Task.WhenAll(_subscriberBacklog);
            }
        }
    }

    /// <summary>
    /// Publishes <paramref name="messages"/> of a committed version until the broker confirmed every one, with up to
    /// <paramref name="window"/> in flight at once (1: in order, each confirmed before the next; more: each is a different
    /// offer, so their order does not matter, and waiting for each confirm in turn capped a version at a few hundred
    /// changes a second; see <see cref="PublishInWindowAsync"/>). While the broker is away, what was not confirmed is
    /// retried with back-off (publisher confirms make a completed publish a delivered one); a message whose confirm was
    /// lost may go twice, and consumers are idempotent by (provider, version, offer key).
    /// </summary>
    private Task PublishUntilDeliveredAsync<T>(long version, IReadOnlyList<T> messages, int window, CancellationToken cancellationToken)
        where T : class =>
        PublishUntilDeliveredAsync(version, messages, (pending, failed, ct) => PublishInWindowAsync(pending, window, failed, ct), cancellationToken);

    /// <summary>The same, each round of what is pending published by <paramref name="publish"/>.</summary>
    private async Task PublishUntilDeliveredAsync<T>(long version, IReadOnlyList<T> messages,
        Func<IReadOnlyList<object>, System.Collections.Concurrent.ConcurrentQueue<(object Message, Exception Error)>, CancellationToken, Task> publish,
        CancellationToken cancellationToken)
        where T : class
    {
        var delay = options.PublishRetryMinDelay;
        IReadOnlyList<object> pending = [.. messages];
        while (pending.Count > 0)
        {
            var failed = new System.Collections.Concurrent.ConcurrentQueue<(object Message, Exception Error)>();
            await publish(pending, failed, cancellationToken);
            if (failed.IsEmpty)
            {
                break;
            }

            var error = failed.First().Error;
            logger.LogWarning(error, "{Provider} version {Version}: {Failed} of {Count} messages not confirmed; retrying in {Delay}",
                Provider, version, failed.Count, pending.Count, delay);
            Volatile.Write(ref _error, $"Publishing version {version} ({failed.Count} messages not yet delivered): {error.GetType().Name}: {error.Message}");

            await Task.Delay(delay, time, cancellationToken);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, options.PublishRetryMaxDelay.Ticks));
            // In the order they were given (a window of 1 keeps a version's parts in order).
            var again = failed.Select(f => f.Message).ToHashSet(ReferenceEqualityComparer.Instance);
            pending = [.. pending.Where(again.Contains)];
        }

        Volatile.Write(ref _error, null);
    }

    /// <summary>
    /// Publishes <paramref name="batch"/> with up to <see cref="ScrapeOptions.PublishWindow"/> publishes awaiting their
    /// confirms at once: the next starts as soon as one is confirmed, on the caller's flow (no thread-pool hop per
    /// message), so a version's changes stream to the broker back to back and its confirms come back together
    /// (RabbitMQ acknowledges many deliveries in one frame). What was not confirmed lands in <paramref name="failed"/>.
    /// </summary>
    private async Task PublishInWindowAsync(IReadOnlyList<object> batch, int size, System.Collections.Concurrent.ConcurrentQueue<(object Message, Exception Error)> failed,
        CancellationToken cancellationToken)
    {
        using var window = new SemaphoreSlim(Math.Max(1, size));
        var publishes = new List<Task>(batch.Count);
        try
        {
            foreach (var message in batch)
            {
                await window.WaitAsync(cancellationToken);
                publishes.Add(PublishOneAsync(message, window, failed, cancellationToken));
            }
        }
        catch (OperationCanceledException)
        {
            // The host is stopping: the publishes already started are cancelled too; let them end before the window goes.
            try
            {
                await Task.WhenAll(publishes);
            }
            catch (Exception) when (cancellationToken.IsCancellationRequested)
            {
            }

            throw;
        }

        await Task.WhenAll(publishes);
    }

    private async Task PublishOneAsync(object message, SemaphoreSlim window, System.Collections.Concurrent.ConcurrentQueue<(object Message, Exception Error)> failed,
        CancellationToken cancellationToken)
    {
        try
        {
            // A publish whose channel died under it can wait for a confirm that never comes: give up on it after
            // PublishTimeout and send it again (consumers drop the duplicate if the first got through).
            await publisher.Publish(message, message.GetType(), cancellationToken).WaitAsync(options.PublishTimeout, cancellationToken);
            PricingTelemetry.RecordPublished(Provider, message.GetType().Name);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            failed.Enqueue((message, ex));
        }
        finally
        {
            window.Release();
        }
    }
}
