using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MassTransit.Serialization;
using Pricing.Contracts.Events;
using Pricing.Sources;

namespace PriceChanges.Tests;

/// <summary>
/// <see cref="PriceChangeJsonWriter"/> writes exactly what MassTransit's own serializer writes for a part, field for field
/// and value for value, less the properties it names as computed: a field added to the records and not to the writer
/// fails here. MassTransit reads it back into equal records.
/// </summary>
public sealed class PriceChangeJsonWriterTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 6, 0, 0, TimeSpan.FromHours(-5));

    private static CatalogVersionChanges Part()
    {
        AcceleratorPriceChanged Change(int i, ChangeKind kind, string? zone) => new("aws", 7, $"aws|us-east-1|{zone}|p5.{i}xlarge|spot", kind, "us-east-1",
            "nvidia-h100-80gb", "spot", kind == ChangeKind.Added ? null : 98.3200m + i, kind == ChangeKind.Removed ? null : 55.04m / 3,
            "USD", kind == ChangeKind.Removed ? null : new OfferSnapshot("aws", "us-east-1", zone, $"p5.{i}xlarge", "nvidia-h100-80gb", 0.5m, 192,
                2048.50m, "spot", 55.04m + i, "USD", Now.AddDays(-i), $"SKU\"{i}", $"M{i}é"), Now.AddTicks(12345));
        return new CatalogVersionChanges("aws", 7, 6, 2, 3, 5, 900, 4, Now,
            [Change(1, ChangeKind.Added, null), Change(2, ChangeKind.Changed, "us-east-1a"), Change(3, ChangeKind.Removed, null)]);
    }

    private static JsonNode Written(CatalogVersionChanges part)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            PriceChangeJsonWriter.WritePart(writer, part);
        }

        return JsonNode.Parse(Encoding.UTF8.GetString(stream.ToArray()))!;
    }

    [Fact]
    public void It_writes_what_MassTransit_writes_less_the_computed_properties()
    {
        var expected = JsonSerializer.SerializeToNode(Part(), SystemTextJsonMessageSerializer.Options)!;
        foreach (var change in expected["changes"]!.AsArray())
        {
            foreach (var name in PriceChangeJsonWriter.Computed[nameof(AcceleratorPriceChanged)])
            {
                Assert.True(change!.AsObject().Remove(name), $"MassTransit no longer writes {name}");
            }

            if (change!["offer"] is JsonObject offer)
            {
                foreach (var name in PriceChangeJsonWriter.Computed[nameof(OfferSnapshot)])
                {
                    Assert.True(offer.Remove(name), $"MassTransit no longer writes offer.{name}");
                }
            }
        }

        var written = Written(Part());

        Assert.True(JsonNode.DeepEquals(expected, written), $"expected {expected.ToJsonString()}\nwritten  {written.ToJsonString()}");
    }

    [Fact]
    public void A_change_is_written_exactly_as_MassTransit_writes_it()
    {
        // Byte for byte, on the same kind of writer the publisher's envelope uses.
        static string With(Action<Utf8JsonWriter> write)
        {
            using var stream = new MemoryStream();
            using (var writer = new Utf8JsonWriter(stream))
            {
                write(writer);
            }

            return Encoding.UTF8.GetString(stream.ToArray());
        }

        foreach (var change in Part().Changes)
        {
            Assert.Equal(With(w => JsonSerializer.Serialize(w, change, SystemTextJsonMessageSerializer.Options)),
                With(w => PriceChangeJsonWriter.WriteChange(w, change)));
        }
    }

    [Fact]
    public void MassTransit_reads_it_back_into_equal_records()
    {
        var read = Written(Part()).Deserialize<CatalogVersionChanges>(SystemTextJsonMessageSerializer.Options)!;

        Assert.Equal(Part() with { Changes = [] }, read with { Changes = [] });
        Assert.Equal(Part().Changes, read.Changes);
    }
}
