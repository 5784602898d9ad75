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
        return new CatalogVersionChanges("aws", 7, 6, 1, 2, 5, 900, 1, Now,
            [Change(1, ChangeKind.Added), Change(2, ChangeKind.Changed), Change(3, ChangeKind.Removed)]);
    }

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

    [Theory]
    [InlineData("")]
    [InlineData("[]")]
    [InlineData("{\"messageId\":\"1\"}")]
    [InlineData("{\"message\":null}")]
    [InlineData("{\"message\":{\"changes\":[{\"kind\":\"Sideways\"}]}}")]
    [InlineData("{\"message\":{\"provider\":\"aws\"")]
    public void Anything_but_an_envelope_holding_a_part_is_a_JsonException(string body) =>
        Assert.ThrowsAny<JsonException>(() => VersionPartJson.Read(Encoding.UTF8.GetBytes(body)));
}
