using System.Text.Json;
using Pricing.Contracts.Events;

namespace Quotes.Consumers;

/// <summary>
/// Reads a <see cref="CatalogVersionChanges"/> straight out of the MassTransit JSON envelope it travels in
/// (docs/events.md): one forward pass over the body with a <see cref="Utf8JsonReader"/>, the envelope's other
/// properties skipped, the <c>message</c> property read field by field into the records (<see cref="VersionPartReader"/>).
/// (MassTransit parses the envelope into a document first and then deserializes the message from it: two passes over a
/// part of ~200 KB.) Names as MassTransit writes them (camelCase, matched without regard to case), enums by name or number.
/// </summary>
public static class VersionPartJson
{
    /// <summary>The part in <paramref name="body"/>; <see cref="JsonException"/> when it is not an envelope holding one.</summary>
    public static CatalogVersionChanges Read(ReadOnlySpan<byte> body)
    {
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 32 });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("The body is not a JSON envelope.");
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isMessage = reader.ValueTextEquals("message"u8);
            if (!reader.Read())
            {
                break;
            }

            if (isMessage)
            {
                return reader.TokenType == JsonTokenType.Null
                    ? throw new JsonException("The envelope's message is null.")
                    : VersionPartReader.ReadPart(ref reader);
            }

            reader.Skip();
        }

        throw new JsonException("The envelope holds no message.");
    }
}
