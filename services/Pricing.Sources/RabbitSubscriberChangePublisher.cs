using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using MassTransit.Serialization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Pricing.Contracts.Events;
using Pricing.ServiceDefaults;
using RabbitMQ.Client;

namespace Pricing.Sources;

/// <summary>
/// The per-change messages for topic subscribers, published with RabbitMQ.Client on a channel of its own with publisher
/// confirms: each change is written as MassTransit's JSON envelope (the message serialized with MassTransit's own
/// options, so a MassTransit subscriber and one in any language read exactly what they read before; docs/events.md) to
/// the durable topic exchange <see cref="PriceChangeTopology.ExchangeName"/> with the change's routing key. A window of
/// publishes is written back to back on the caller's flow and their confirms awaited together.
/// </summary>
public sealed class RabbitSubscriberChangePublisher(IConfiguration configuration, IOptions<ScrapeOptions> options, ILogger<RabbitSubscriberChangePublisher> logger)
    : ISubscriberChangePublisher, IAsyncDisposable
{
    /// <summary><c>Scrape:SubscriberPublisher</c> (<see cref="ScrapeOptions.SubscriberPublisher"/>).</summary>
    public const string PublisherKey = ScrapeOptions.Section + ":" + nameof(ScrapeOptions.SubscriberPublisher);

    private const string ContentType = "application/vnd.masstransit+json";
    private const string ActivityIdHeader = "MT-Activity-Id";
    private const string ChangeMessageType = "urn:message:Pricing.Contracts.Events:AcceleratorPriceChanged";
    private const string PartMessageType = "urn:message:Pricing.Contracts.Events:CatalogVersionChanges";

    // One window in flight per process: the channel's confirms are awaited together.
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly CancellationTokenSource _disposing = new();
    private readonly TimeSpan _confirmTimeout = options.Value.PublishTimeout;
    private IConnection? _connection;
    private IChannel? _channel;
    private string? _sourceAddress;
    // The envelope's destinationAddress per exchange, as MassTransit writes it (set once per connection).
    private string? _changesAddress;
    private string? _versionsAddress;
    private readonly DirectPublishObservers _observers = new();

    /// <summary>Tells <paramref name="observer"/> about every message written from now until the result is disposed.</summary>
    public IDisposable ConnectObserver(IDirectPublishObserver observer) => _observers.Connect(observer);

    /// <summary>
    /// True on RabbitMQ: the per-change messages go through it unless <see cref="PublisherKey"/> asks for MassTransit, and
    /// a version part MassTransit could not deliver is retried through it either way.
    /// </summary>
    public static bool IsUsed(IConfiguration configuration) => RabbitConnections.UsesRabbitMq(configuration);

    public Task PublishAsync(IReadOnlyList<AcceleratorPriceChanged> changes, int window, ConcurrentQueue<(object Message, Exception Error)> failed,
        CancellationToken cancellationToken) =>
        PublishManyAsync(changes, window, stopAtFailure: false, static change => new Outgoing(PriceChangeTopology.ExchangeName, change.RoutingKey,
            MessageIdOf(change), ChangeMessageType, change.Provider, nameof(AcceleratorPriceChanged)), failed, cancellationToken);

    public Task PublishVersionPartsAsync(IReadOnlyList<CatalogVersionChanges> parts, ConcurrentQueue<(object Message, Exception Error)> failed,
        CancellationToken cancellationToken) =>
        // One at a time, in order; a part not confirmed stops the rest, so no later part overtakes it.
        PublishManyAsync(parts, 1, stopAtFailure: true, static part => new Outgoing(PriceChangeTopology.CatalogVersionsExchangeName, "",
            NamedGuid($"part|{part.Provider}|{part.CatalogVersion}|{part.Part}"), PartMessageType, part.Provider, nameof(CatalogVersionChanges)), failed, cancellationToken);

    /// <summary>Where a message goes and what its envelope says.</summary>
    private sealed record Outgoing(string Exchange, string RoutingKey, string MessageId, string MessageType, string Provider, string EventName);

    private async Task PublishManyAsync<T>(IReadOnlyList<T> messages, int window, bool stopAtFailure, Func<T, Outgoing> describe,
        ConcurrentQueue<(object Message, Exception Error)> failed, CancellationToken cancellationToken)
        where T : class
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _disposing.Token);
        var ct = linked.Token;
        try
        {
            await _gate.WaitAsync(ct);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            Fail(messages, 0, failed, new ObjectDisposedException(nameof(RabbitSubscriberChangePublisher)));
            return;
        }

        try
        {
            var buffer = new ArrayBufferWriter<byte>(1024);
            var size = Math.Max(1, window);
            for (var start = 0; start < messages.Count; start += size)
            {
                IChannel channel;
                try
                {
                    channel = await ChannelAsync(ct);
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
                {
                    Fail(messages, start, failed, ex);
                    return;
                }

                var batch = messages.Skip(start).Take(size).ToList();
                if (!await PublishWindowAsync(channel, batch, describe, buffer, failed, ct, cancellationToken))
                {
                    // Something was refused, lost or not confirmed within PublishTimeout: whatever state the broker keeps for
                    // this channel and connection is not trusted again; the next window, or the retry, opens fresh ones.
                    await AbortAsync();
                    if (stopAtFailure)
                    {
                        Fail(messages, start + size, failed, new InvalidOperationException("An earlier message of the same sequence was not confirmed."));
                        return;
                    }
                }
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>One window: every publish written, then every confirm awaited (up to PublishTimeout); false when any failed.</summary>
    private async Task<bool> PublishWindowAsync<T>(IChannel channel, List<T> batch, Func<T, Outgoing> describe, ArrayBufferWriter<byte> buffer,
        ConcurrentQueue<(object Message, Exception Error)> failed, CancellationToken ct, CancellationToken callerToken)
        where T : class
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(_confirmTimeout);
        var confirms = new List<(T Message, Outgoing To, Task Confirmed)>(batch.Count);
        var activityId = Activity.Current?.Id;
        foreach (var message in batch)
        {
            var to = describe(message);
            _observers.Publishing(message);

            try
            {
                var body = Envelope(message, to, activityId, buffer);
                var properties = new BasicProperties
                {
                    ContentType = ContentType,
                    MessageId = to.MessageId,
                    Persistent = true,
                    Headers = activityId is null ? null : new Dictionary<string, object?> { [ActivityIdHeader] = activityId },
                };
                confirms.Add((message, to, channel.BasicPublishAsync(to.Exchange, to.RoutingKey, false, properties, body, deadline.Token).AsTask()));
            }
            catch (Exception ex)
            {
                confirms.Add((message, to, Task.FromException(ex)));
            }
        }

        // Every confirm observed, whatever happens to the others (none left unobserved when the caller cancels).
        await Task.WhenAll(confirms.Select(c => c.Confirmed)).ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        callerToken.ThrowIfCancellationRequested();
        var allConfirmed = true;
        foreach (var (message, to, confirmed) in confirms)
        {
            if (confirmed.IsCompletedSuccessfully)
            {
                PricingTelemetry.RecordPublished(to.Provider, to.EventName);
                _observers.Confirmed(message);

                continue;
            }

            allConfirmed = false;
            var error = confirmed.IsCanceled || confirmed.Exception?.GetBaseException() is OperationCanceledException
                ? ct.IsCancellationRequested
                    ? new OperationCanceledException("The RabbitMQ.Client publisher is stopping.")
                    : new TimeoutException($"The broker did not confirm within {_confirmTimeout.TotalSeconds:0} s.")
                : confirmed.Exception!.GetBaseException();
            failed.Enqueue((message, error));
        }

        return allConfirmed;
    }

    private static void Fail<T>(IReadOnlyList<T> messages, int from, ConcurrentQueue<(object Message, Exception Error)> failed, Exception error)
        where T : class
    {
        for (var i = from; i < messages.Count; i++)
        {
            failed.Enqueue((messages[i], error));
        }
    }

    private async Task AbortAsync()
    {
        logger.LogWarning("RabbitMQ.Client publisher: a publish was refused, lost or not confirmed within {Timeout}; opening a fresh connection", _confirmTimeout);
        if (_channel is not null)
        {
            await _channel.DisposeAsync();
            _channel = null;
        }

        if (_connection is not null)
        {
            await _connection.DisposeAsync();
            _connection = null;
        }
    }

    private async Task<IChannel> ChannelAsync(CancellationToken cancellationToken)
    {
        if (_channel is { IsOpen: true })
        {
            return _channel;
        }

        if (_connection is not { IsOpen: true })
        {
            if (_connection is not null)
            {
                await _connection.DisposeAsync();
            }

            var factory = RabbitConnections.Factory(configuration);
            // This publisher reopens what it needs on the next window or retry; a recovery of its own under it would race that.
            factory.AutomaticRecoveryEnabled = false;
            factory.TopologyRecoveryEnabled = false;
            _connection = await factory.CreateConnectionAsync(RabbitConnections.Endpoints(configuration, factory), "pricing per-change publisher", cancellationToken);
            var host = factory.Uri.Host;
            var vhost = factory.VirtualHost == "/" ? "" : "/" + Uri.EscapeDataString(factory.VirtualHost);
            _sourceAddress = $"rabbitmq://{host}{vhost}/{Environment.MachineName}_{Environment.ProcessId}";
            _changesAddress = $"rabbitmq://{host}{vhost}/{PriceChangeTopology.ExchangeName}?type=topic";
            _versionsAddress = $"rabbitmq://{host}{vhost}/{PriceChangeTopology.CatalogVersionsExchangeName}?type=fanout";
        }

        if (_channel is not null)
        {
            logger.LogInformation("Per-change publisher channel closed ({Reason}); opening another", _channel.CloseReason?.ReplyText);
            await _channel.DisposeAsync();
        }

        _channel = await _connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true),
            cancellationToken);
        // The exchange MassTransit declares for the same messages, with the same arguments (durable topic).
        await _channel.ExchangeDeclareAsync(PriceChangeTopology.ExchangeName, ExchangeType.Topic, durable: true, autoDelete: false, cancellationToken: cancellationToken);
        await _channel.ExchangeDeclareAsync(PriceChangeTopology.CatalogVersionsExchangeName, ExchangeType.Fanout, durable: true, autoDelete: false, cancellationToken: cancellationToken);
        return _channel;
    }

    /// <summary>The message in MassTransit's JSON envelope (docs/events.md), written into <paramref name="buffer"/> and copied out.</summary>
    private ReadOnlyMemory<byte> Envelope<T>(T message, Outgoing to, string? activityId, ArrayBufferWriter<byte> buffer)
        where T : class
    {
        buffer.ResetWrittenCount();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("messageId", to.MessageId);
            writer.WriteString("conversationId", to.MessageId);
            writer.WriteString("sourceAddress", _sourceAddress);
            writer.WriteString("destinationAddress", to.Exchange == PriceChangeTopology.ExchangeName ? _changesAddress : _versionsAddress);
            writer.WriteStartArray("messageType");
            writer.WriteStringValue(to.MessageType);
            writer.WriteEndArray();
            writer.WritePropertyName("message");
            JsonSerializer.Serialize(writer, message, SystemTextJsonMessageSerializer.Options);
            writer.WriteString("sentTime", DateTime.UtcNow);
            writer.WriteStartObject("headers");
            if (activityId is not null)
            {
                // Where MassTransit puts it too, so a MassTransit subscriber's consume span joins the scrape's trace.
                writer.WriteString(ActivityIdHeader, activityId);
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// A GUID named by the change's identity (provider, version, offer key), so a change published again after a lost
    /// confirm carries the same id (a subscriber deduplicating on the message id drops it, as one on the identity does).
    /// </summary>
    public static string MessageIdOf(AcceleratorPriceChanged change) => NamedGuid($"{change.Provider}|{change.CatalogVersion}|{change.OfferKey}");

    private static string NamedGuid(string name) =>
        new Guid(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(name)).AsSpan(0, 16)).ToString();

    public async ValueTask DisposeAsync()
    {
        // A publish under way ends (its changes reported as failed, to be retried by whoever publishes next) before the channel goes.
        await _disposing.CancelAsync();
        var entered = await _gate.WaitAsync(TimeSpan.FromSeconds(5));
        if (_channel is not null)
        {
            await _channel.DisposeAsync();
        }

        if (_connection is not null)
        {
            await _connection.DisposeAsync();
        }

        if (entered)
        {
            _gate.Release();
        }
    }
}
