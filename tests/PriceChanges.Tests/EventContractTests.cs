using System.Text.Json;
using System.Text.Json.Nodes;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Pricing.Catalog;
using Pricing.Contracts.Events;
using Pricing.ServiceDefaults;
using Quotes.History;
using DomainKind = Pricing.Catalog.PriceChangeKind;

namespace PriceChanges.Tests;

/// <summary>
/// The event carries its own offer record, not the domain's, and its JSON must still be what subscribers read
/// (docs/events.md: names, order, value types) and what the Redis history already holds (the same bytes as when the
/// event embedded the domain offer and kind). The names are taken from a running bus, as it writes them; the value
/// types on RabbitMQ (the kind by name, prices as numbers) are what <see cref="ExternalSubscriberTests"/> reads there.
/// </summary>
public sealed class EventContractTests
{
    private static readonly Offer Domain = new("aws", "us-east-1", null, "p5.48xlarge", "nvidia-h100-80gb", 8m, 192, 2048m, "spot",
        9.8712m, "USD", new DateTimeOffset(2026, 11, 28, 0, 0, 0, TimeSpan.Zero), "sku-1", "meter-1");

    private static readonly AcceleratorPriceChanged Change = AcceleratorPriceChanged.From("aws", 42,
        new OfferChange(DomainKind.Changed, Domain.OfferKey, Domain with { PricePerInstanceHour = 10.4896m }, Domain),
        new DateTimeOffset(2026, 11, 28, 17, 2, 11, TimeSpan.Zero));

    /// <summary>The offer's fields as docs/events.md lists them, in that order.</summary>
    private static readonly string[] DocumentedOfferFields =
    [
        "provider", "region", "zone", "instanceType", "acceleratorId", "acceleratorsPerInstance", "vcpus", "memoryGib",
        "pricingModel", "pricePerInstanceHour", "currency", "effectiveDate", "skuId", "meterId", "offerKey", "pricePerAcceleratorHour",
    ];

    private static readonly string[] DocumentedChangeFields =
    [
        "provider", "catalogVersion", "offerKey", "kind", "region", "acceleratorId", "pricingModel", "oldPricePerInstanceHour",
        "newPricePerInstanceHour", "currency", "offer", "observedAt",
    ];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task On_the_bus_the_change_has_the_documented_fields_in_order_and_reads_back_whole()
    {
        var (body, received) = await PublishThroughTheBusAsync(Change);
        var message = JsonNode.Parse(body)!["message"]!.AsObject();

        Assert.Equal(DocumentedChangeFields, message.Select(p => p.Key).Where(k => k != "routingKey"));
        Assert.Equal(DocumentedOfferFields, message["offer"]!.AsObject().Select(p => p.Key));
        Assert.Null(message["offer"]!["zone"]);
        Assert.Equal(Change, received);
        Assert.Equal(Domain, received.ToOfferChange().New);
    }

    [Fact]
    public void In_the_history_the_change_is_stored_exactly_as_when_it_embedded_the_domain_offer()
    {
        var web = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        var stored = PriceChangeJson.Serialize(Change);

        // Byte for byte: appends are idempotent by the serialized form, so a change recorded before must match.
        Assert.Contains($"\"kind\":{JsonSerializer.Serialize(DomainKind.Changed, web)},", stored, StringComparison.Ordinal);
        Assert.Contains($"\"offer\":{JsonSerializer.Serialize(Domain, web)},", stored, StringComparison.Ordinal);
        Assert.Equal(Change, PriceChangeJson.Deserialize(stored));
    }

    [Fact]
    public void A_change_gives_the_price_view_the_offer_it_was_made_from()
    {
        var applied = Change.ToOfferChange();

        Assert.Equal((DomainKind.Changed, Domain.OfferKey, (Offer?)null, Domain), (applied.Kind, applied.OfferKey, applied.Old, applied.New));
        Assert.Null(AcceleratorPriceChanged.From("aws", 43, new OfferChange(DomainKind.Removed, Domain.OfferKey, Domain, null), Change.ObservedAt).Offer);
    }

    [Fact]
    public void Every_domain_kind_maps_to_the_event_kind_of_the_same_name_and_back()
    {
        foreach (var kind in Enum.GetValues<DomainKind>())
        {
            Assert.Equal(kind.ToString(), kind.ToEvent().ToString());
            Assert.Equal(kind, kind.ToEvent().ToDomain());
        }
    }

    /// <summary>Publishes on the in-memory bus configured as every service configures it; returns the body as written and the message as read.</summary>
    private static async Task<(string Body, AcceleratorPriceChanged Received)> PublishThroughTheBusAsync(AcceleratorPriceChanged change)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration["Messaging:Transport"] = "InMemory";
        builder.AddPricingMessaging(x => x.AddConsumer<CapturingConsumer>());
        builder.Services.AddSingleton<Captured>();
        using var host = builder.Build();
        await host.StartAsync(Ct);
        try
        {
            await host.Services.GetRequiredService<IBus>().Publish(change, Ct);
            return await host.Services.GetRequiredService<Captured>().Message.Task.WaitAsync(TimeSpan.FromSeconds(60), Ct);
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }
    }

    private sealed class Captured
    {
        public TaskCompletionSource<(string, AcceleratorPriceChanged)> Message { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed class CapturingConsumer(Captured captured) : IConsumer<AcceleratorPriceChanged>
    {
        public Task Consume(ConsumeContext<AcceleratorPriceChanged> context)
        {
            captured.Message.TrySetResult((context.ReceiveContext.Body.GetString(), context.Message));
            return Task.CompletedTask;
        }
    }
}
