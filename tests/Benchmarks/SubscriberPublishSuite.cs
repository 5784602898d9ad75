using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Pricing.Contracts.Events;
using Pricing.Sources;
using RabbitMQ.Client;

namespace Pricing.Benchmarks;

/// <summary>
/// What the per-change messages for topic subscribers cost on their own, against a real RabbitMQ and nothing else in the
/// process: versions of N changes through <see cref="RabbitSubscriberChangePublisher"/> (envelope, message id, confirms),
/// then the same count of bodies of the same size through RabbitMQ.Client alone on a confirm-tracking channel, so what
/// is ours and what is the client's and the broker's can be told apart (issue 25: the per-change messages cost about as
/// much as everything Quotes does in a burst).
/// </summary>
public sealed class SubscriberPublishSuite : IBenchmarkSuite
{
    public string Name => "subscriber-publish";

    public string Description => "per-change messages alone: RabbitSubscriberChangePublisher against RabbitMQ.Client with the same bodies, CPU µs a message (options: --changes N --versions N --rounds N)";

    public async Task<int> RunAsync(string[] args)
    {
        var count = QuoteThroughputSuite.Option(args, "--changes", 1000);
        var versions = QuoteThroughputSuite.Option(args, "--versions", 10);
        var rounds = QuoteThroughputSuite.Option(args, "--rounds", 3);
        var (amqp, management, _) = PropagationMeasures.Servers();
        var runId = Guid.NewGuid().ToString("N")[..12];
        await using var vhost = await PropagationVirtualHost.CreateAsync(amqp, management, $"pricing-bench-publish-{runId}");
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:rabbitmq"] = vhost.Uri,
        }).Build();
        var options = Options.Create(new ScrapeOptions());
        await using var publisher = new RabbitSubscriberChangePublisher(configuration, options, NullLogger<RabbitSubscriberChangePublisher>.Instance);
        var changes = Changes(count);

        // The raw side: one connection and confirm-tracking channel, bodies as long as the publisher's envelopes.
        var factory = new ConnectionFactory { Uri = new Uri(vhost.Uri) };
        await using var connection = await factory.CreateConnectionAsync("pricing raw publish bench");
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        await channel.ExchangeDeclareAsync(PriceChangeTopology.ExchangeName, ExchangeType.Topic, durable: true);
        var body = new byte[EnvelopeLength(changes[0])];
        // The same with Nagle's algorithm on (the client turns it off): back-to-back publishes share TCP segments.
        var nagleFactory = new ConnectionFactory
        {
            Uri = new Uri(vhost.Uri),
            SocketFactory = family => new TcpClientAdapter(new System.Net.Sockets.Socket(family, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp) { NoDelay = false }),
        };
        await using var nagleConnection = await nagleFactory.CreateConnectionAsync("pricing raw publish bench, nagle");
        await using var nagle = await nagleConnection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        // The same without the client's tracking: confirms counted from the broker's acks by sequence number.
        await using var untracked = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: false));
        var acked = 0UL;
        TaskCompletionSource? through = null;
        ulong awaited = 0;
        untracked.BasicAcksAsync += (_, ack) =>
        {
            acked = Math.Max(acked, ack.DeliveryTag);
            if (through is { } t && acked >= awaited)
            {
                t.TrySetResult();
            }

            return Task.CompletedTask;
        };

        async Task Ours()
        {
            var failed = new ConcurrentQueue<(object Message, Exception Error)>();
            await publisher.PublishAsync(changes, options.Value.PublishWindow, failed, CancellationToken.None);
            if (!failed.IsEmpty)
            {
                throw new InvalidOperationException($"{failed.Count} messages not confirmed: {failed.First().Error.Message}");
            }
        }

        Task Raw() => RawOn(channel);

        async Task RawOn(IChannel channel)
        {
            var confirms = new List<Task>(changes.Count);
            foreach (var change in changes)
            {
                var properties = new BasicProperties { ContentType = "application/vnd.masstransit+json", MessageId = Guid.NewGuid().ToString(), Persistent = true };
                confirms.Add(channel.BasicPublishAsync(PriceChangeTopology.ExchangeName, change.RoutingKey, false, properties, body).AsTask());
            }

            await Task.WhenAll(confirms);
        }

        async Task RawUntracked()
        {
            var first = await untracked.GetNextPublishSequenceNumberAsync();
            awaited = first + (ulong)changes.Count - 1;
            through = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            foreach (var change in changes)
            {
                var properties = new BasicProperties { ContentType = "application/vnd.masstransit+json", MessageId = Guid.NewGuid().ToString(), Persistent = true };
                await untracked.BasicPublishAsync(PriceChangeTopology.ExchangeName, change.RoutingKey, false, properties, body);
            }

            if (acked < awaited)
            {
                await through.Task;
            }
        }

        Task Nagle() => RawOn(nagle);

        await Ours();
        await Raw();
        await Nagle();
        await RawUntracked();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"subscriber-publish: 2 cores; {rounds} interleaved rounds of {versions} versions x {count:N0} changes, window {options.Value.PublishWindow}; raw bodies {body.Length:N0} B (a change's JSON and ~330 B for the envelope around it); no queue bound (routing and confirms only)"));
        var ours = new List<(double Process, double Broker, double Rate)>();
        var raw = new List<(double Process, double Broker, double Rate)>();
        var rawUntracked = new List<(double Process, double Broker, double Rate)>();
        var rawNagle = new List<(double Process, double Broker, double Rate)>();
        for (var round = 0; round < rounds; round++)
        {
            ours.Add(await MeasureAsync(Ours, versions, count));
            raw.Add(await MeasureAsync(Raw, versions, count));
            rawUntracked.Add(await MeasureAsync(RawUntracked, versions, count));
            rawNagle.Add(await MeasureAsync(Nagle, versions, count));
        }

        static string Row(string name, List<(double Process, double Broker, double Rate)> figures) => string.Create(CultureInfo.InvariantCulture,
            $"| {name} | {string.Join(", ", figures.Select(f => f.Process.ToString("F1", CultureInfo.InvariantCulture)))} | {string.Join(", ", figures.Select(f => f.Broker.ToString("F1", CultureInfo.InvariantCulture)))} | {string.Join(", ", figures.Select(f => f.Rate.ToString("N0", CultureInfo.InvariantCulture)))} |");
        Console.WriteLine();
        Console.WriteLine("| publisher | process CPU µs a message (rounds) | RabbitMQ CPU µs a message | messages/s |");
        Console.WriteLine("|---|---|---|---|");
        Console.WriteLine(Row("RabbitSubscriberChangePublisher (envelope, message id, confirms per window)", ours));
        Console.WriteLine(Row("RabbitMQ.Client alone (same body size, confirm tracking)", raw));
        Console.WriteLine(Row("RabbitMQ.Client alone, confirms counted from the acks (no tracking)", rawUntracked));
        Console.WriteLine(Row("RabbitMQ.Client alone, confirm tracking, Nagle on", rawNagle));
        return 0;
    }

    private static async Task<(double Process, double Broker, double Rate)> MeasureAsync(Func<Task> publishVersion, int versions, int count)
    {
        var before = CpuTimes.Sample();
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        for (var i = 0; i < versions; i++)
        {
            await publishVersion();
        }

        var elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(started);
        var used = CpuTimes.Sample() - before;
        double messages = (long)versions * count;
        return (used.Process.TotalMicroseconds / messages, used.Broker.TotalMicroseconds / messages, messages / elapsed.TotalSeconds);
    }

    private static int EnvelopeLength(AcceleratorPriceChanged change)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new System.Text.Json.Utf8JsonWriter(buffer))
        {
            // The change and about what the envelope adds around it (ids, addresses, type, time).
            writer.WriteStartObject();
            writer.WritePropertyName("message");
            PriceChangeJsonWriter.WriteChange(writer, change);
            writer.WriteEndObject();
        }

        return buffer.WrittenCount + 330;
    }

    private static List<AcceleratorPriceChanged> Changes(int count)
    {
        var asOf = DateTimeOffset.UtcNow;
        return [.. Enumerable.Range(0, count).Select(i =>
        {
            var offer = new OfferSnapshot("aws", $"region-{i % 17}", null, $"p5.{i}xlarge", "nvidia-h100-80gb", 8, 192, 2048, "spot",
                98.32m + i, "USD", asOf, $"SKU{i:D8}", $"meter-{i}");
            return new AcceleratorPriceChanged("aws", 2, offer.OfferKey, ChangeKind.Changed, offer.Region, offer.AcceleratorId, offer.PricingModel,
                97.5m + i, offer.PricePerInstanceHour, "USD", offer, asOf);
        })];
    }
}
