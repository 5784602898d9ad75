// Subscribes to price changes with a routing-key pattern and prints one line per change:
//   <routing key> <provider> <catalog version> <kind> <offer key> <old price> <new price>
// Usage: PriceChangeSubscriber <amqp uri> <pattern> [queue name]
//   e.g. PriceChangeSubscriber amqp://guest:guest@localhost:5672/ "*.*.nvidia-h100-80gb.spot"
// Without a queue name the queue is server-named, exclusive and auto-deleted (a live tap that keeps nothing
// while you are away); with one it is durable, so changes wait for you across restarts.
using System.Text.Json;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

if (args.Length < 2)
{
    Console.Error.WriteLine("usage: PriceChangeSubscriber <amqp uri> <routing pattern> [durable queue name]");
    return 2;
}

const string Exchange = "pricing.price-changes";
var factory = new ConnectionFactory { Uri = new Uri(args[0]), AutomaticRecoveryEnabled = true };
await using var connection = await factory.CreateConnectionAsync();
await using var channel = await connection.CreateChannelAsync();

// The exchange is declared by the publisher; declaring it again with the same arguments is harmless and lets
// a subscriber start first.
await channel.ExchangeDeclareAsync(Exchange, ExchangeType.Topic, durable: true, autoDelete: false);
var queue = args.Length > 2
    ? (await channel.QueueDeclareAsync(args[2], durable: true, exclusive: false, autoDelete: false)).QueueName
    : (await channel.QueueDeclareAsync("", durable: false, exclusive: true, autoDelete: true)).QueueName;
await channel.QueueBindAsync(queue, Exchange, args[1]);
await channel.BasicQosAsync(0, 100, false);

var consumer = new AsyncEventingBasicConsumer(channel);
consumer.ReceivedAsync += async (_, delivery) =>
{
    // The body is MassTransit's JSON envelope; the change itself is under "message".
    using var envelope = JsonDocument.Parse(delivery.Body);
    var m = envelope.RootElement.GetProperty("message");
    Console.WriteLine(string.Join(' ',
        delivery.RoutingKey,
        m.GetProperty("provider").GetString(),
        m.GetProperty("catalogVersion").GetInt64(),
        Kind(m.GetProperty("kind")),
        m.GetProperty("offerKey").GetString(),
        Price(m, "oldPricePerInstanceHour"),
        Price(m, "newPricePerInstanceHour")));
    // Acknowledge after the work is done (here: printing), so a crash before it means redelivery, not loss.
    await channel.BasicAckAsync(delivery.DeliveryTag, multiple: false);
};
await channel.BasicConsumeAsync(queue, autoAck: false, consumer);
Console.WriteLine($"READY {queue} {args[1]}");

var stop = new TaskCompletionSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.TrySetResult(); };
// Closing stdin also stops it (how a parent process ends it cleanly).
_ = Task.Run(() => { while (Console.In.ReadLine() is not null) { } stop.TrySetResult(); });
await stop.Task;
return 0;

// The kind travels as its number (docs/events.md): 1 Added, 2 Changed, 3 Removed.
static string Kind(JsonElement kind) => kind.ValueKind == JsonValueKind.Number
    ? kind.GetInt32() switch { 1 => "Added", 2 => "Changed", 3 => "Removed", var other => other.ToString(System.Globalization.CultureInfo.InvariantCulture) }
    : kind.ToString();

// Prices travel as decimal strings ("9.8712", exact); a number is read as well. Absent or null: "-".
static string Price(JsonElement message, string name) =>
    !message.TryGetProperty(name, out var p) ? "-"
    : p.ValueKind == JsonValueKind.String ? p.GetString()!
    : p.ValueKind == JsonValueKind.Number ? p.GetRawText()
    : "-";
