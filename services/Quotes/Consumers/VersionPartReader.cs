using System.Buffers.Text;
using System.Text.Json;
using Pricing.Contracts.Events;

namespace Quotes.Consumers;

/// <summary>
/// Reads a <see cref="CatalogVersionChanges"/> message (the envelope's <c>message</c> value) field by field with the
/// <see cref="Utf8JsonReader"/>, straight into the records' constructors: what System.Text.Json's generated metadata did
/// for records (each constructor argument cached, then the record built) cost more than the broker and the fan-out
/// together on the consume path (docs/benchmarks.md). The rules are those of <c>JsonSerializerDefaults.Web</c> with enums
/// by name, which <c>VersionPartJsonTests</c> holds it to against the serializer itself: names in any case, numbers
/// also as strings, kinds by name (any case) or number, unknown properties skipped, a missing one its default.
/// </summary>
internal static class VersionPartReader
{
    // Each record's constructor arguments in order, then what it writes besides (computed properties), skipped by name.
    private static readonly Field[] PartFields = Fields("provider", "catalogVersion", "previousVersion", "part", "parts", "changeCount", "offerCount",
        "quarantined", "asOf", "changes");

    private static readonly Field[] ChangeFields = Fields("provider", "catalogVersion", "offerKey", "kind", "region", "acceleratorId", "pricingModel",
        "oldPricePerInstanceHour", "newPricePerInstanceHour", "currency", "offer", "observedAt", "routingKey");

    private static readonly Field[] OfferFields = Fields("provider", "region", "zone", "instanceType", "acceleratorId", "acceleratorsPerInstance", "vcpus",
        "memoryGib", "pricingModel", "pricePerInstanceHour", "currency", "effectiveDate", "skuId", "meterId", "offerKey", "pricePerAcceleratorHour");

    private sealed record Field(byte[] Utf8, string Name);

    private static Field[] Fields(params string[] names) => [.. names.Select(n => new Field(System.Text.Encoding.UTF8.GetBytes(n), n))];

    /// <summary>The part whose object starts at the reader's current token; the reader ends on its closing brace.</summary>
    public static CatalogVersionChanges ReadPart(ref Utf8JsonReader reader)
    {
        Expect(ref reader, JsonTokenType.StartObject);
        string? provider = null;
        long version = 0, previous = 0;
        int part = 0, parts = 0, changeCount = 0, offerCount = 0, quarantined = 0;
        DateTimeOffset asOf = default;
        AcceleratorPriceChanged[]? changes = null;
        // The few values most changes repeat (provider, region, accelerator, model, currency...), one string each per part:
        // the records of a part live until its history is written and the view holds its offers for a whole version.
        var shared = new Dictionary<string, string>(StringComparer.Ordinal);
        while (NextField(ref reader, PartFields) is var field and not End)
        {
            switch (field)
            {
                case 0: provider = String(ref reader); break;
                case 1: version = Int64(ref reader); break;
                case 2: previous = Int64(ref reader); break;
                case 3: part = Int32(ref reader); break;
                case 4: parts = Int32(ref reader); break;
                case 5: changeCount = Int32(ref reader); break;
                case 6: offerCount = Int32(ref reader); break;
                case 7: quarantined = Int32(ref reader); break;
                case 8: asOf = Time(ref reader); break;
                case 9: changes = Changes(ref reader, shared); break;
                default: reader.Skip(); break;
            }
        }

        return new CatalogVersionChanges(provider!, version, previous, part, parts, changeCount, offerCount, quarantined, asOf, changes!);
    }

