using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using MassTransit.Serialization;
using Pricing.Contracts.Events;
using Quotes.Consumers;

namespace Pricing.Benchmarks;

/// <summary>
/// What a version part costs to write and to read, without broker or threads: a part of N synthetic changes serialized
/// with MassTransit's JSON options (what the provider writes, through MassTransit or RabbitMQ.Client) and read by
/// Quotes' <see cref="VersionPartJson"/> (issue 25: where the lone version's time goes).
/// </summary>
public sealed class VersionPartJsonSuite : IBenchmarkSuite
{
    public string Name => "version-part-json";

    public string Description => "write (MassTransit's JSON options) and read (VersionPartJson) one version part, ms and MB/s (options: --changes N --iterations N)";

    public Task<int> RunAsync(string[] args)
    {
        var count = QuoteThroughputSuite.Option(args, "--changes", 256);
        var iterations = QuoteThroughputSuite.Option(args, "--iterations", 200);
        var asOf = DateTimeOffset.UtcNow;
        var changes = Enumerable.Range(0, count).Select(i =>
        {
            var offer = new OfferSnapshot("aws", $"region-{i % 17}", null, $"p5.{i}xlarge", "nvidia-h100-80gb", 8, 192, 2048, "spot",
                98.32m + i, "USD", asOf, $"SKU{i:D8}", $"meter-{i}");
            return new AcceleratorPriceChanged("aws", 2, offer.OfferKey, ChangeKind.Changed, offer.Region, offer.AcceleratorId, offer.PricingModel,
                97.5m + i, offer.PricePerInstanceHour, "USD", offer, asOf);
        }).ToArray();
        var part = new CatalogVersionChanges("aws", 2, 1, 1, 1, count, 10_000, 0, asOf, changes);

        var buffer = new ArrayBufferWriter<byte>(1 << 20);
        // The part as MassTransit's serializer writes it (what went to the broker before), and as the publisher writes it now.
        byte[] Write(bool masstransit)
        {
            buffer.ResetWrittenCount();
            using (var writer = new Utf8JsonWriter(buffer))
            {
                writer.WriteStartObject();
                writer.WritePropertyName("message");
                if (masstransit)
                {
                    JsonSerializer.Serialize(writer, part, SystemTextJsonMessageSerializer.Options);
                }
                else
                {
                    Pricing.Sources.PriceChangeJsonWriter.WritePart(writer, part);
                }

                writer.WriteEndObject();
            }

            return buffer.WrittenSpan.ToArray();
        }

        var masstransitBody = Write(masstransit: true);
        var body = Write(masstransit: false);
        for (var i = 0; i < 20; i++)
        {
            Write(masstransit: true);
            Write(masstransit: false);
            VersionPartJson.Read(body);
            VersionPartJson.Read(masstransitBody);
        }

        Stopwatch Time(Action action)
        {
            var watch = Stopwatch.StartNew();
            for (var i = 0; i < iterations; i++)
            {
                action();
            }

            watch.Stop();
            return watch;
        }

        var writeMassTransit = Time(() => Write(masstransit: true));
        var write = Time(() => Write(masstransit: false));
        var readMassTransit = Time(() => VersionPartJson.Read(masstransitBody));
        var read = Time(() => VersionPartJson.Read(body));
        double Ms(Stopwatch s) => s.Elapsed.TotalMilliseconds / iterations;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"version-part-json: {count} changes, {iterations} iterations, one thread; as MassTransit writes it {masstransitBody.Length:N0} B ({masstransitBody.Length / (double)count:N0} B a change), as PriceChangeJsonWriter writes it {body.Length:N0} B ({body.Length / (double)count:N0} B a change)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  write (MassTransit's serializer)      {Ms(writeMassTransit),7:N2} ms"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  write (PriceChangeJsonWriter)         {Ms(write),7:N2} ms   {Ms(writeMassTransit) / Ms(write):N1}x faster"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  read (VersionPartJson), MassTransit's {Ms(readMassTransit),7:N2} ms"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  read (VersionPartJson), the writer's  {Ms(read),7:N2} ms"));
        return Task.FromResult(0);
    }
}
