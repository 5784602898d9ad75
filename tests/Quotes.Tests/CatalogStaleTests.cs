using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Pricing.Catalog;
using Pricing.Contracts.V1;
using Pricing.Quoting;
using Quotes.Grpc;
using Quotes.Sync;

namespace Quotes.Tests;

/// <summary>
/// One meaning of stale for prices: older than Quotes:StaleAfter (default a week). Every catalog version an answer
/// reports says so, and a quote warns about it; the bundled snapshots of the embedded default are older than that.
/// </summary>
public sealed class CatalogStaleTests(StandaloneServer server)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_quote_on_the_bundled_snapshots_reports_them_stale_with_the_default_setting()
    {
        Assert.Equal(PriceAge.DefaultStaleAfter, server.Services.GetRequiredService<IOptions<QuotesOptions>>().Value.StaleAfter);

        var request = StandaloneServer.H100Request();
        request.View = QuoteView.Full;
        var quote = await server.Quotes.QuoteTrainingRunAsync(request, cancellationToken: Ct);
        // The basic view has no warnings; its catalog versions say stale all the same.
        var basic = await server.Quotes.QuoteTrainingRunAsync(StandaloneServer.H100Request(), cancellationToken: Ct);

        Assert.Equal(quote.CatalogVersions.Select(v => (v.Provider, v.Stale)), basic.CatalogVersions.Select(v => (v.Provider, v.Stale)));
        Assert.NotEmpty(quote.CatalogVersions);
        Assert.All(quote.CatalogVersions, v =>
        {
            Assert.True(v.AgeSeconds > PriceAge.DefaultStaleAfter.TotalSeconds, $"{v.Provider}'s bundled snapshot is {v.AgeSeconds} s old.");
            Assert.True(v.Stale, v.Provider);
            Assert.Contains(quote.Warnings, w => w.StartsWith($"{v.Provider} prices are ", StringComparison.Ordinal));
        });
    }

    [Fact]
    public async Task Comparisons_and_offer_listings_report_stale_catalog_versions_too()
    {
        var comparison = await server.Quotes.CompareAcceleratorsAsync(StandaloneServer.H100Request(), cancellationToken: Ct);
        var offers = await new OfferCatalog.OfferCatalogClient(server.Channel).ListCatalogOffersAsync(new ListCatalogOffersRequest { Limit = 1 }, cancellationToken: Ct);

        Assert.NotEmpty(comparison.CatalogVersions);
        Assert.All(comparison.CatalogVersions, v => Assert.True(v.Stale, v.Provider));
        Assert.NotEmpty(offers.CatalogVersions);
        Assert.All(offers.CatalogVersions, v => Assert.True(v.Stale, v.Provider));
    }

    [Fact]
    public void Prices_younger_than_StaleAfter_are_not_stale_and_not_warned_about()
    {
        var prices = server.Services.GetRequiredService<PriceView>().Current;
        var engine = server.Services.GetRequiredService<QuoteEngine>();
        var spec = QuoteRequestMapping.ToSpec(StandaloneServer.H100Request(), AcceleratorRegistry.Default);
        var now = prices.Catalogs.Max(c => c.AsOf) + TimeSpan.FromDays(1);
        var oldest = now - prices.Catalogs.Min(c => c.AsOf);

        var lenient = QuotePlanProtoMapping.ToProto(engine.Quote(spec, prices), prices, now, spec.Precision, oldest + TimeSpan.FromHours(1));
        var strict = QuotePlanProtoMapping.ToProto(engine.Quote(spec, prices), prices, now, spec.Precision, TimeSpan.FromHours(23));

        Assert.All(lenient.CatalogVersions, v => Assert.False(v.Stale));
        Assert.DoesNotContain(lenient.Warnings, w => w.Contains(" prices are ", StringComparison.Ordinal));
        Assert.All(strict.CatalogVersions, v => Assert.True(v.Stale));
    }
}
