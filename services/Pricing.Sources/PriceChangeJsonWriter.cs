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
        writer.WriteString(Name.Provider, part.Provider);
        writer.WriteNumber(Name.CatalogVersion, part.CatalogVersion);
        writer.WriteNumber(Name.PreviousVersion, part.PreviousVersion);
        writer.WriteNumber(Name.Part, part.Part);
        writer.WriteNumber(Name.Parts, part.Parts);
        writer.WriteNumber(Name.ChangeCount, part.ChangeCount);
        writer.WriteNumber(Name.OfferCount, part.OfferCount);
        writer.WriteNumber(Name.Quarantined, part.Quarantined);
        writer.WriteString(Name.AsOf, part.AsOf);
        writer.WriteStartArray(Name.Changes);
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
        writer.WriteString(Name.Provider, change.Provider);
        writer.WriteNumber(Name.CatalogVersion, change.CatalogVersion);
        writer.WriteString(Name.OfferKey, change.OfferKey);
        writer.WriteNumber(Name.Kind, (int)change.Kind);
        writer.WriteString(Name.Region, change.Region);
        writer.WriteString(Name.AcceleratorId, change.AcceleratorId);
        writer.WriteString(Name.PricingModel, change.PricingModel);
        Decimal(writer, Name.OldPricePerInstanceHour, change.OldPricePerInstanceHour);
        Decimal(writer, Name.NewPricePerInstanceHour, change.NewPricePerInstanceHour);
        writer.WriteString(Name.Currency, change.Currency);
        if (change.Offer is { } offer)
        {
            writer.WriteStartObject(Name.Offer);
            writer.WriteString(Name.Provider, offer.Provider);
            writer.WriteString(Name.Region, offer.Region);
            writer.WriteString(Name.Zone, offer.Zone);
            writer.WriteString(Name.InstanceType, offer.InstanceType);
            writer.WriteString(Name.AcceleratorId, offer.AcceleratorId);
            Decimal(writer, Name.AcceleratorsPerInstance, offer.AcceleratorsPerInstance);
            writer.WriteNumber(Name.Vcpus, offer.Vcpus);
            Decimal(writer, Name.MemoryGib, offer.MemoryGib);
            writer.WriteString(Name.PricingModel, offer.PricingModel);
            Decimal(writer, Name.PricePerInstanceHour, offer.PricePerInstanceHour);
            writer.WriteString(Name.Currency, offer.Currency);
            writer.WriteString(Name.EffectiveDate, offer.EffectiveDate);
            writer.WriteString(Name.SkuId, offer.SkuId);
            writer.WriteString(Name.MeterId, offer.MeterId);
            if (computed)
            {
                writer.WriteString(Name.OfferKey, offer.OfferKey);
                Decimal(writer, Name.PricePerAcceleratorHour, offer.PricePerAcceleratorHour);
            }

            writer.WriteEndObject();
        }
        else
        {
            writer.WriteNull(Name.Offer);
        }

        writer.WriteString(Name.ObservedAt, change.ObservedAt);
        if (computed)
        {
            writer.WriteString(Name.RoutingKey, change.RoutingKey);
        }

        writer.WriteEndObject();
    }

    /// <summary>An exact decimal as a string, as MassTransit writes it (every digit and the scale kept: 12.3400 stays "12.3400").</summary>
    private static void Decimal(Utf8JsonWriter writer, JsonEncodedText name, decimal? value)
    {
        if (value is not { } number)
        {
            writer.WriteNull(name);
            return;
        }

        // Formatted straight to UTF-8 (a decimal is at most 31 characters with its sign and point).
        Span<byte> text = stackalloc byte[40];
        ReadOnlySpan<byte> utf8 = number.TryFormat(text, out var length, provider: CultureInfo.InvariantCulture)
            ? text[..length]
            : System.Text.Encoding.UTF8.GetBytes(number.ToString(CultureInfo.InvariantCulture));
        writer.WriteString(name, utf8);
    }

    /// <summary>The property names, encoded once: each write would otherwise transcode and escape-check its name again.</summary>
    private static class Name
    {
        public static readonly JsonEncodedText AcceleratorId = JsonEncodedText.Encode("acceleratorId");
        public static readonly JsonEncodedText AcceleratorsPerInstance = JsonEncodedText.Encode("acceleratorsPerInstance");
        public static readonly JsonEncodedText AsOf = JsonEncodedText.Encode("asOf");
        public static readonly JsonEncodedText CatalogVersion = JsonEncodedText.Encode("catalogVersion");
        public static readonly JsonEncodedText ChangeCount = JsonEncodedText.Encode("changeCount");
        public static readonly JsonEncodedText Changes = JsonEncodedText.Encode("changes");
        public static readonly JsonEncodedText Currency = JsonEncodedText.Encode("currency");
        public static readonly JsonEncodedText EffectiveDate = JsonEncodedText.Encode("effectiveDate");
        public static readonly JsonEncodedText InstanceType = JsonEncodedText.Encode("instanceType");
        public static readonly JsonEncodedText Kind = JsonEncodedText.Encode("kind");
        public static readonly JsonEncodedText MemoryGib = JsonEncodedText.Encode("memoryGib");
        public static readonly JsonEncodedText MeterId = JsonEncodedText.Encode("meterId");
        public static readonly JsonEncodedText NewPricePerInstanceHour = JsonEncodedText.Encode("newPricePerInstanceHour");
        public static readonly JsonEncodedText ObservedAt = JsonEncodedText.Encode("observedAt");
        public static readonly JsonEncodedText Offer = JsonEncodedText.Encode("offer");
        public static readonly JsonEncodedText OfferCount = JsonEncodedText.Encode("offerCount");
        public static readonly JsonEncodedText OfferKey = JsonEncodedText.Encode("offerKey");
        public static readonly JsonEncodedText OldPricePerInstanceHour = JsonEncodedText.Encode("oldPricePerInstanceHour");
        public static readonly JsonEncodedText Part = JsonEncodedText.Encode("part");
        public static readonly JsonEncodedText Parts = JsonEncodedText.Encode("parts");
        public static readonly JsonEncodedText PreviousVersion = JsonEncodedText.Encode("previousVersion");
        public static readonly JsonEncodedText PricePerAcceleratorHour = JsonEncodedText.Encode("pricePerAcceleratorHour");
        public static readonly JsonEncodedText PricePerInstanceHour = JsonEncodedText.Encode("pricePerInstanceHour");
        public static readonly JsonEncodedText PricingModel = JsonEncodedText.Encode("pricingModel");
        public static readonly JsonEncodedText Provider = JsonEncodedText.Encode("provider");
        public static readonly JsonEncodedText Quarantined = JsonEncodedText.Encode("quarantined");
        public static readonly JsonEncodedText Region = JsonEncodedText.Encode("region");
        public static readonly JsonEncodedText RoutingKey = JsonEncodedText.Encode("routingKey");
        public static readonly JsonEncodedText SkuId = JsonEncodedText.Encode("skuId");
        public static readonly JsonEncodedText Vcpus = JsonEncodedText.Encode("vcpus");
        public static readonly JsonEncodedText Zone = JsonEncodedText.Encode("zone");
    }
}
