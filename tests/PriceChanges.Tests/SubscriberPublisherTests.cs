using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using MassTransit;
using MassTransit.Serialization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Pricing.Contracts.Events;
using Pricing.FakeProviders;
using Pricing.ServiceDefaults;
using Pricing.Sources;
using Pricing.Testing;
using RabbitMQ.Client;

namespace PriceChanges.Tests;

/// <summary>
/// The per-change messages for topic subscribers have two publishers: RabbitMQ.Client (the default on RabbitMQ,
/// <see cref="RabbitSubscriberChangePublisher"/>) and MassTransit's publish pipeline (<c>Scrape:SubscriberPublisher=MassTransit</c>).
/// Whichever publishes, a plain AMQP subscriber and a MassTransit one bound to the topic exchange must each get every
/// change of a version once, as docs/events.md describes it, and both must read the same changes.
/// </summary>
public sealed class SubscriberPublisherTests(RabbitMqTestServer rabbit) : IClassFixture<RabbitMqTestServer>
{
    private const int Offers = 40;

    private static readonly string[] DocumentedMessageFields =
    [
        "provider", "catalogVersion", "offerKey", "kind", "region", "acceleratorId", "pricingModel", "oldPricePerInstanceHour",
        "newPricePerInstanceHour", "currency", "offer", "observedAt", "routingKey",
    ];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("RabbitMQ")]
    [InlineData("MassTransit")]
    public async Task Either_publisher_gives_a_plain_and_a_MassTransit_subscriber_every_change_once_as_documented(string publisher)
    {
        rabbit.SkipIfUnavailable();
        var vhost = await rabbit.CreateVirtualHostAsync($"publisher-{publisher.ToLowerInvariant()}-{Guid.NewGuid():N}");
        await using var tap = await ExchangeTap.OpenAsync(vhost, PriceChangeTopology.ExchangeName, ExchangeType.Topic, "#", Ct);

        var received = new ReceivedChanges();
        using var subscriber = await StartMassTransitSubscriberAsync(vhost, received);
        try
        {
            await using var provider = await SyntheticProviderHost.StartAsync(new Dictionary<string, string?>
            {
                ["ConnectionStrings:rabbitmq"] = vhost,
                ["Synthetic:Offers"] = Offers.ToString(CultureInfo.InvariantCulture),
                [RabbitSubscriberChangePublisher.PublisherKey] = publisher,
            }, Ct);
            var scrape = await provider.Catalog().ScrapeOnceAsync(Ct);
            Assert.Equal(Offers, scrape.Changes);
            await provider.Catalog().SubscribersPublished;

            var plain = new List<AcceleratorPriceChanged>();
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (plain.Count < Offers)
            {
                Assert.True(DateTime.UtcNow < deadline, $"{plain.Count} of {Offers} changes reached the plain subscriber");
                if (await tap.GetAsync(Ct) is not { } delivery)
                {
                    await Task.Delay(20, Ct);
                    continue;
                }

                Assert.Equal("application/vnd.masstransit+json", delivery.BasicProperties.ContentType);
                Assert.True(delivery.BasicProperties.Persistent, "a change must survive a broker restart in a durable queue");
                var envelope = JsonNode.Parse(delivery.Body.Span)!;
                Assert.Equal("urn:message:Pricing.Contracts.Events:AcceleratorPriceChanged", envelope["messageType"]![0]!.GetValue<string>());
                Assert.True(Guid.TryParse(envelope["messageId"]!.GetValue<string>(), out _));
                var message = envelope["message"]!.AsObject();
                Assert.Equal(DocumentedMessageFields, message.Select(p => p.Key));
                Assert.Equal(delivery.RoutingKey, message["routingKey"]!.GetValue<string>());
                Assert.Equal(JsonValueKind.String, message["newPricePerInstanceHour"]!.GetValueKind());
                plain.Add(message.Deserialize<AcceleratorPriceChanged>(SystemTextJsonMessageSerializer.Options)!);
            }

            var viaMassTransit = await received.WaitForAsync(Offers, TimeSpan.FromSeconds(30), Ct);
            Assert.Equal(Offers, plain.Select(c => c.OfferKey).Distinct().Count());
            Assert.All(plain, c => Assert.Equal((scrape.Version, ChangeKind.Added), (c.CatalogVersion, c.Kind)));
            Assert.Equal(plain.OrderBy(c => c.OfferKey, StringComparer.Ordinal), viaMassTransit.OrderBy(c => c.OfferKey, StringComparer.Ordinal));
            // Nothing more: each change once.
            await Task.Delay(500, Ct);
            Assert.Null(await tap.GetAsync(Ct));
            Assert.Equal(Offers, received.Count);
        }
        finally
        {
            await subscriber.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task A_publisher_whose_connection_the_broker_closed_reconnects_and_the_next_version_arrives_whole_once()
    {
        rabbit.SkipIfUnavailable();
        var name = $"publisher-reconnect-{Guid.NewGuid():N}";
        var vhost = await rabbit.CreateVirtualHostAsync(name);
        await using var tap = await ExchangeTap.OpenAsync(vhost, PriceChangeTopology.ExchangeName, ExchangeType.Topic, "#", Ct);
        await using var provider = await SyntheticProviderHost.StartAsync(new Dictionary<string, string?>
        {
            ["ConnectionStrings:rabbitmq"] = vhost,
            ["Synthetic:Offers"] = Offers.ToString(CultureInfo.InvariantCulture),
        }, Ct);
        Assert.Equal(Offers, (await provider.Catalog().ScrapeOnceAsync(Ct)).Changes);
        await provider.Catalog().SubscribersPublished;
        Assert.Equal(Offers, (await DrainAsync(tap, Offers)).Count);

        Assert.Equal(1, await rabbit.CloseConnectionsAsync(name, "per-change publisher"));
        provider.Source().Bump();
        var v2 = await provider.Catalog().ScrapeOnceAsync(Ct);
        await provider.Catalog().SubscribersPublished.WaitAsync(TimeSpan.FromSeconds(60), Ct);

        var changes = await DrainAsync(tap, Offers);
        Assert.All(changes, c => Assert.Equal(v2.Version, c.CatalogVersion));
        Assert.Equal(Offers, changes.Select(c => c.OfferKey).Distinct().Count());
    }

    [Fact]
    public async Task Version_parts_arrive_in_order_on_their_own_channel_and_read_as_MassTransit_reads_them()
    {
        rabbit.SkipIfUnavailable();
        var vhost = await rabbit.CreateVirtualHostAsync($"publisher-parts-{Guid.NewGuid():N}");
        await using var tap = await ExchangeTap.OpenAsync(vhost, PriceChangeTopology.CatalogVersionsExchangeName, ExchangeType.Fanout, "", Ct);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:rabbitmq"] = vhost }).Build();
        await using var publisher = new RabbitSubscriberChangePublisher(configuration, Microsoft.Extensions.Options.Options.Create(new ScrapeOptions()),
            Microsoft.Extensions.Logging.Abstractions.NullLogger<RabbitSubscriberChangePublisher>.Instance);
        var changes = Enumerable.Range(0, 5).Select(i => AcceleratorPriceChanged.From("aws", 7,
            new Pricing.Catalog.OfferChange(Pricing.Catalog.PriceChangeKind.Added, Offer(i).OfferKey, null, Offer(i)), DateTimeOffset.UnixEpoch)).ToList();
        var parts = CatalogVersionChanges.Split("aws", 7, 6, 5, 0, DateTimeOffset.UnixEpoch, changes, partSize: 2);
        Assert.Equal(3, parts.Count);

        var failed = new ConcurrentQueue<(object Message, Exception Error)>();
        var observer = new RecordingObserver();
        using (publisher.ConnectObserver(observer))
        {
            await publisher.PublishVersionPartsAsync(parts, failed, Ct);
        }

        Assert.Empty(failed);
        // An observer is told about each write and each confirm, in order, and nothing once disconnected.
        Assert.Equal(parts.Cast<object>(), observer.Publishing);
        Assert.Equal(parts.Cast<object>(), observer.Confirmed);
        await publisher.PublishVersionPartsAsync([parts[0]], failed, Ct);
        Assert.Empty(failed);
        Assert.Equal(parts.Count, observer.Publishing.Count);
        for (var i = 0; i < parts.Count; i++)
        {
            var delivery = await tap.GetAsync(Ct) ?? throw new Xunit.Sdk.XunitException($"part {i + 1} of {parts.Count} never arrived");
            var envelope = JsonNode.Parse(delivery.Body.Span)!;
            Assert.Equal("urn:message:Pricing.Contracts.Events:CatalogVersionChanges", envelope["messageType"]![0]!.GetValue<string>());
            var part = envelope["message"]!.Deserialize<CatalogVersionChanges>(SystemTextJsonMessageSerializer.Options)!;
            Assert.Equal(parts[i] with { Changes = [] }, part with { Changes = [] });
            Assert.Equal(parts[i].Changes, part.Changes);
        }

        static Pricing.Catalog.Offer Offer(int i) => new("aws", "us-east-1", null, $"p5.{i}", "nvidia-h100-80gb", 8m, 192, 2048m, "on_demand",
            10m + i, "USD", DateTimeOffset.UnixEpoch, "sku", "meter");
    }

    private sealed class RecordingObserver : IDirectPublishObserver
    {
        public List<object> Publishing { get; } = [];

        public List<object> Confirmed { get; } = [];

        void IDirectPublishObserver.Publishing(object message) => Publishing.Add(message);

        void IDirectPublishObserver.Confirmed(object message) => Confirmed.Add(message);
    }

    /// <summary>Every message the tap gets until <paramref name="count"/> have come and a quiet half second follows.</summary>
    private static async Task<List<AcceleratorPriceChanged>> DrainAsync(ExchangeTap tap, int count)
    {
        var changes = new List<AcceleratorPriceChanged>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        var quietSince = DateTime.UtcNow;
        while (changes.Count < count || DateTime.UtcNow - quietSince < TimeSpan.FromMilliseconds(500))
        {
            Assert.True(DateTime.UtcNow < deadline, $"{changes.Count} of {count} changes reached the tap");
            if (await tap.GetAsync(Ct) is { } delivery)
            {
                changes.Add(JsonNode.Parse(delivery.Body.Span)!["message"]!.Deserialize<AcceleratorPriceChanged>(SystemTextJsonMessageSerializer.Options)!);
                quietSince = DateTime.UtcNow;
            }
            else
            {
                await Task.Delay(20, Ct);
            }
        }

        return changes;
    }

    private static async Task<IHost> StartMassTransitSubscriberAsync(string vhost, ReceivedChanges received)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:rabbitmq"] = vhost });
        builder.Services.AddSingleton(received);
        builder.AddPricingMessaging(x => x.AddConsumer<ReceivingConsumer>(), (context, cfg) =>
            cfg.ReceiveEndpoint($"mt-subscriber-{Guid.NewGuid():N}", e =>
            {
                e.ConfigureConsumeTopology = false;
                e.AutoDelete = true;
                e.Durable = false;
                e.Bind(PriceChangeTopology.ExchangeName, b =>
                {
                    b.ExchangeType = ExchangeType.Topic;
                    b.RoutingKey = "#";
                });
                e.ConfigureConsumer<ReceivingConsumer>(context);
            }));
        var host = builder.Build();
        await host.StartAsync(Ct);
        return host;
    }

    private sealed class ReceivedChanges
    {
        private readonly ConcurrentQueue<AcceleratorPriceChanged> _changes = new();

        public int Count => _changes.Count;

        public void Add(AcceleratorPriceChanged change) => _changes.Enqueue(change);

        public async Task<List<AcceleratorPriceChanged>> WaitForAsync(int count, TimeSpan timeout, CancellationToken ct)
        {
            var deadline = DateTime.UtcNow + timeout;
            while (_changes.Count < count)
            {
                Assert.True(DateTime.UtcNow < deadline, $"{_changes.Count} of {count} changes reached the MassTransit subscriber");
                await Task.Delay(20, ct);
            }

            return [.. _changes];
        }
    }

    private sealed class ReceivingConsumer(ReceivedChanges received) : IConsumer<AcceleratorPriceChanged>
    {
        public Task Consume(ConsumeContext<AcceleratorPriceChanged> context)
        {
            received.Add(context.Message);
            return Task.CompletedTask;
        }
    }
}
