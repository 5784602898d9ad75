using System.Text.Json;
using Microsoft.Extensions.Options;
using Pricing.Contracts.Events;
using Pricing.ServiceDefaults;
using Quotes.Extensions;
using Quotes.History;
using Quotes.Sync;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;

namespace Quotes.Consumers;

/// <summary>
/// The version parts on RabbitMQ, consumed with RabbitMQ.Client instead of MassTransit: with a whole version per message,
/// MassTransit's receive (its envelope parsed into a document, then the message deserialized from it, on each of the two
/// queues) was most of the consume path's CPU. Here each part is read once (<see cref="VersionPartJson"/>) and the
/// second queue's delivery of the same part reuses it. The same queues and conventions as MassTransit's endpoints
/// (<see cref="VersionPartTopology"/>): this replica's queue and, when the history is shared, the shared history queue,
/// each a quorum queue bound through an exchange of its name to <see cref="PriceChangeTopology.CatalogVersionsExchangeName"/>;
/// one part at a time per queue, <see cref="VersionPartConsumption.Prefetch"/> prefetched; <see cref="PriceEventRetry.Intervals"/>
/// then the queue's <c>_error</c> queue, and a part that breaks the rules straight there; acked only once handled (the
/// shared queue's only once Redis has it). The connection recovers by itself after a broker restart; what was not acked is
/// delivered again, and handling is idempotent.
/// </summary>
public sealed class RabbitVersionPartConsumer(IConfiguration configuration, IOptions<QuotesOptions> options, QuotesReplica replica,
    IPriceHistoryStore store, VersionPartHandler handler, VersionPartObservers observers, ILogger<RabbitVersionPartConsumer> logger)
    : IHostedService, IAsyncDisposable
{
    /// <summary><c>Quotes:VersionPartConsumer</c>: <c>RabbitMQ.Client</c> (the default) or <c>MassTransit</c>.</summary>
    public const string ConsumerKey = "Quotes:VersionPartConsumer";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly CancellationTokenSource _stopping = new();
    private readonly RecentVersionParts _recent = new();
    private readonly List<IChannel> _channels = [];
    private IConnection? _connection;
    private int _disposed;

    /// <summary>True when Quotes is on RabbitMQ and <see cref="ConsumerKey"/> does not ask for MassTransit's consumers.</summary>
    public static bool IsUsed(IConfiguration configuration) =>
        RabbitConnections.UsesRabbitMq(configuration)
        && !string.Equals(configuration[ConsumerKey], "MassTransit", StringComparison.OrdinalIgnoreCase);

    /// <summary>Connected, with both queues declared, bound and consumed, before the host counts as started (as MassTransit's bus).</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _connection = await ConnectAsync(cancellationToken);
        await ConsumeAsync(replica.QueueName, options.Value.ReplicaQueueExpiry, handler.ReceiveAsync, observed: true, cancellationToken);
        if (store.IsShared)
        {
            await ConsumeAsync(options.Value.QueueName, expiry: null, handler.RecordAsync, observed: false, cancellationToken);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        foreach (var channel in _channels)
        {
            // What was delivered and not acked goes back to its queue.
            await Quietly(() => channel.CloseAsync(cancellationToken));
        }

        if (_connection is { } connection)
        {
            await Quietly(() => connection.CloseAsync(cancellationToken));
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return; // the container may dispose it twice (as itself and as the hosted service)
        }

        // Disposed without a stop (a host disposed after a failure): a handler still retrying (the history store down)
        // must end, or closing its channel waits for it for ever.
        await _stopping.CancelAsync();
        foreach (var channel in _channels)
        {
            await channel.DisposeAsync();
        }

        if (_connection is not null)
        {
            await _connection.DisposeAsync();
        }

        _stopping.Dispose();
    }

    private async Task<IConnection> ConnectAsync(CancellationToken cancellationToken)
    {
        var factory = RabbitConnections.Factory(configuration);
        var endpoints = RabbitConnections.Endpoints(configuration, factory);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(StartTimeout);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await factory.CreateConnectionAsync(endpoints, $"quotes {replica.Id} version parts", deadline.Token);
            }
            catch (BrokerUnreachableException ex) when (!deadline.IsCancellationRequested)
            {
                if (attempt == 1)
                {
                    logger.LogWarning("RabbitMQ unreachable for the version parts; retrying: {Error}", ex.Message);
                }

                await Task.Delay(TimeSpan.FromSeconds(1), deadline.Token);
            }
        }
    }

    private async Task ConsumeAsync(string queue, TimeSpan? expiry, Func<CatalogVersionChanges, CancellationToken, Task> handle, bool observed,
        CancellationToken cancellationToken)
    {
        var channel = await VersionPartTopology.DeclareAsync(_connection!, queue, expiry, logger, cancellationToken);
        _channels.Add(channel);
        await channel.BasicQosAsync(0, VersionPartConsumption.Prefetch, global: false, cancellationToken);
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, delivery) => HandleDeliveryAsync(channel, queue, delivery, handle, observed);
        await channel.BasicConsumeAsync(queue, autoAck: false, consumer, cancellationToken);
    }

    private async Task HandleDeliveryAsync(IChannel channel, string queue, BasicDeliverEventArgs delivery,
        Func<CatalogVersionChanges, CancellationToken, Task> handle, bool observed)
    {
        CatalogVersionChanges part;
        try
        {
            part = _recent.Read(delivery.Body.Span);
        }
        catch (JsonException ex)
        {
            await VersionPartTopology.MoveToErrorQueueAsync(channel, queue, delivery, ex, logger);
            return;
        }

        if (observed)
        {
            observers.Delivered(part);
        }

        // A consume span in the publisher's trace (MassTransit carries its context in MT-Activity-Id): quotes over this
        // version link to it, hence to the scrape's trace (CatalogTraceLinks).
        using var activity = VersionPartTopology.StartConsumeActivity(queue, delivery, part);
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await handle(part, _stopping.Token);
                break;
            }
            catch (InvalidPriceEventException ex)
            {
                await VersionPartTopology.MoveToErrorQueueAsync(channel, queue, delivery, ex, logger);
                return;
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
                // Stopping: not acked, so the part is delivered again (here after a restart, or to another replica).
                return;
            }
            catch (Exception ex) when (attempt < PriceEventRetry.Intervals.Length)
            {
                logger.LogWarning(ex, "{Queue}: {Provider} v{Version} part {Part} failed; retry {Attempt} in {Delay}", queue, part.Provider,
                    part.CatalogVersion, part.Part, attempt + 1, PriceEventRetry.Intervals[attempt]);
                try
                {
                    await Task.Delay(PriceEventRetry.Intervals[attempt], _stopping.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
            catch (Exception ex)
            {
                await VersionPartTopology.MoveToErrorQueueAsync(channel, queue, delivery, ex, logger);
                return;
            }
        }

        if (observed)
        {
            observers.Handled(part);
        }

        await VersionPartTopology.AckAsync(channel, delivery.DeliveryTag, logger);
    }

    private static async Task Quietly(Func<Task> close)
    {
        try
        {
            await close();
        }
        catch (Exception ex) when (ex is AlreadyClosedException or OperationInterruptedException or ObjectDisposedException or OperationCanceledException)
        {
        }
    }
}

/// <summary>
/// The last few version parts read, by their bodies: this replica's queue and the shared history queue deliver the same
/// part at about the same moment, and the second is then not parsed again. A body is known by its length and 128-bit
/// XxHash128 rather than a copy (a copy of a ~200 KB part was an allocation on the large-object heap per part).
/// </summary>
internal sealed class RecentVersionParts
{
    private const int Capacity = 4;
    private readonly Lock _lock = new();
    private readonly (int Length, UInt128 Hash, CatalogVersionChanges Part)?[] _recent = new (int, UInt128, CatalogVersionChanges)?[Capacity];
    private int _next;

    public CatalogVersionChanges Read(ReadOnlySpan<byte> body)
    {
        var hash = System.IO.Hashing.XxHash128.HashToUInt128(body);
        // Under the lock: the other queue's delivery of the same part waits for this parse instead of repeating it.
        lock (_lock)
        {
            foreach (var entry in _recent)
            {
                if (entry is { } seen && seen.Length == body.Length && seen.Hash == hash)
                {
                    return seen.Part;
                }
            }

            var part = VersionPartJson.Read(body);
            _recent[_next] = (body.Length, hash, part);
            _next = (_next + 1) % Capacity;
            return part;
        }
    }
}
