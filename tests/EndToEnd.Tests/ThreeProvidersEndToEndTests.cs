using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Pricing.Contracts;
using Pricing.Contracts.V1;
using Pricing.FakeProviders;
using Pricing.ServiceDefaults;
using Pricing.Sources;
using Pricing.Testing;
using Xunit;

namespace EndToEnd.Tests;

/// <summary>
/// AWS, Google Cloud and Azure, each a separate deployable reading its fake provider API over HTTP, all feed one
/// Quotes service through real RabbitMQ (and Redis for its cache and history): a quote compares all three.
/// </summary>
public sealed class ThreeProvidersEndToEndTests(RabbitMqTestServer rabbit, RedisTestServer redis)
    : IClassFixture<RabbitMqTestServer>, IClassFixture<RedisTestServer>
{
    [Fact]
    public async Task All_three_providers_feed_Quotes_through_RabbitMQ_and_one_quote_compares_them()
    {
        rabbit.SkipIfUnavailable();
        redis.SkipIfUnavailable();
        var ct = TestContext.Current.CancellationToken;
        var vhost = await rabbit.CreateVirtualHostAsync($"e2e3-{Guid.NewGuid():N}");

        await using var fakeAws = await FakeAwsPriceListApi.FromEmbeddedSnapshot().StartAsync(ct);
        await using var fakeGcp = await FakeGcpCloudBillingApi.FromEmbeddedSnapshot().StartAsync(ct);
        await using var fakeAzure = await FakeAzureRetailPricesApi.FromEmbeddedSnapshot().StartAsync(ct);
        var awsSettings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:rabbitmq"] = vhost,
            ["Aws:Source"] = "Http",
            ["Aws:BaseUrl"] = fakeAws.BaseUrl.ToString(),
            ["Aws:SpotFeedUrl"] = fakeAws.SpotFeedUrl.ToString(),
            ["Scrape:RunOnSchedule"] = "false",
        };
        for (var i = 0; i < fakeAws.Regions.Count; i++)
        {
            // The regions the recording has offer files for.
            awsSettings[$"Aws:Regions:{i}"] = fakeAws.Regions[i];
        }

        await using var aws = await ServiceHosts.StartAwsPricingAsync(awsSettings);
        await using var gcp = await ServiceHosts.StartGcpPricingAsync(new Dictionary<string, string?>
        {
            ["ConnectionStrings:rabbitmq"] = vhost,
            ["Gcp:Source"] = "Http",
            ["Gcp:BaseUrl"] = fakeGcp.BaseUrl.ToString(),
            ["Gcp:ApiKey"] = fakeGcp.ApiKey,
            ["Scrape:RunOnSchedule"] = "false",
        });
        await using var azure = await ServiceHosts.StartAzurePricingAsync(new Dictionary<string, string?>
        {
            ["ConnectionStrings:rabbitmq"] = vhost,
            ["Azure:Source"] = "Http",
            ["Azure:BaseUrl"] = fakeAzure.BaseUrl.ToString(),
            ["Scrape:RunOnSchedule"] = "false",
        });
        await using var quotes = await ServiceHosts.StartQuotesAsync(new Dictionary<string, string?>
        {
            ["ConnectionStrings:rabbitmq"] = vhost,
            ["ConnectionStrings:redis"] = redis.ConnectionString,
            ["Redis:KeyPrefix"] = $"{redis.KeyPrefix}{Guid.NewGuid():N}:",
            ["Quotes:Providers:aws"] = aws.BoundAddress(),
            ["Quotes:Providers:gcp"] = gcp.BoundAddress(),
            ["Quotes:Providers:azure"] = azure.BoundAddress(),
            ["Quotes:QueueName"] = "quotes-e2e3",
            ["Quotes:ResyncGrace"] = "00:05:00",
        });

        var published = new Dictionary<string, ScrapeOutcome>();
        foreach (var host in new[] { aws, gcp, azure })
        {
            var catalog = host.Services.GetServices<ProviderPriceCatalog>().Single();
            var outcome = await catalog.ScrapeOnceAsync(ct);
            Assert.True(outcome.Kind == ScrapeResultKind.Published, $"{catalog.Provider}: {outcome.Kind} {outcome.Error}");
            Assert.True(outcome.Offers > 0, $"{catalog.Provider} published no offers");
            published[catalog.Provider] = outcome;
        }

        using var channel = GrpcChannel.ForAddress(quotes.BoundAddress());
        var status = await WaitForAllAsync(new PriceChanges.PriceChangesClient(channel), published.Keys, ct);
        foreach (var provider in status.Providers)
        {
            // Exactly what each provider published, carried by the events alone (no resync happened).
            Assert.Equal(published[provider.Provider].Version, provider.Version);
            Assert.Equal(published[provider.Provider].Offers, provider.Offers);
        }

        Assert.Equal(0, status.Resyncs);

        var quote = await new TrainingQuotes.TrainingQuotesClient(channel).QuoteTrainingRunAsync(new QuoteTrainingRunRequest
        {
            Parameters = 70e9,
            Tokens = 1.4e12,
            AcceleratorIds = { "nvidia-h100-80gb" },
            PricingModels = { "on_demand" },
            MaxOptions = 500,
        }, cancellationToken: ct);

        Assert.Equal(["aws", "azure", "gcp"], quote.Options.Select(o => o.Provider).Distinct().Order());
        Assert.Equal(quote.Options.OrderBy(o => o.TotalCost.ToDecimal()).Select(o => o.KeyOfOffer()), quote.Options.Select(o => o.KeyOfOffer()));
        Assert.Equal(["aws", "azure", "gcp"], quote.CatalogVersions.Select(v => v.Provider).Order());
    }

    private static async Task<ViewStatus> WaitForAllAsync(PriceChanges.PriceChangesClient client, IEnumerable<string> providers, CancellationToken ct)
    {
        var expected = providers.ToHashSet();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            var status = await client.GetViewStatusAsync(new GetViewStatusRequest(), cancellationToken: ct);
            if (expected.IsSubsetOf(status.Providers.Where(p => p.Version > 0).Select(p => p.Provider)))
            {
                return status;
            }

            Assert.True(DateTime.UtcNow < deadline, $"Quotes did not load every provider: {status}");
            await Task.Delay(100, ct);
        }
    }
}