    private static AcceleratorPriceChanged[]? Changes(ref Utf8JsonReader reader, Dictionary<string, string> shared)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        Expect(ref reader, JsonTokenType.StartArray);
        var changes = new List<AcceleratorPriceChanged>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            changes.Add(reader.TokenType == JsonTokenType.Null ? null! : Change(ref reader, shared));
        }

        return [.. changes];
    }

    private static AcceleratorPriceChanged Change(ref Utf8JsonReader reader, Dictionary<string, string> shared)
    {
        Expect(ref reader, JsonTokenType.StartObject);
        string? provider = null, offerKey = null, region = null, accelerator = null, model = null, currency = null;
        long version = 0;
        ChangeKind kind = default;
        decimal? oldPrice = null, newPrice = null;
        OfferSnapshot? offer = null;
        DateTimeOffset observedAt = default;
        while (NextField(ref reader, ChangeFields) is var field and not End)
        {
            switch (field)
            {
                case 0: provider = Shared(ref reader, shared); break;
                case 1: version = Int64(ref reader); break;
                case 2: offerKey = String(ref reader); break;
                case 3: kind = Kind(ref reader); break;
                case 4: region = Shared(ref reader, shared); break;
                case 5: accelerator = Shared(ref reader, shared); break;
                case 6: model = Shared(ref reader, shared); break;
                case 7: oldPrice = NullableDecimal(ref reader); break;
                case 8: newPrice = NullableDecimal(ref reader); break;
                case 9: currency = Shared(ref reader, shared); break;
                case 10: offer = reader.TokenType == JsonTokenType.Null ? null : Offer(ref reader, shared); break;
                case 11: observedAt = Time(ref reader); break;
                default: reader.Skip(); break;
            }
        }

        return new AcceleratorPriceChanged(provider!, version, offerKey!, kind, region!, accelerator!, model!, oldPrice, newPrice, currency!, offer, observedAt);
    }

    private static OfferSnapshot Offer(ref Utf8JsonReader reader, Dictionary<string, string> shared)
    {
        Expect(ref reader, JsonTokenType.StartObject);
        string? provider = null, region = null, zone = null, instance = null, accelerator = null, model = null, currency = null, sku = null, meter = null;
        decimal perInstance = 0, memory = 0, price = 0;
        int vcpus = 0;
        DateTimeOffset effective = default;
        while (NextField(ref reader, OfferFields) is var field and not End)
        {
            switch (field)
            {
                case 0: provider = Shared(ref reader, shared); break;
                case 1: region = Shared(ref reader, shared); break;
                case 2: zone = Shared(ref reader, shared); break;
                case 3: instance = Shared(ref reader, shared); break;
                case 4: accelerator = Shared(ref reader, shared); break;
                case 5: perInstance = Decimal(ref reader); break;
                case 6: vcpus = Int32(ref reader); break;
                case 7: memory = Decimal(ref reader); break;
                case 8: model = Shared(ref reader, shared); break;
                case 9: price = Decimal(ref reader); break;
                case 10: currency = Shared(ref reader, shared); break;
                case 11: effective = Time(ref reader); break;
                case 12: sku = String(ref reader); break;
                case 13: meter = String(ref reader); break;
                default: reader.Skip(); break;
            }
        }

        return new OfferSnapshot(provider!, region!, zone, instance!, accelerator!, perInstance, vcpus, memory, model!, price, currency!, effective, sku!, meter!);
    }

    private const int End = -2;

    /// <summary>
    /// Moves to the next property's value: its index in <paramref name="fields"/> (matched as written, else without regard
    /// to case), -1 for one not there (to skip), <see cref="End"/> at the object's end.
    /// </summary>
    private static int NextField(ref Utf8JsonReader reader, Field[] fields)
    {
        if (!reader.Read())
        {
            throw new JsonException("The part ends inside an object.");
        }

        if (reader.TokenType == JsonTokenType.EndObject)
        {
            return End;
        }

        var field = -1;
        for (var i = 0; i < fields.Length; i++)
        {
            if (reader.ValueTextEquals(fields[i].Utf8))
            {
                field = i;
                break;
            }
        }

        if (field < 0 && reader.GetString() is { } name)
        {
            field = Array.FindIndex(fields, f => string.Equals(f.Name, name, StringComparison.OrdinalIgnoreCase));
        }

        if (!reader.Read())
        {
            throw new JsonException("The part ends after a property name.");
        }

        return field;
    }

    private static void Expect(ref Utf8JsonReader reader, JsonTokenType type)
    {
        if (reader.TokenType != type)
        {
            throw new JsonException($"Expected {type}, found {reader.TokenType}.");
        }
    }

    private static string? String(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.Null => null,
        JsonTokenType.String => reader.GetString(),
        _ => throw new JsonException($"Expected a string, found {reader.TokenType}."),
    };

    private const int SharedMaxLength = 64;
    private const int SharedMaxCount = 1024;

    /// <summary>A short string, the one instance <paramref name="shared"/> holds for its text (up to <see cref="SharedMaxCount"/> of them).</summary>
    private static string? Shared(ref Utf8JsonReader reader, Dictionary<string, string> shared)
    {
        if (reader.TokenType != JsonTokenType.String || reader.ValueIsEscaped || reader.HasValueSequence || reader.ValueSpan.Length > SharedMaxLength)
        {
            return String(ref reader);
        }

        Span<char> chars = stackalloc char[SharedMaxLength];
        var text = chars[..System.Text.Encoding.UTF8.GetChars(reader.ValueSpan, chars)];
        if (shared.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(text, out var known))
        {
            return known;
        }

        var value = new string(text);
        if (shared.Count < SharedMaxCount)
        {
            shared[value] = value;
        }

        return value;
    }

    private static long Int64(ref Utf8JsonReader reader) =>
        reader.TokenType == JsonTokenType.Number ? reader.GetInt64() : Quoted(ref reader, static (ReadOnlySpan<byte> s, out long v) => Utf8Parser.TryParse(s, out v, out var n) && n == s.Length);

    private static int Int32(ref Utf8JsonReader reader) =>
        reader.TokenType == JsonTokenType.Number ? reader.GetInt32() : Quoted(ref reader, static (ReadOnlySpan<byte> s, out int v) => Utf8Parser.TryParse(s, out v, out var n) && n == s.Length);

    private static decimal Decimal(ref Utf8JsonReader reader) =>
        reader.TokenType == JsonTokenType.Number ? reader.GetDecimal() : Quoted(ref reader, static (ReadOnlySpan<byte> s, out decimal v) => Utf8Parser.TryParse(s, out v, out var n) && n == s.Length);

    private static decimal? NullableDecimal(ref Utf8JsonReader reader) => reader.TokenType == JsonTokenType.Null ? null : Decimal(ref reader);

    private delegate bool Parser<T>(ReadOnlySpan<byte> text, out T value);

    /// <summary>A number written as a string (<c>JsonNumberHandling.AllowReadingFromString</c>, as the Web defaults read).</summary>
    private static T Quoted<T>(ref Utf8JsonReader reader, Parser<T> parse)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            throw new JsonException($"Expected a number, found {reader.TokenType}.");
        }

        var text = reader.HasValueSequence || reader.ValueIsEscaped ? System.Text.Encoding.UTF8.GetBytes(reader.GetString()!) : reader.ValueSpan;
        return parse(text, out var value) ? value : throw new JsonException("A number written as a string is not a number.");
    }

    private static DateTimeOffset Time(ref Utf8JsonReader reader)
    {
        Expect(ref reader, JsonTokenType.String);
        return reader.TryGetDateTimeOffset(out var value) ? value : throw new JsonException("Not an ISO 8601 time.");
    }

    private static ChangeKind Kind(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.Number)
        {
            return (ChangeKind)reader.GetInt32();
        }

        Expect(ref reader, JsonTokenType.String);
        var name = reader.GetString()!;
        // By name in any case, or its number in a string, as the enum converter reads it.
        return Enum.TryParse<ChangeKind>(name, ignoreCase: true, out var kind)
            ? kind
            : throw new JsonException($"Not a change kind: {(name.Length > 20 ? name[..20] + "…" : name)}.");
    }

}
