using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Pricing.Contracts.Events;
using Pricing.ServiceDefaults;
using RabbitMQ.Client;

namespace Pricing.Sources;

/// <summary>
/// One connection and one publisher-confirm channel of <see cref="RabbitSubscriberChangePublisher"/>, for one kind of
/// message (the per-change messages, or the version parts), so neither waits behind the other's window: one window in
/// flight at a time (<see cref="Gate"/>), and after anything was refused, lost or not confirmed, a fresh connection and
/// channel for the next (<see cref="AbortAsync"/>): whatever state the broker keeps for the old ones is not trusted again.
/// </summary>
internal sealed class RabbitConfirmLane(IConfiguration configuration, string connectionName, ILogger logger) : IAsyncDisposable
{
    private IConnection? _connection;
    private IChannel? _channel;

    /// <summary>Held for a whole window: the channel's confirms are awaited together.</summary>
    public SemaphoreSlim Gate { get; } = new(1, 1);

    /// <summary>The envelope's <c>sourceAddress</c>, as MassTransit writes it (set once per connection).</summary>
    public string? SourceAddress { get; private set; }

    /// <summary>The envelope's <c>destinationAddress</c> for the topic exchange of the per-change messages.</summary>
    public string? ChangesAddress { get; private set; }

    /// <summary>The envelope's <c>destinationAddress</c> for the fanout exchange of the version parts.</summary>
    public string? VersionsAddress { get; private set; }

    /// <summary>The open channel, else a fresh one (on a fresh connection when that one is gone too), with both exchanges declared.</summary>
    public async Task<IChannel> ChannelAsync(CancellationToken cancellationToken)
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
            // The lane reopens what it needs on the next window or retry; a recovery of its own under it would race that.
            factory.AutomaticRecoveryEnabled = false;
            factory.TopologyRecoveryEnabled = false;
            _connection = await factory.CreateConnectionAsync(RabbitConnections.Endpoints(configuration, factory), connectionName, cancellationToken);
            var host = factory.Uri.Host;
            var vhost = factory.VirtualHost == "/" ? "" : "/" + Uri.EscapeDataString(factory.VirtualHost);
            SourceAddress = $"rabbitmq://{host}{vhost}/{Environment.MachineName}_{Environment.ProcessId}";
            ChangesAddress = $"rabbitmq://{host}{vhost}/{PriceChangeTopology.ExchangeName}?type=topic";
            VersionsAddress = $"rabbitmq://{host}{vhost}/{PriceChangeTopology.CatalogVersionsExchangeName}?type=fanout";
        }

        if (_channel is not null)
        {
            logger.LogInformation("{Connection}: channel closed ({Reason}); opening another", connectionName, _channel.CloseReason?.ReplyText);
            await _channel.DisposeAsync();
        }

        _channel = await _connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true),
            cancellationToken);
        // The exchanges MassTransit declares for the same messages, with the same arguments (durable topic, durable fanout).
        await _channel.ExchangeDeclareAsync(PriceChangeTopology.ExchangeName, ExchangeType.Topic, durable: true, autoDelete: false, cancellationToken: cancellationToken);
        await _channel.ExchangeDeclareAsync(PriceChangeTopology.CatalogVersionsExchangeName, ExchangeType.Fanout, durable: true, autoDelete: false, cancellationToken: cancellationToken);
        return _channel;
    }

    /// <summary>Drops the channel and the connection: the next window opens fresh ones.</summary>
    public async Task AbortAsync(TimeSpan confirmTimeout)
    {
        logger.LogWarning("{Connection}: a publish was refused, lost or not confirmed within {Timeout}; opening a fresh connection", connectionName, confirmTimeout);
        await DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
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
}
