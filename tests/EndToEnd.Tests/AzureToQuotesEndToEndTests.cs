using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Pricing.Contracts;
using Pricing.Contracts.V1;
using Pricing.FakeProviders;
using Pricing.ServiceDefaults;
using Pricing.Sources;
using Pricing.Testing;
using Quotes.Caching;
using Quotes.Sync;
using StackExchange.Redis;
using Xunit;

namespace EndToEnd.Tests;

/// <summary>
/// The walking skeleton on real servers: a fake Azure Retail Prices API → Azure.Pricing (scrape, diff,
/// publish) → RabbitMQ → Quotes (price view, Redis cache) → a gRPC quote; then a price change at the
/// fake, a re-scrape, and the next quote shows the new price, not a cached old one.
/// </summary>
public sealed class AzureToQuotesEndToEndTests(RabbitMqTestServer rabbit, RedisTestServer redis)
    : IClassFixture<RabbitMqTestServer>, IClassFixture<RedisTestServer>
{
    private const string H100 = "Standard_ND96isr_H100_v5";

    [Fact]
    public async Task A_price_change_at_the_provider_reaches_the_next_quote_through_RabbitMQ_and_never_serves_the_cached_old_price()
    {
        rabbit.SkipIfUnavailable();
        redis.SkipIfUnavailable();
        var ct = TestContext.Current.CancellationToken;
        var vhost = await rabbit.CreateVirtualHostAsync($"e2e-{Guid.NewGuid():N}");

        await using var fakeAzure = await FakeAzureRetailPricesApi.FromEmbeddedSnapshot().StartAsync(ct);
        await using var azure = await ServiceHosts.StartAzurePricingAsync(new Dictionary<string, string?>
        {
            ["ConnectionStrings:rabbitmq"] = vhost,
            ["Azure:Source"] = "Http",
            ["Azure:BaseUrl"] = fakeAzure.BaseUrl.ToString(),
            ["Scrape:RunOnSchedule"] = "false",
            ["Http:azure-retail-prices:RetryBaseDelay"] = "00:00:00.050",
        });
        await using var quotes = await ServiceHosts.StartQuotesAsync(new Dictionary<string, string?>
        {
            ["ConnectionStrings:rabbitmq"] = vhost,
            ["ConnectionStrings:redis"] = redis.ConnectionString,
            ["Redis:KeyPrefix"] = redis.KeyPrefix,
            ["Quotes:Providers:azure"] = azure.BoundAddress(),
            ["Quotes:QueueName"] = "quotes-e2e",
            // Long enough that only the events, never a resync, can bring version 2 in this test.
            ["Quotes:ResyncGrace"] = "00:05:00",
        });

        using var channel = GrpcChannel.ForAddress(quotes.BoundAddress());
        var client = new TrainingQuotes.TrainingQuotesClient(channel);
        var request = new QuoteTrainingRunRequest
        {
            Parameters = 70e9,
            Tokens = 1.4e12,
            AcceleratorIds = { "nvidia-h100-80gb" },
            Regions = { "eastus" },
            PricingModels = { "on_demand" },
            AcceleratorCount = 1024,
        };

        // The first version: the first scrape publishes every offer as added; Quotes builds its view from the events.
        // The deployable numbers versions from the clock (Unix seconds at start), so a restart continues above them.
        var catalog = azure.Services.GetServices<ProviderPriceCatalog>().Single();
        var startedAt = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var first = await catalog.ScrapeOnceAsync(ct);
        Assert.Equal(ScrapeResultKind.Published, first.Kind);
        Assert.InRange(first.Version, startedAt - 120, startedAt);

        var quoteV1 = await QuoteAtVersionAsync(client, request, first.Version, ct);
        var optionV1 = Assert.Single(quoteV1.Options);
        Assert.Equal(H100, optionV1.InstanceType);
        Assert.Equal(98.32m / 8, optionV1.PricePerAcceleratorHour.ToDecimal());
        var expectedCostV1 = decimal.Round((decimal)optionV1.WallClockHours * optionV1.Instances * 98.32m, 2, MidpointRounding.AwayFromZero);
        Assert.Equal(expectedCostV1, optionV1.TotalCost.ToDecimal());

        // The same question again is answered from the cache, and the cached quote is in Redis too.
        var cache = quotes.Services.GetRequiredService<QuoteCache>();
        var computedBefore = cache.Computed;
        var again = await client.QuoteTrainingRunAsync(request, cancellationToken: ct);
        Assert.Equal(quoteV1, again);
        Assert.Equal(computedBefore, cache.Computed);
        // HybridCache writes Redis just after it answers: wait for that write before looking for the key.
        var redisCache = quotes.Services.GetRequiredService<ResilientRedisCache>();
        var writeDeadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (redisCache.Writes < 1 && DateTime.UtcNow < writeDeadline)
        {
            await Task.Delay(10, ct);
        }

        var multiplexer = quotes.Services.GetRequiredService<IConnectionMultiplexer>();
        var server = multiplexer.GetServer(multiplexer.GetEndPoints()[0]);
        Assert.Contains(server.Keys(pattern: redis.KeyPrefix + "quote:*"), k => k.ToString().EndsWith($":azure:{first.Version}", StringComparison.Ordinal));

        // The provider changes one price; a re-scrape publishes exactly that change as version 2.
        // (The Windows row shares the meter; only the Linux on-demand row changes.)
        var changed = fakeAzure.MutateItems(
            i => FakeAzureRetailPricesApi.Field(i, "armSkuName") == H100 && FakeAzureRetailPricesApi.Field(i, "armRegionName") == "eastus"
                 && FakeAzureRetailPricesApi.Field(i, "type") == "Consumption" && !FakeAzureRetailPricesApi.IsSpot(i)
                 && FakeAzureRetailPricesApi.Field(i, "productName")?.EndsWith(" Windows", StringComparison.Ordinal) == false,
            i =>
            {
                i["retailPrice"] = 90.00m;
                i["unitPrice"] = 90.00m;
            });
        Assert.Equal(1, changed);
        var second = await catalog.ScrapeOnceAsync(ct);
        Assert.Equal(ScrapeResultKind.Published, second.Kind);
        Assert.Equal(first.Version + 1, second.Version);
        Assert.Equal(1, second.Changes);

        var quoteV2 = await QuoteAtVersionAsync(client, request, second.Version, ct);
        var optionV2 = Assert.Single(quoteV2.Options);
        Assert.Equal(90.00m / 8, optionV2.PricePerAcceleratorHour.ToDecimal());
        Assert.True(optionV2.TotalCost.ToDecimal() < optionV1.TotalCost.ToDecimal());
        // The basic view reports the version once per provider, not per option.
        Assert.Equal(second.Version, Assert.Single(quoteV2.CatalogVersions, v => v.Provider == "azure").Version);
        Assert.True(cache.Computed > computedBefore, "The quote after the price change must be computed, not served from cache.");
        Assert.Equal(0, quotes.Services.GetRequiredService<CatalogSyncWorker>().Resyncs);
    }

    /// <summary>Asks until the quote is built on the given azure catalog version (events are asynchronous).</summary>
    private static async Task<TrainingQuote> QuoteAtVersionAsync(TrainingQuotes.TrainingQuotesClient client, QuoteTrainingRunRequest request, long version, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        TrainingQuote? last = null;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                last = await client.QuoteTrainingRunAsync(request, cancellationToken: ct);
                if (last.CatalogVersions.Any(v => v.Provider == "azure" && v.Version == version))
                {
                    return last;
                }
            }
            catch (Grpc.Core.RpcException ex) when (ex.StatusCode == Grpc.Core.StatusCode.Unavailable)
            {
                // No catalog loaded yet.
            }

            await Task.Delay(50, ct);
        }

        throw new TimeoutException($"No quote at azure catalog version {version} within 30 s; last saw {last?.CatalogVersions}.");
    }
}
