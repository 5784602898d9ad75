using System.Globalization;
using System.Text.Json;
using Pricing.Contracts.Events;

namespace Pricing.Sources;

/// <summary>
/// Writes the <c>message</c> of an envelope field by field, in MassTransit 8.5's value types (docs/events.md: decimals as
/// exact strings, whole numbers as numbers, <c>kind</c> as its number) and property order, instead of the reflection
/// serializer: an <see cref="AcceleratorPriceChanged"/> exactly as MassTransit writes it (the contract topic subscribers
/// read), and a <see cref="CatalogVersionChanges"/> without what each change repeats computed from its other fields
/// (<see cref="Computed"/>: about a sixth fewer bytes for the broker and Quotes; any reader of the records, MassTransit's
/// or <c>VersionPartJson</c>, builds the same records). <c>PriceChangeJsonWriterTests</c> holds both to MassTransit's own
/// serialization, field for field.
/// </summary>
public static class PriceChangeJsonWriter
{
    /// <summary>The properties MassTransit writes that this writer leaves out, by record: computed from the others.</summary>
    public static readonly IReadOnlyDictionary<string, string[]> Computed = new Dictionary<string, string[]>
    {
        [nameof(AcceleratorPriceChanged)] = ["routingKey"],
        [nameof(OfferSnapshot)] = ["offerKey", "pricePerAcceleratorHour"],
    };

    public static void WritePart(Utf8JsonWriter writer, CatalogVersionChanges part)
    {
        writer.WriteStartObject();
        writer.WriteString("provider", part.Provider);
        writer.WriteNumber("catalogVersion", part.CatalogVersion);
        writer.WriteNumber("previousVersion", part.PreviousVersion);
        writer.WriteNumber("part", part.Part);
        writer.WriteNumber("parts", part.Parts);
        writer.WriteNumber("changeCount", part.ChangeCount);
        writer.WriteNumber("offerCount", part.OfferCount);
        writer.WriteNumber("quarantined", part.Quarantined);
        writer.WriteString("asOf", part.AsOf);
        writer.WriteStartArray("changes");
        foreach (var change in part.Changes)
        {
            WriteChange(writer, change, computed: false);
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    /// <summary>A change as its own message: every property MassTransit writes, computed ones included (the topic's contract).</summary>
    public static void WriteChange(Utf8JsonWriter writer, AcceleratorPriceChanged change) => WriteChange(writer, change, computed: true);

    private static void WriteChange(Utf8JsonWriter writer, AcceleratorPriceChanged change, bool computed)
    {
        writer.WriteStartObject();
        writer.WriteString("provider", change.Provider);
        writer.WriteNumber("catalogVersion", change.CatalogVersion);
        writer.WriteString("offerKey", change.OfferKey);
        writer.WriteNumber("kind", (int)change.Kind);
        writer.WriteString("region", change.Region);
        writer.WriteString("acceleratorId", change.AcceleratorId);
        writer.WriteString("pricingModel", change.PricingModel);
        Decimal(writer, "oldPricePerInstanceHour", change.OldPricePerInstanceHour);
        Decimal(writer, "newPricePerInstanceHour", change.NewPricePerInstanceHour);
        writer.WriteString("currency", change.Currency);
        if (change.Offer is { } offer)
        {
            writer.WriteStartObject("offer");
            writer.WriteString("provider", offer.Provider);
            writer.WriteString("region", offer.Region);
            writer.WriteString("zone", offer.Zone);
            writer.WriteString("instanceType", offer.InstanceType);
            writer.WriteString("acceleratorId", offer.AcceleratorId);
            Decimal(writer, "acceleratorsPerInstance", offer.AcceleratorsPerInstance);
            writer.WriteNumber("vcpus", offer.Vcpus);
            Decimal(writer, "memoryGib", offer.MemoryGib);
            writer.WriteString("pricingModel", offer.PricingModel);
            Decimal(writer, "pricePerInstanceHour", offer.PricePerInstanceHour);
            writer.WriteString("currency", offer.Currency);
            writer.WriteString("effectiveDate", offer.EffectiveDate);
            writer.WriteString("skuId", offer.SkuId);
            writer.WriteString("meterId", offer.MeterId);
            if (computed)
            {
                writer.WriteString("offerKey", offer.OfferKey);
                Decimal(writer, "pricePerAcceleratorHour", offer.PricePerAcceleratorHour);
            }

            writer.WriteEndObject();
        }
        else
        {
            writer.WriteNull("offer");
        }

        writer.WriteString("observedAt", change.ObservedAt);
        if (computed)
        {
            writer.WriteString("routingKey", change.RoutingKey);
        }

        writer.WriteEndObject();
    }

    /// <summary>An exact decimal as a string, as MassTransit writes it (every digit and the scale kept: 12.3400 stays "12.3400").</summary>
    private static void Decimal(Utf8JsonWriter writer, string name, decimal? value)
    {
        if (value is not { } number)
        {
            writer.WriteNull(name);
            return;
        }

        Span<char> text = stackalloc char[40];
        writer.WriteString(name, number.TryFormat(text, out var length, provider: CultureInfo.InvariantCulture) ? text[..length] : number.ToString(CultureInfo.InvariantCulture));
    }
}
