using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using MassTransit.Serialization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
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
public sealed class RabbitSubscriberChangePublisher(IConfiguration configuration, ILogger<RabbitSubscriberChangePublisher> logger)
    : ISubscriberChangePublisher, IAsyncDisposable
{
    /// <summary><c>Scrape:SubscriberPublisher</c>: <c>RabbitMQ</c> (the default on RabbitMQ) or <c>MassTransit</c> (its publish pipeline, as before).</summary>
    public const string PublisherKey = "Scrape:SubscriberPublisher";

    private const string ContentType = "application/vnd.masstransit+json";
    private static readonly string[] MessageType = ["urn:message:Pricing.Contracts.Events:AcceleratorPriceChanged"];

    // One window in flight per process: the channel's confirms are awaited together.
    private readonly SemaphoreSlim _gate = new(1, 1);
    private IConnection? _connection;
    private IChannel? _channel;
    private string? _sourceAddress;
    private string? _destinationAddress;

    /// <summary>True on RabbitMQ unless <see cref="PublisherKey"/> asks for MassTransit's pipeline.</summary>
    public static bool IsUsed(IConfiguration configuration) =>
        RabbitConnections.UsesRabbitMq(configuration) && !string.Equals(configuration[PublisherKey], "MassTransit", StringComparison.OrdinalIgnoreCase);

    public async Task PublishAsync(IReadOnlyList<AcceleratorPriceChanged> changes, int window, ConcurrentQueue<(object Message, Exception Error)> failed,
        CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            IChannel channel;
            try
            {
                channel = await ChannelAsync(cancellationToken);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                foreach (var change in changes)
                {
                    failed.Enqueue((change, ex));
                }

                return;
            }

            var buffer = new ArrayBufferWriter<byte>(1024);
            for (var start = 0; start < changes.Count; start += Math.Max(1, window))
            {
                var batch = changes.Skip(start).Take(Math.Max(1, window)).ToList();
                var confirms = new List<(AcceleratorPriceChanged Change, Task Confirmed)>(batch.Count);
                foreach (var change in batch)
                {
                    try
                    {
                        var messageId = MessageIdOf(change);
                        var body = Envelope(change, messageId, buffer);
                        var properties = new BasicProperties
                        {
                            ContentType = ContentType,
                            MessageId = messageId,
                            Persistent = true,
                            Headers = Activity.Current is { } activity ? new Dictionary<string, object?> { ["MT-Activity-Id"] = activity.Id } : null,
                        };
                        confirms.Add((change, channel.BasicPublishAsync(PriceChangeTopology.ExchangeName, change.RoutingKey, false, properties, body, cancellationToken).AsTask()));
                    }
                    catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
                    {
                        confirms.Add((change, Task.FromException(ex)));
                    }
                }

                foreach (var (change, confirmed) in confirms)
                {
                    try
                    {
                        await confirmed;
                        PricingTelemetry.RecordPublished(change.Provider, nameof(AcceleratorPriceChanged));
                    }
                    catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
                    {
                        failed.Enqueue((change, ex));
                    }
                }
            }
        }
        finally
        {
            _gate.Release();
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
            _connection = await factory.CreateConnectionAsync(RabbitConnections.Endpoints(configuration, factory), "pricing per-change publisher", cancellationToken);
            var host = factory.Uri.Host;
            var vhost = factory.VirtualHost == "/" ? "" : "/" + Uri.EscapeDataString(factory.VirtualHost);
            _sourceAddress = $"rabbitmq://{host}{vhost}/{Environment.MachineName}_{Environment.ProcessId}";
            _destinationAddress = $"rabbitmq://{host}{vhost}/{PriceChangeTopology.ExchangeName}?type=topic";
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
        return _channel;
    }

    /// <summary>The change in MassTransit's JSON envelope (docs/events.md), written into <paramref name="buffer"/> and copied out.</summary>
    private ReadOnlyMemory<byte> Envelope(AcceleratorPriceChanged change, string messageId, ArrayBufferWriter<byte> buffer)
    {
        buffer.ResetWrittenCount();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("messageId", messageId);
            writer.WriteString("conversationId", messageId);
            writer.WriteString("sourceAddress", _sourceAddress);
            writer.WriteString("destinationAddress", _destinationAddress);
            writer.WriteStartArray("messageType");
            foreach (var type in MessageType)
            {
                writer.WriteStringValue(type);
            }

            writer.WriteEndArray();
            writer.WritePropertyName("message");
            JsonSerializer.Serialize(writer, change, SystemTextJsonMessageSerializer.Options);
            writer.WriteString("sentTime", DateTime.UtcNow);
            writer.WriteStartObject("headers");
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// A GUID named by the change's identity (provider, version, offer key), so a change published again after a lost
    /// confirm carries the same id (a subscriber deduplicating on the message id drops it, as one on the identity does).
    /// </summary>
    public static string MessageIdOf(AcceleratorPriceChanged change)
    {
        var identity = System.Text.Encoding.UTF8.GetBytes($"{change.Provider}|{change.CatalogVersion}|{change.OfferKey}");
        return new Guid(System.Security.Cryptography.SHA256.HashData(identity).AsSpan(0, 16)).ToString();
    }

    public async ValueTask DisposeAsync()
    {
        if (_channel is not null)
        {
            await _channel.DisposeAsync();
        }

        if (_connection is not null)
        {
            await _connection.DisposeAsync();
        }

        _gate.Dispose();
    }
}
