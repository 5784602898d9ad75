using System.Text.Json;
using System.Text.Json.Nodes;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Pricing.Catalog;
using Pricing.Contracts.Events;
using Pricing.ServiceDefaults;
using Pricing.Testing;
using Quotes.History;
using RabbitMQ.Client;
using DomainKind = Pricing.Catalog.PriceChangeKind;

namespace PriceChanges.Tests;

/// <summary>
/// The event carries its own offer record, not the domain's, and its JSON must still be what subscribers read
/// (docs/events.md: names, order, value types) and what the Redis history already holds (the same bytes as when the
/// event embedded the domain offer and kind). The JSON is taken from a running bus as it writes it: on RabbitMQ, read
/// with plain RabbitMQ.Client as an outside subscriber reads it, and on the embedded default's in-memory bus.
/// </summary>
public sealed class EventContractTests(RabbitMqTestServer rabbit) : IClassFixture<RabbitMqTestServer>
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
    public async Task On_RabbitMQ_the_change_has_the_documented_fields_the_kind_as_its_number_and_prices_as_exact_strings()
    {
        rabbit.SkipIfUnavailable();
        var vhost = await rabbit.CreateVirtualHostAsync($"contract-{Guid.NewGuid():N}");
        await using var tap = await ExchangeTap.OpenAsync(vhost, PriceChangeTopology.ExchangeName, ExchangeType.Topic, "#", Ct);

        await PublishAsync(new Dictionary<string, string?> { ["ConnectionStrings:rabbitmq"] = vhost }, Change);
        var delivery = await WaitForMessageAsync(tap);

        Assert.Equal(Change.RoutingKey, delivery.RoutingKey);
        var message = JsonNode.Parse(delivery.Body.Span)!["message"]!.AsObject();
        AssertDocumentedFields(message);
        // MassTransit 8.5's JSON: enums by number, decimals as strings (exact), whole numbers as numbers.
        Assert.Equal(2, message["kind"]!.GetValue<int>());
        Assert.Equal(42, message["catalogVersion"]!.GetValue<long>());
        Assert.Equal("10.4896", message["oldPricePerInstanceHour"]!.GetValue<string>());
        Assert.Equal("9.8712", message["newPricePerInstanceHour"]!.GetValue<string>());
        Assert.Equal("9.8712", message["offer"]!["pricePerInstanceHour"]!.GetValue<string>());
        Assert.Equal("1.2339", message["offer"]!["pricePerAcceleratorHour"]!.GetValue<string>());
        Assert.Equal("8", message["offer"]!["acceleratorsPerInstance"]!.GetValue<string>());
        Assert.Equal(192, message["offer"]!["vcpus"]!.GetValue<int>());
        Assert.Equal(Domain.OfferKey, message["offer"]!["offerKey"]!.GetValue<string>());
    }

    [Fact]
    public async Task On_the_in_memory_bus_the_change_has_the_documented_fields_and_reads_back_whole()
    {
        var captured = new Captured();
        await PublishAsync(new Dictionary<string, string?> { ["Messaging:Transport"] = "InMemory" }, Change, captured);
        var (body, received) = await captured.Message.Task.WaitAsync(TimeSpan.FromSeconds(60), Ct);

        AssertDocumentedFields(JsonNode.Parse(body)!["message"]!.AsObject());
        Assert.Equal(Change, received);
        Assert.Equal(Domain, received.ToOfferChange().New);
    }

    /// <summary>A version part's own fields as docs/events.md lists them, in that order (then <c>changes</c>).</summary>
    private static readonly string[] DocumentedVersionFields =
    [
        "provider", "catalogVersion", "previousVersion", "part", "parts", "changeCount", "offerCount", "quarantined", "asOf", "changes",
    ];

    private static readonly CatalogVersionChanges Version = CatalogVersionChanges.Split("aws", 42, 41, 1335, 3, Change.ObservedAt, [Change], 1024)[0];

    [Fact]
    public async Task On_RabbitMQ_a_version_is_one_message_on_the_versions_exchange_whose_changes_are_the_documented_change()
    {
        rabbit.SkipIfUnavailable();
        var vhost = await rabbit.CreateVirtualHostAsync($"contract-{Guid.NewGuid():N}");
        await using var tap = await ExchangeTap.OpenAsync(vhost, PriceChangeTopology.CatalogVersionsExchangeName, ExchangeType.Fanout, "", Ct);

        await PublishAsync(new Dictionary<string, string?> { ["ConnectionStrings:rabbitmq"] = vhost }, Version);
        var delivery = await WaitForMessageAsync(tap);

        var envelope = JsonNode.Parse(delivery.Body.Span)!;
        Assert.Equal("urn:message:Pricing.Contracts.Events:CatalogVersionChanges", envelope["messageType"]![0]!.GetValue<string>());
        var message = envelope["message"]!.AsObject();
        Assert.Equal(DocumentedVersionFields, message.Select(p => p.Key));
        Assert.Equal((42L, 41L, 1, 1, 1, 1335, 3), (message["catalogVersion"]!.GetValue<long>(), message["previousVersion"]!.GetValue<long>(),
            message["part"]!.GetValue<int>(), message["parts"]!.GetValue<int>(), message["changeCount"]!.GetValue<int>(),
            message["offerCount"]!.GetValue<int>(), message["quarantined"]!.GetValue<int>()));
        var change = Assert.Single(message["changes"]!.AsArray())!.AsObject();
        AssertDocumentedFields(change);
        Assert.Equal(2, change["kind"]!.GetValue<int>());
        Assert.Equal("9.8712", change["newPricePerInstanceHour"]!.GetValue<string>());
        Assert.Equal(Change.RoutingKey, change["routingKey"]!.GetValue<string>());
    }

    [Fact]
    public async Task On_the_in_memory_bus_a_version_reads_back_whole_and_its_change_is_the_published_change()
    {
        var captured = new CapturedVersion();
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Messaging:Transport"] = "InMemory" });
        builder.AddPricingMessaging(x => x.AddConsumer<CapturingVersionConsumer>());
        builder.Services.AddSingleton(captured);
        using var host = builder.Build();
        await host.StartAsync(Ct);
        try
        {
            await host.Services.GetRequiredService<IBus>().Publish((object)Version, typeof(CatalogVersionChanges), Ct);
            var received = await captured.Message.Task.WaitAsync(TimeSpan.FromSeconds(60), Ct);
            Assert.Equal(Version with { Changes = [] }, received with { Changes = [] });
            Assert.Equal([Change], received.Changes);
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public void A_large_version_is_split_in_order_into_parts_that_each_name_their_place_and_the_whole_count()
    {
        var changes = Enumerable.Range(0, 2500).Select(i => Change with { OfferKey = $"aws|us-east-1||p5.{i}|spot" }).ToList();

        var parts = CatalogVersionChanges.Split("aws", 42, 41, 2500, 0, Change.ObservedAt, changes, 1000);

        Assert.Equal([(1, 3, 1000), (2, 3, 1000), (3, 3, 500)], parts.Select(p => (p.Part, p.Parts, p.Changes.Length)));
        Assert.All(parts, p => Assert.Equal(2500, p.ChangeCount));
        Assert.Equal(changes, parts.SelectMany(p => p.Changes));
        Assert.Equal((1, 1, 0), CatalogVersionChanges.Split("aws", 43, 42, 2500, 0, Change.ObservedAt, [], 1000).Select(p => (p.Part, p.Parts, p.Changes.Length)).Single());
    }

    [Fact]
    public void A_version_part_breaking_the_rules_is_refused_and_a_genuine_one_passes()
    {
        var rules = new PriceEventRules(AcceleratorRegistry.Default, TimeProvider.System);
        var genuine = Version with { Changes = [Change with { ObservedAt = DateTimeOffset.UtcNow }] };

        Assert.Empty(rules.Check(genuine));
        Assert.NotEmpty(rules.Check(genuine with { Part = 2 }));
        Assert.NotEmpty(rules.Check(genuine with { ChangeCount = 0 }));
        Assert.NotEmpty(rules.Check(genuine with { Changes = [genuine.Changes[0] with { CatalogVersion = 43 }] }));
        Assert.NotEmpty(rules.Check(genuine with { Changes = [genuine.Changes[0] with { NewPricePerInstanceHour = -1m }] }));
        Assert.NotEmpty(rules.Check(genuine with { ChangeCount = 10_000, Changes = [.. Enumerable.Repeat(genuine.Changes[0], PriceEventRules.MaxChangesPerPart + 1)] }));
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

    private static void AssertDocumentedFields(JsonObject message)
    {
        Assert.Equal(DocumentedChangeFields, message.Select(p => p.Key).Where(k => k != "routingKey"));
        Assert.Equal(DocumentedOfferFields, message["offer"]!.AsObject().Select(p => p.Key));
        Assert.Null(message["offer"]!["zone"]);
    }

    /// <summary>Publishes as a provider does, on a bus configured as every service configures it (with a consumer that captures what it receives).</summary>
    private static async Task PublishAsync(Dictionary<string, string?> settings, object change, Captured? captured = null)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddPricingMessaging(captured is null ? null : x => x.AddConsumer<CapturingConsumer>());
        builder.Services.AddSingleton(captured ?? new Captured());
        using var host = builder.Build();
        await host.StartAsync(Ct);
        try
        {
            // As the providers publish (ProviderPriceCatalog): by runtime type.
            await host.Services.GetRequiredService<IBus>().Publish(change, change.GetType(), Ct);
            if (captured is not null)
            {
                await captured.Message.Task.WaitAsync(TimeSpan.FromSeconds(60), Ct);
            }
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }
    }

    private static async Task<BasicGetResult> WaitForMessageAsync(ExchangeTap tap)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            if (await tap.GetAsync(Ct) is { } delivery)
            {
                return delivery;
            }

            Assert.True(DateTime.UtcNow < deadline, "the change never reached the bound queue");
            await Task.Delay(50, Ct);
        }
    }

    private sealed class Captured
    {
        public TaskCompletionSource<(string, AcceleratorPriceChanged)> Message { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed class CapturedVersion
    {
        public TaskCompletionSource<CatalogVersionChanges> Message { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed class CapturingVersionConsumer(CapturedVersion captured) : IConsumer<CatalogVersionChanges>
    {
        public Task Consume(ConsumeContext<CatalogVersionChanges> context)
        {
            captured.Message.TrySetResult(context.Message);
            return Task.CompletedTask;
        }
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
