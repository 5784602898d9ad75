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
        byte[] Write()
        {
            buffer.ResetWrittenCount();
            using (var writer = new Utf8JsonWriter(buffer))
            {
                writer.WriteStartObject();
                writer.WritePropertyName("message");
                JsonSerializer.Serialize(writer, part, SystemTextJsonMessageSerializer.Options);
                writer.WriteEndObject();
            }

            return buffer.WrittenSpan.ToArray();
        }

        var body = Write();
        for (var i = 0; i < 20; i++)
        {
            Write();
            VersionPartJson.Read(body);
        }

        var write = Stopwatch.StartNew();
        for (var i = 0; i < iterations; i++)
        {
            Write();
        }

        write.Stop();
        var read = Stopwatch.StartNew();
        for (var i = 0; i < iterations; i++)
        {
            VersionPartJson.Read(body);
        }

        read.Stop();
        double Ms(Stopwatch s) => s.Elapsed.TotalMilliseconds / iterations;
        double MbPerS(Stopwatch s) => body.Length / 1e6 / (s.Elapsed.TotalSeconds / iterations);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"version-part-json: {count} changes, {body.Length:N0} B ({body.Length / (double)count:N0} B a change), {iterations} iterations, one thread"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  write (MassTransit's options)   {Ms(write),7:N2} ms  {MbPerS(write),6:N0} MB/s"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  read (VersionPartJson)          {Ms(read),7:N2} ms  {MbPerS(read),6:N0} MB/s"));
        return Task.FromResult(0);
    }
}
