using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Pricing.Contracts.Events;
using Pricing.FakeProviders;
using Pricing.Sources;
using Pricing.Testing;
using RabbitMQ.Client;

namespace PriceChanges.Tests;

/// <summary>
/// Anyone who can publish to the exchange can send anything. Forged and malformed version parts (a version's changes in
/// one message, what Quotes consumes), published with plain RabbitMQ.Client straight to the exchange as an outsider
/// would, must end in the error queues and leave Quotes' view, history and watchers as they were; a genuine version
/// afterwards is still applied.
/// </summary>
public sealed class ForgedEventTests(RabbitMqTestServer rabbit, RedisTestServer redis) : IClassFixture<RabbitMqTestServer>, IClassFixture<RedisTestServer>
{
    private const int Offers = 50;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Forged_events_go_to_the_error_queues_and_never_reach_the_view_the_history_or_a_watcher()
    {
        rabbit.SkipIfUnavailable();
        redis.SkipIfUnavailable();
        await using var hosts = await PriceChangeHosts.StartAsync(rabbit, redis, Offers, Ct);
        Assert.Equal(ScrapeResultKind.Published, (await hosts.Provider.Catalog().ScrapeOnceAsync(Ct)).Kind);
        await hosts.WaitForVersionAsync(1, Ct);
        await hosts.WaitForChangesPassedOnAsync(Offers, Ct);
        await PriceChangeHosts.WaitForHistoryAsync(hosts.Quotes, 0, Offers, Ct);
        var view = hosts.Quotes.Services.GetRequiredService<Pricing.Quoting.PriceView>();
        var before = Assert.Single(view.Current.Catalogs);
        using var watch = hosts.Changes.WatchPriceChanges(new Pricing.Contracts.V1.WatchPriceChangesRequest(), cancellationToken: Ct);
        await watch.ResponseHeadersAsync;

        var genuine = hosts.Provider.Catalog().Current.Offers.Values.First();
        var now = DateTimeOffset.UtcNow;
        JsonObject Change(Action<JsonObject> forge)
        {
            var offer = JsonSerializer.SerializeToNode(genuine with { PricePerInstanceHour = 1m }, JsonOptions)!.AsObject();
            var change = new JsonObject
            {
                ["provider"] = "synthetic", ["catalogVersion"] = 2, ["offerKey"] = genuine.OfferKey, ["kind"] = (int)ChangeKind.Changed,
                ["region"] = genuine.Region, ["acceleratorId"] = genuine.AcceleratorId, ["pricingModel"] = genuine.PricingModel,
                ["oldPricePerInstanceHour"] = genuine.PricePerInstanceHour, ["newPricePerInstanceHour"] = 1m, ["currency"] = "USD",
                ["offer"] = offer, ["observedAt"] = now,
            };
            forge(change);
            return change;
        }

        var forgedChanges = new (string Why, JsonObject Body)[]
        {
            ("a negative price", Change(c => { c["newPricePerInstanceHour"] = -5m; c["offer"]!["pricePerInstanceHour"] = -5m; })),
            ("an unknown accelerator", Change(c => { c["acceleratorId"] = "nvidia-h999"; c["offer"]!["acceleratorId"] = "nvidia-h999"; })),
            ("a version far ahead of the clock", Change(c => c["catalogVersion"] = 4_000_000_000_000_000L)),
            ("a provider Quotes does not follow", Change(c =>
            {
                c["provider"] = "evil";
                c["offerKey"] = genuine.OfferKey.Replace("synthetic|", "evil|", StringComparison.Ordinal);
                c["offer"]!["provider"] = "evil";
            })),
            ("an offer key that is not the offer's", Change(c => c["offerKey"] = "synthetic|" + genuine.Region + "||other|" + genuine.PricingModel)),
            ("a 100 KB region", Change(c => c["region"] = new string('x', 100_000))),
            ("a change without its offer", Change(c => c.Remove("offer"))),
        };
        // Each forged change as the one change of a version part, as a provider would send it.
        JsonObject Part(JsonObject change) => new()
        {
            ["provider"] = change["provider"]?.DeepClone(), ["catalogVersion"] = change["catalogVersion"]?.DeepClone(), ["previousVersion"] = 1,
            ["part"] = 1, ["parts"] = 1, ["changeCount"] = 1, ["offerCount"] = Offers, ["quarantined"] = 0, ["asOf"] = now,
            ["changes"] = new JsonArray(change),
        };
        var forgedParts = forgedChanges.Select(f => Part(f.Body)).Append(new JsonObject
        {
            // Would make the view jump to a huge, empty "whole catalog" and drop every real version after it.
            ["provider"] = "synthetic", ["catalogVersion"] = 4_000_000_000_000_000L, ["previousVersion"] = 0, ["part"] = 1, ["parts"] = 1,
            ["changeCount"] = 0, ["offerCount"] = 0, ["quarantined"] = 0, ["asOf"] = now, ["changes"] = new JsonArray(),
        }).Append(SetPart(Part(Change(_ => { })), part: 2, parts: 1)).ToList();

        var factory = new ConnectionFactory { Uri = new Uri(hosts.VirtualHost) };
        await using var connection = await factory.CreateConnectionAsync(Ct);
        await using (var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true), Ct))
        {
            foreach (var body in forgedParts)
            {
                await PublishAsync(channel, PriceChangeTopology.CatalogVersionsExchangeName, "", nameof(CatalogVersionChanges), body);
            }
        }

        // Every forged part in the replica's error queue and in the history queue's.
        var replicaErrors = PriceChangeHosts.ReplicaQueueOf(hosts.Quotes) + "_error";
        await WaitForMessagesAsync(connection, replicaErrors, forgedParts.Count);
        await WaitForMessagesAsync(connection, "quotes-changes-test_error", forgedParts.Count);

        // The view, the history and the watcher are as they were.
        var after = Assert.Single(view.Current.Catalogs);
        Assert.Equal(before.Version, after.Version);
        Assert.Equal(before.Offers, after.Offers);
        var store = hosts.Quotes.Services.GetRequiredService<Quotes.History.IPriceHistoryStore>();
        Assert.Equal(0, (await store.ResumeWindowAsync("synthetic", 1, Ct)).Changes);
        Assert.Equal(0, (await store.ResumeWindowAsync("evil", 0, Ct)).Changes);

        // A genuine version still goes through, and it is all the watcher ever sees.
        hosts.Provider.Source().Bump();
        var v2 = await hosts.Provider.Catalog().ScrapeOnceAsync(Ct);
        await hosts.WaitForVersionAsync(v2.Version, Ct);
        var notices = await PriceChangeHosts.ReadAsync(watch, Offers, TimeSpan.FromMilliseconds(700), Ct);
        Assert.Equal(Offers, notices.Count);
        Assert.All(notices, n => Assert.True(n.Change.NewPricePerInstanceHour.Units > 1, "a forged price reached a watcher"));
        Assert.All(view.Current.Catalogs.Single().Offers.Values, o => Assert.True(o.PricePerInstanceHour > 1m));
    }

    /// <summary>A part that says it is part <paramref name="part"/> of <paramref name="parts"/>: a place that does not exist.</summary>
    private static JsonObject SetPart(JsonObject body, int part, int parts)
    {
        body["part"] = part;
        body["parts"] = parts;
        return body;
    }

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    /// <summary>A MassTransit JSON envelope, as any publisher on the broker can write one (docs/events.md).</summary>
    private static async Task PublishAsync(IChannel channel, string exchange, string routingKey, string messageType, JsonObject message)
    {
        var envelope = new JsonObject
        {
            ["messageId"] = Guid.NewGuid(),
            ["messageType"] = new JsonArray($"urn:message:Pricing.Contracts.Events:{messageType}"),
            ["sentTime"] = DateTimeOffset.UtcNow,
            ["headers"] = new JsonObject(),
            ["message"] = message,
        };
        var properties = new BasicProperties { ContentType = "application/vnd.masstransit+json", DeliveryMode = DeliveryModes.Persistent };
        await channel.BasicPublishAsync(exchange, routingKey, mandatory: false, properties, Encoding.UTF8.GetBytes(envelope.ToJsonString()), Ct);
    }

    private static async Task WaitForMessagesAsync(IConnection connection, string queue, int count)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        uint held = 0;
        while (DateTime.UtcNow < deadline)
        {
            if (await ReplicaTests.QueueExistsAsync(connection, queue))
            {
                await using var channel = await connection.CreateChannelAsync(cancellationToken: Ct);
                held = (await channel.QueueDeclarePassiveAsync(queue, Ct)).MessageCount;
                if (held >= count)
                {
                    Assert.Equal((uint)count, held);
                    return;
                }
            }

            await Task.Delay(100, Ct);
        }

        Assert.Fail($"{queue} holds {held} of the {count} forged messages");
    }
}
