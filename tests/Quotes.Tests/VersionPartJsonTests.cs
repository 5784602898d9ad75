using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MassTransit.Serialization;
using Pricing.Contracts.Events;
using Quotes.Consumers;

namespace Quotes.Tests;

/// <summary>
/// <see cref="VersionPartJson"/> reads a version part out of the MassTransit envelope in one pass: the part as
/// MassTransit's own serializer options write it comes back equal, whatever the order of the envelope's other
/// properties, with kinds by name or by number; anything else is a <see cref="JsonException"/>.
/// </summary>
public sealed class VersionPartJsonTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 6, 0, 0, TimeSpan.Zero);

    private static CatalogVersionChanges Part()
    {
        AcceleratorPriceChanged Change(int i, ChangeKind kind) => new("aws", 7, $"aws|us-east-1||p5.{i}xlarge|on_demand", kind, "us-east-1",
            "nvidia-h100-80gb", "on_demand", kind == ChangeKind.Added ? null : 98.32m + i, kind == ChangeKind.Removed ? null : 55.04m + i, "USD",
            kind == ChangeKind.Removed ? null : new OfferSnapshot("aws", "us-east-1", null, $"p5.{i}xlarge", "nvidia-h100-80gb", 8m, 192, 2048m,
                "on_demand", 55.04m + i, "USD", Now, $"SKU{i}", $"M{i}"), Now);
        // Every field of every record set, and different from the others (a field the reader missed would read back as its default).
        var zoned = Change(4, ChangeKind.Changed) with { Offer = Change(4, ChangeKind.Changed).Offer! with { Zone = "us-east-1a", Vcpus = 96, MemoryGib = 1024.5m } };
        return new CatalogVersionChanges("aws", 7, 6, 1, 2, 5, 900, 3, Now.AddHours(-1),
            [Change(1, ChangeKind.Added), Change(2, ChangeKind.Changed), Change(3, ChangeKind.Removed), zoned]);
    }

    // What the reader is held to: the serializer itself, with the Web defaults and enums by name.
    private static readonly JsonSerializerOptions Oracle = new(JsonSerializerDefaults.Web) { Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() } };

    private static byte[] Envelope(JsonNode message, bool messageFirst)
    {
        var envelope = new JsonObject();
        if (messageFirst)
        {
            envelope["message"] = message;
        }

        envelope["messageId"] = Guid.NewGuid();
        envelope["messageType"] = new JsonArray("urn:message:Pricing.Contracts.Events:CatalogVersionChanges");
        envelope["headers"] = new JsonObject { ["nested"] = new JsonObject { ["message"] = "not this one" } };
        if (!messageFirst)
        {
            envelope["message"] = message;
        }

        envelope["host"] = new JsonObject { ["machineName"] = "x" };
        return Encoding.UTF8.GetBytes(envelope.ToJsonString());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_part_as_MassTransit_writes_it_reads_back_equal(bool messageFirst)
    {
        var part = Part();
        var message = JsonSerializer.SerializeToNode(part, SystemTextJsonMessageSerializer.Options)!;

        var read = VersionPartJson.Read(Envelope(message, messageFirst));

        Assert.Equal(part with { Changes = [] }, read with { Changes = [] });
        Assert.Equal(part.Changes, read.Changes);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Kinds_given_by_name_or_number_read_as_kinds(bool byName)
    {
        var message = JsonSerializer.SerializeToNode(Part(), SystemTextJsonMessageSerializer.Options)!;
        var changes = message["changes"]!.AsArray();
        for (var i = 0; i < changes.Count; i++)
        {
            var kind = Part().Changes[i].Kind;
            changes[i]!["kind"] = byName ? JsonValue.Create(kind.ToString()) : JsonValue.Create((int)kind);
        }

        Assert.Equal(Part().Changes.Select(c => c.Kind), VersionPartJson.Read(Envelope(message, messageFirst: false)).Changes.Select(c => c.Kind));
    }

    public static TheoryData<string> Variants => ["as written", "names in upper case", "names in Pascal case", "numbers as strings",
        "unknown properties", "fields missing", "nulls"];

    /// <summary>Whatever the sender's casing, number style, extra or missing fields: the same part as the serializer reads.</summary>
    [Theory]
    [MemberData(nameof(Variants))]
    public void A_part_reads_as_the_serializer_reads_it(string variant)
    {
        var message = JsonSerializer.SerializeToNode(Part(), SystemTextJsonMessageSerializer.Options)!;
        message = Rewrite(message, variant);

        var read = VersionPartJson.Read(Envelope(message, messageFirst: false));
        var expected = message.Deserialize<CatalogVersionChanges>(Oracle)!;

        Assert.Equal(expected with { Changes = [] }, read with { Changes = [] });
        Assert.Equal(expected.Changes, read.Changes);
    }

    private static JsonNode Rewrite(JsonNode node, string variant)
    {
        switch (node)
        {
            case JsonObject obj:
                var rewritten = new JsonObject();
                foreach (var (name, value) in obj.ToList())
                {
                    obj.Remove(name);
                    if (variant == "fields missing" && name is "quarantined" or "region" or "skuId" or "observedAt")
                    {
                        continue;
                    }

                    var renamed = variant switch
                    {
                        "names in upper case" => name.ToUpperInvariant(),
                        "names in Pascal case" => char.ToUpperInvariant(name[0]) + name[1..],
                        _ => name,
                    };
                    rewritten[renamed] = variant == "nulls" && name is "zone" or "currency" or "oldPricePerInstanceHour" or "meterId"
                        ? null
                        : value is null ? null : Rewrite(value, variant);
                }

                if (variant == "unknown properties")
                {
                    rewritten["extra"] = new JsonObject { ["nested"] = new JsonArray(1, "two", null) };
                }

                return rewritten;
            case JsonArray array:
                return new JsonArray([.. array.ToList().Select(item => { array.Remove(item); return item is null ? null : Rewrite(item, variant); })]);
            case JsonValue value when variant == "numbers as strings" && value.GetValueKind() == JsonValueKind.Number:
                return JsonValue.Create(value.ToJsonString());
            default:
                return node;
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("[]")]
    [InlineData("{\"messageId\":\"1\"}")]
    [InlineData("{\"message\":null}")]
    [InlineData("{\"message\":{\"changes\":[{\"kind\":\"Sideways\"}]}}")]
    [InlineData("{\"message\":{\"provider\":\"aws\"")]
    [InlineData("{\"message\":{\"catalogVersion\":\"seven\"}}")]
    [InlineData("{\"message\":{\"asOf\":\"yesterday\"}}")]
    [InlineData("{\"message\":{\"changes\":{}}}")]
    [InlineData("{\"message\":{\"provider\":7}}")]
    public void Anything_but_an_envelope_holding_a_part_is_a_JsonException(string body) =>
        Assert.ThrowsAny<JsonException>(() => VersionPartJson.Read(Encoding.UTF8.GetBytes(body)));
}
