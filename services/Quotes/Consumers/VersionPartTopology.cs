using System.Diagnostics;
using System.Globalization;
using System.Text;
using Pricing.Contracts.Events;
using Pricing.ServiceDefaults;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;

namespace Quotes.Consumers;

/// <summary>
/// The broker side of <see cref="RabbitVersionPartConsumer"/>, declared as MassTransit declares a receive endpoint, so
/// either consumer finds the other's queues as it would have made them: a durable quorum queue, an exchange of the
/// same name (fanout) bound to it, and the version exchange bound to that exchange; a part that could not be handled
/// goes to <c>{queue}_error</c> (exchange and queue of that name) with MassTransit's fault headers.
/// </summary>
public static class VersionPartTopology
{
    private const int MaxFaultMessageLength = 500;

    /// <summary>A channel (publisher confirms on, for the error queue) with <paramref name="queue"/> declared and bound.</summary>
    public static async Task<IChannel> DeclareAsync(IConnection connection, string queue, TimeSpan? expiry, ILogger logger, CancellationToken cancellationToken)
    {
        var channel = await CreateChannelAsync(connection, cancellationToken);
        var arguments = new Dictionary<string, object?> { ["x-queue-type"] = "quorum" };
        if (expiry is { } expires)
        {
            arguments["x-expires"] = (long)expires.TotalMilliseconds;
        }

        await channel.ExchangeDeclareAsync(PriceChangeTopology.CatalogVersionsExchangeName, ExchangeType.Fanout, durable: true, autoDelete: false,
            cancellationToken: cancellationToken);
        await channel.ExchangeDeclareAsync(queue, ExchangeType.Fanout, durable: true, autoDelete: false, cancellationToken: cancellationToken);
        try
        {
            await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false, arguments, cancellationToken: cancellationToken);
        }
        catch (OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode == Constants.PreconditionFailed)
        {
            // The queue exists with other arguments (declared by another version): use it as it is.
            logger.LogWarning("Queue {Queue} exists with other arguments; consuming it as it is: {Error}", queue, ex.Message);
            await channel.DisposeAsync();
            channel = await CreateChannelAsync(connection, cancellationToken);
            await channel.QueueDeclarePassiveAsync(queue, cancellationToken);
        }

        await channel.QueueBindAsync(queue, queue, routingKey: "", cancellationToken: cancellationToken);
        await channel.ExchangeBindAsync(queue, PriceChangeTopology.CatalogVersionsExchangeName, routingKey: "", cancellationToken: cancellationToken);
        return channel;
    }

    /// <summary>
    /// Moves a delivery to <c>{queue}_error</c> (published with a confirm, then acked, so it is never lost in between),
    /// with the reason in MassTransit's fault headers, bounded (an error never echoes unbounded input).
    /// </summary>
    public static async Task MoveToErrorQueueAsync(IChannel channel, string queue, BasicDeliverEventArgs delivery, Exception error, ILogger logger)
    {
        var errorQueue = queue + "_error";
        logger.LogWarning("{Queue}: a version part went to {ErrorQueue}: {Error}", queue, errorQueue, Bounded(error.Message));
        try
        {
            await channel.ExchangeDeclareAsync(errorQueue, ExchangeType.Fanout, durable: true, autoDelete: false);
            await channel.QueueDeclareAsync(errorQueue, durable: true, exclusive: false, autoDelete: false);
            await channel.QueueBindAsync(errorQueue, errorQueue, routingKey: "");
            var properties = new BasicProperties(delivery.BasicProperties)
            {
                Headers = new Dictionary<string, object?>(delivery.BasicProperties.Headers ?? new Dictionary<string, object?>())
                {
                    ["MT-Reason"] = "fault",
                    ["MT-Fault-ExceptionType"] = error.GetType().FullName,
                    ["MT-Fault-Message"] = Bounded(error.Message),
                    ["MT-Fault-Timestamp"] = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture),
                    ["MT-Fault-InputAddress"] = queue,
                },
            };
            await channel.BasicPublishAsync(errorQueue, routingKey: "", mandatory: false, properties, delivery.Body);
            await AckAsync(channel, delivery.DeliveryTag, logger);
        }
        catch (Exception ex) when (ex is AlreadyClosedException or OperationInterruptedException or PublishException)
        {
            // Not acked: the part is delivered again once the channel is back, and goes to the error queue then.
            logger.LogWarning("{Queue}: could not move a part to {ErrorQueue} yet: {Error}", queue, errorQueue, ex.Message);
        }
    }

    /// <summary>Acks a delivery; a channel that closed meanwhile leaves it unacked, and the broker delivers it again.</summary>
    public static async Task AckAsync(IChannel channel, ulong deliveryTag, ILogger logger)
    {
        try
        {
            await channel.BasicAckAsync(deliveryTag, multiple: false);
        }
        catch (Exception ex) when (ex is AlreadyClosedException or OperationInterruptedException)
        {
            logger.LogInformation("A version part's ack was lost with its channel ({Error}); it will be delivered again", ex.Message);
        }
    }

    /// <summary>
    /// A Consumer span of the "Pricing" source for one delivery, child of the publisher's span when the message carries
    /// its W3C id (MassTransit's <c>MT-Activity-Id</c> header, or <c>traceparent</c>); null when nobody listens.
    /// </summary>
    public static Activity? StartConsumeActivity(string queue, BasicDeliverEventArgs delivery, CatalogVersionChanges part)
    {
        if (!PricingTelemetry.ActivitySource.HasListeners())
        {
            return null;
        }

        var parent = default(ActivityContext);
        var headers = delivery.BasicProperties.Headers;
        foreach (var name in (string[])["MT-Activity-Id", "traceparent"])
        {
            if (headers?.TryGetValue(name, out var value) == true && value is byte[] or string
                && ActivityContext.TryParse(value is byte[] bytes ? Encoding.UTF8.GetString(bytes) : (string)value, null, out parent))
            {
                break;
            }
        }

        var activity = PricingTelemetry.ActivitySource.StartActivity($"{queue} receive", ActivityKind.Consumer, parent);
        activity?.SetTag("messaging.system", "rabbitmq");
        activity?.SetTag("messaging.destination.name", queue);
        activity?.SetTag("pricing.provider", part.Provider);
        activity?.SetTag("pricing.catalog_version", part.CatalogVersion);
        activity?.SetTag("pricing.part", part.Part);
        return activity;
    }

    private static Task<IChannel> CreateChannelAsync(IConnection connection, CancellationToken cancellationToken) =>
        connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true),
            cancellationToken);

    private static string Bounded(string text) => text.Length <= MaxFaultMessageLength ? text : text[..MaxFaultMessageLength] + "…";
}
