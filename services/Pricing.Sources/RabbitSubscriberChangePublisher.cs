using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Pricing.Contracts.Events;
using Pricing.ServiceDefaults;
using RabbitMQ.Client;

namespace Pricing.Sources;

/// <summary>
/// The per-change messages for topic subscribers, published with RabbitMQ.Client on a channel of its own with publisher
/// confirms: each change is written as MassTransit's JSON envelope (the message exactly as MassTransit's serializer writes
/// it, by <see cref="PriceChangeJsonWriter"/>, so a MassTransit subscriber and one in any language read exactly what they
/// read before; docs/events.md) to
/// the durable topic exchange <see cref="PriceChangeTopology.ExchangeName"/> with the change's routing key. A window of
/// publishes is written back to back on the caller's flow and their confirms awaited together. The version parts for
/// Quotes go the same way, in the same envelope (the part written by <see cref="PriceChangeJsonWriter"/>), on a second
/// connection and channel (<see cref="RabbitConfirmLane"/>), so a part never waits behind a window of per-change messages.
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

    private readonly CancellationTokenSource _disposing = new();
    private readonly TimeSpan _confirmTimeout = options.Value.PublishTimeout;
    // The per-change messages and the version parts each on a connection and channel of their own: a version's parts
    // never wait behind the previous version's window of per-change messages.
    private readonly RabbitConfirmLane _changes = new(configuration, "pricing per-change publisher", logger);
    private readonly RabbitConfirmLane _parts = new(configuration, "pricing version-part publisher", logger);
    private readonly DirectPublishObservers _observers = new();

    /// <summary>Tells <paramref name="observer"/> about every message written from now until the result is disposed.</summary>
    public IDisposable ConnectObserver(IDirectPublishObserver observer) => _observers.Connect(observer);

    /// <summary>
    /// True on RabbitMQ: the version parts go through it, and the per-change messages too unless <see cref="PublisherKey"/>
    /// asks for MassTransit.
    /// </summary>
    public static bool IsUsed(IConfiguration configuration) => RabbitConnections.UsesRabbitMq(configuration);

    public Task PublishAsync(IReadOnlyList<AcceleratorPriceChanged> changes, int window, ConcurrentQueue<(object Message, Exception Error)> failed,
        CancellationToken cancellationToken) =>
        PublishManyAsync(_changes, changes, window, inOrder: false, PriceChangeJsonWriter.WriteChange, static change => new Outgoing(PriceChangeTopology.ExchangeName, change.RoutingKey,
            MessageIdOf(change), ChangeMessageType, change.Provider, nameof(AcceleratorPriceChanged)), failed, cancellationToken);

    public Task PublishVersionPartsAsync(IReadOnlyList<CatalogVersionChanges> parts, ConcurrentQueue<(object Message, Exception Error)> failed,
        CancellationToken cancellationToken) =>
        // One at a time, in order; from a part not confirmed on, the rest are reported failed too, so no later part overtakes it.
        PublishManyAsync(_parts, parts, window: 1, inOrder: true, PriceChangeJsonWriter.WritePart, static part => new Outgoing(PriceChangeTopology.CatalogVersionsExchangeName, "",
            NamedGuid($"part|{part.Provider}|{part.CatalogVersion}|{part.Part}"), PartMessageType, part.Provider, nameof(CatalogVersionChanges)), failed, cancellationToken);

    /// <summary>Where a message goes and what its envelope says.</summary>
    private sealed record Outgoing(string Exchange, string RoutingKey, string MessageId, string MessageType, string Provider, string EventName);

    private async Task PublishManyAsync<T>(RabbitConfirmLane lane, IReadOnlyList<T> messages, int window, bool inOrder, Action<Utf8JsonWriter, T> write,
        Func<T, Outgoing> describe,
        ConcurrentQueue<(object Message, Exception Error)> failed, CancellationToken cancellationToken)
        where T : class
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _disposing.Token);
        var ct = linked.Token;
        try
        {
            await lane.Gate.WaitAsync(ct);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            Fail(messages, 0, failed, new ObjectDisposedException(nameof(RabbitSubscriberChangePublisher)));
            return;
        }

        try
        {
            // One buffer and one writer for the whole call, reset for each message.
            var buffer = new ArrayBufferWriter<byte>(1024);
            using var writer = new Utf8JsonWriter(buffer);
            var size = Math.Max(1, window);
            for (var start = 0; start < messages.Count; start += size)
            {
                IChannel channel;
                try
                {
                    channel = await lane.ChannelAsync(ct);
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
                {
                    Fail(messages, start, failed, ex);
                    return;
                }

                var batch = messages.Skip(start).Take(size).ToList();
                if (!await PublishWindowAsync(lane, channel, batch, write, describe, buffer, writer, failed, ct, cancellationToken))
                {
                    // Something was refused, lost or not confirmed within PublishTimeout: whatever state the broker keeps for
                    // this channel and connection is not trusted again; the next window, or the retry, opens fresh ones.
                    await lane.AbortAsync(_confirmTimeout);
                    if (inOrder)
                    {
                        Fail(messages, start + size, failed, new InvalidOperationException("An earlier message of the same sequence was not confirmed."));
                        return;
                    }
                }
            }
        }
        finally
        {
            lane.Gate.Release();
        }
    }

    /// <summary>One window: every publish written, then every confirm awaited (up to PublishTimeout); false when any failed.</summary>
    private async Task<bool> PublishWindowAsync<T>(RabbitConfirmLane lane, IChannel channel, List<T> batch, Action<Utf8JsonWriter, T> write, Func<T, Outgoing> describe,
        ArrayBufferWriter<byte> buffer, Utf8JsonWriter writer, ConcurrentQueue<(object Message, Exception Error)> failed, CancellationToken ct,
        CancellationToken callerToken)
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
                var body = Envelope(lane, message, write, to, activityId, buffer, writer);
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

    /// <summary>
    /// The message in MassTransit's JSON envelope (docs/events.md), its <c>message</c> written by <paramref name="write"/>
    /// (<see cref="PriceChangeJsonWriter"/>), into <paramref name="buffer"/> by <paramref name="writer"/> (its writer; both
    /// reset here for each message) and copied out.
    /// </summary>
    private static ReadOnlyMemory<byte> Envelope<T>(RabbitConfirmLane lane, T message, Action<Utf8JsonWriter, T> write, Outgoing to, string? activityId,
        ArrayBufferWriter<byte> buffer, Utf8JsonWriter writer)
        where T : class
    {
        buffer.ResetWrittenCount();
        writer.Reset();
        writer.WriteStartObject();
        writer.WriteString(EnvelopeName.MessageId, to.MessageId);
        writer.WriteString(EnvelopeName.ConversationId, to.MessageId);
        writer.WriteString(EnvelopeName.SourceAddress, lane.SourceAddress);
        writer.WriteString(EnvelopeName.DestinationAddress, to.Exchange == PriceChangeTopology.ExchangeName ? lane.ChangesAddress : lane.VersionsAddress);
        writer.WriteStartArray(EnvelopeName.MessageType);
        writer.WriteStringValue(to.MessageType);
        writer.WriteEndArray();
        writer.WritePropertyName(EnvelopeName.Message);
        write(writer, message);

        writer.WriteString(EnvelopeName.SentTime, DateTime.UtcNow);
        writer.WriteStartObject(EnvelopeName.Headers);
        if (activityId is not null)
        {
            // Where MassTransit puts it too, so a MassTransit subscriber's consume span joins the scrape's trace.
            writer.WriteString(ActivityIdHeader, activityId);
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// A GUID named by the change's identity (provider, version, offer key), so a change published again after a lost
    /// confirm carries the same id (a subscriber deduplicating on the message id drops it, as one on the identity does).
    /// </summary>
    public static string MessageIdOf(AcceleratorPriceChanged change) => NamedGuid($"{change.Provider}|{change.CatalogVersion}|{change.OfferKey}");

    private static string NamedGuid(string name) =>
        new Guid(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(name)).AsSpan(0, 16)).ToString();

    /// <summary>The envelope's property names, encoded once.</summary>
    private static class EnvelopeName
    {
        public static readonly JsonEncodedText MessageId = JsonEncodedText.Encode("messageId");
        public static readonly JsonEncodedText ConversationId = JsonEncodedText.Encode("conversationId");
        public static readonly JsonEncodedText SourceAddress = JsonEncodedText.Encode("sourceAddress");
        public static readonly JsonEncodedText DestinationAddress = JsonEncodedText.Encode("destinationAddress");
        public static readonly JsonEncodedText MessageType = JsonEncodedText.Encode("messageType");
        public static readonly JsonEncodedText Message = JsonEncodedText.Encode("message");
        public static readonly JsonEncodedText SentTime = JsonEncodedText.Encode("sentTime");
        public static readonly JsonEncodedText Headers = JsonEncodedText.Encode("headers");
    }

    public async ValueTask DisposeAsync()
    {
        // A publish under way ends (its messages reported as failed, to be retried by whoever publishes next) before the channels go.
        await _disposing.CancelAsync();
        foreach (var lane in new[] { _changes, _parts })
        {
            var entered = await lane.Gate.WaitAsync(TimeSpan.FromSeconds(5));
            await lane.DisposeAsync();
            if (entered)
            {
                lane.Gate.Release();
            }
        }
    }
}
