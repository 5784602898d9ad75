using RabbitMQ.Client;

namespace PriceChanges.Tests;

/// <summary>
/// What a plain AMQP subscriber does (docs/events.md): its own exclusive queue bound to one of our exchanges, declared
/// first with the arguments the publishers declare it with, read with plain RabbitMQ.Client.
/// </summary>
internal sealed class ExchangeTap : IAsyncDisposable
{
    private readonly IConnection _connection;

    private ExchangeTap(IConnection connection, IChannel channel, string queue) => (_connection, Channel, Queue) = (connection, channel, queue);

    public IChannel Channel { get; }

    public string Queue { get; }

    public static async Task<ExchangeTap> OpenAsync(string vhost, string exchange, string exchangeType, string routingKey, CancellationToken ct)
    {
        var connection = await new ConnectionFactory { Uri = new Uri(vhost) }.CreateConnectionAsync(ct);
        var channel = await connection.CreateChannelAsync(cancellationToken: ct);
        await channel.ExchangeDeclareAsync(exchange, exchangeType, durable: true, autoDelete: false, cancellationToken: ct);
        var queue = (await channel.QueueDeclareAsync("", durable: false, exclusive: true, autoDelete: true, cancellationToken: ct)).QueueName;
        await channel.QueueBindAsync(queue, exchange, routingKey, cancellationToken: ct);
        return new ExchangeTap(connection, channel, queue);
    }

    /// <summary>The next message, acked, or null when the queue is empty.</summary>
    public Task<BasicGetResult?> GetAsync(CancellationToken ct) => Channel.BasicGetAsync(Queue, autoAck: true, ct);

    public async ValueTask DisposeAsync()
    {
        await Channel.DisposeAsync();
        await _connection.DisposeAsync();
    }
}
