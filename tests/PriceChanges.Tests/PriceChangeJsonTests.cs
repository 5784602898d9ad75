using System.Text;
using System.Text.Json;
using Pricing.Catalog;
using Pricing.Contracts.Events;
using Quotes.History;

namespace PriceChanges.Tests;

/// <summary>
/// The stored form of a change is written by source-generated code: it must stay byte for byte what the reflection
/// serializer with the web defaults wrote (appends are idempotent by those bytes, and Redis already holds them).
/// </summary>
public sealed class PriceChangeJsonTests
{
    private static readonly JsonSerializerOptions Reflection = new(JsonSerializerDefaults.Web);

    private static readonly DateTimeOffset T0 = new(2026, 11, 1, 12, 0, 0, TimeSpan.Zero);

    public static TheoryData<string, AcceleratorPriceChanged> Changes() => new()
    {
        { "added", Change(ChangeKind.Added, null, 98.32m, zone: null) },
        { "changed, trailing zeros", Change(ChangeKind.Changed, 12.3400m, 12.340000m, zone: "us-east-1a") },
        { "removed, no offer", Change(ChangeKind.Removed, 7.5m, null, zone: null) with { Offer = null } },
        { "many digits", Change(ChangeKind.Changed, 0.0000000001m, 79228162514264337593543950.335m, zone: null, accelerators: 3m) },
        { "negative price, offset time", Change(ChangeKind.Changed, -1.10m, 1234567.891011121314m, zone: "b", accelerators: 0.5m)
            with { ObservedAt = new DateTimeOffset(2026, 3, 4, 5, 6, 7, 891, TimeSpan.FromHours(-5)).AddTicks(1234) } },
        { "characters the encoder escapes", Change(ChangeKind.Added, null, 1m, zone: "z<&>'\"+é\u00e9\U0001F600", instance: "p5 ü/\\\t") },
    };

    [Theory]
    [MemberData(nameof(Changes))]
    public void The_stored_form_is_byte_for_byte_what_the_reflection_serializer_writes(string what, AcceleratorPriceChanged change)
    {
        var expected = JsonSerializer.Serialize(change, Reflection);

        Assert.Equal(expected, PriceChangeJson.Serialize(change));
        Assert.Equal(Encoding.UTF8.GetBytes(expected), PriceChangeJson.SerializeToUtf8Bytes(change));
        Assert.Equal(JsonSerializer.SerializeToUtf8Bytes(change, Reflection), PriceChangeJson.SerializeToUtf8Bytes(change));
        Assert.Equal(change, PriceChangeJson.Deserialize(expected));
        Assert.False(string.IsNullOrEmpty(what));
    }

    [Fact]
    public void A_price_keeps_its_trailing_zeros()
    {
        var json = PriceChangeJson.Serialize(Change(ChangeKind.Changed, 12.3400m, 9.10m, zone: null));

        Assert.Contains("\"oldPricePerInstanceHour\":12.3400,", json, StringComparison.Ordinal);
        Assert.Contains("\"newPricePerInstanceHour\":9.10,", json, StringComparison.Ordinal);
        Assert.Contains("\"zone\":null,", json, StringComparison.Ordinal);
    }

    private static AcceleratorPriceChanged Change(ChangeKind kind, decimal? oldPrice, decimal? newPrice, string? zone,
        decimal accelerators = 8m, string instance = "p5.48xlarge")
    {
        var offer = new OfferSnapshot("aws", "us-east-1", zone, instance, "nvidia-h100-80gb", accelerators, 192, 2048.5m,
            PricingModels.Spot, newPrice ?? 1m, "USD", T0.AddDays(-1), "sku-1", "meter-1");
        return new AcceleratorPriceChanged("aws", long.MaxValue - 7, offer.OfferKey, kind, "us-east-1", "nvidia-h100-80gb",
            PricingModels.Spot, oldPrice, newPrice, "USD", offer, T0);
    }
}
