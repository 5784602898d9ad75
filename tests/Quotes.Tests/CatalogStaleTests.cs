using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Pricing.Catalog;
using Pricing.Contracts.V1;
using Pricing.Quoting;
using Pricing.ServiceDefaults;
using Pricing.Standalone;
using Quotes.Grpc;
using Quotes.Sync;

namespace Quotes.Tests;

/// <summary>
/// One meaning of stale for prices: older than Quotes:StaleAfter (default a week). Every catalog version an answer
/// reports says so, and a quote warns about it. No test here reads the wall clock against the bundled snapshots' age:
/// the served answers come from an embedded default whose StaleAfter (<see cref="StaleAfterOneSecond"/>) every snapshot
/// is past, whatever its as-of date; the default setting is checked at times fixed relative to the snapshots' as-of.
/// </summary>
public sealed class CatalogStaleTests(StandaloneServer server, CatalogStaleTests.StaleAfterOneSecond stale) : IClassFixture<CatalogStaleTests.StaleAfterOneSecond>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_quote_on_catalogs_older_than_StaleAfter_reports_them_stale_in_both_views_and_warns()
    {
        Assert.Equal(StaleAfterOneSecond.StaleAfter, stale.Services.GetRequiredService<IOptions<QuotesOptions>>().Value.StaleAfter);
        var quotes = new TrainingQuotes.TrainingQuotesClient(stale.Channel);

        var request = StandaloneServer.H100Request();
        request.View = QuoteView.Full;
        var quote = await quotes.QuoteTrainingRunAsync(request, cancellationToken: Ct);
        var basic = await quotes.QuoteTrainingRunAsync(StandaloneServer.H100Request(), cancellationToken: Ct);

        Assert.Equal(quote.CatalogVersions.Select(v => (v.Provider, v.Stale)), basic.CatalogVersions.Select(v => (v.Provider, v.Stale)));
        Assert.NotEmpty(quote.CatalogVersions);
        Assert.All(quote.CatalogVersions, v =>
        {
            Assert.True(v.AgeSeconds > StaleAfterOneSecond.StaleAfter.TotalSeconds, $"{v.Provider}'s catalog is {v.AgeSeconds} s old.");
            Assert.True(v.Stale, v.Provider);
            Assert.Contains(quote.Warnings, w => Stale(w).Contains(v.Provider));
            // The basic view keeps the warnings: a stale catalog is what a reader must see in either view.
            Assert.Contains(basic.Warnings, w => Stale(w).Contains(v.Provider));
        });
    }

    [Fact]
    public async Task Comparisons_and_offer_listings_report_stale_catalog_versions_too()
    {
        var comparison = await new TrainingQuotes.TrainingQuotesClient(stale.Channel).CompareAcceleratorsAsync(StandaloneServer.H100Request(), cancellationToken: Ct);
        var offers = await new OfferCatalog.OfferCatalogClient(stale.Channel).ListCatalogOffersAsync(new ListCatalogOffersRequest { Limit = 1 }, cancellationToken: Ct);

        Assert.NotEmpty(comparison.CatalogVersions);
        Assert.All(comparison.CatalogVersions, v => Assert.True(v.Stale, v.Provider));
        Assert.Contains(comparison.Warnings, w => w.Contains(" prices are ", StringComparison.Ordinal));
        Assert.NotEmpty(offers.CatalogVersions);
        Assert.All(offers.CatalogVersions, v => Assert.True(v.Stale, v.Provider));
    }

    [Fact]
    public void With_the_default_setting_prices_are_stale_a_week_after_their_as_of_date_and_not_before()
    {
        Assert.Equal(PriceAge.DefaultStaleAfter, server.Services.GetRequiredService<IOptions<QuotesOptions>>().Value.StaleAfter);
        var prices = server.Services.GetRequiredService<PriceView>().Current;
        var engine = server.Services.GetRequiredService<QuoteEngine>();
        var spec = QuoteRequestMapping.ToSpec(StandaloneServer.H100Request(), AcceleratorRegistry.Default);
        // Times fixed relative to the snapshots' own as-of dates, so a refreshed snapshot changes nothing here.
        var afterAWeek = prices.Catalogs.Max(c => c.AsOf) + PriceAge.DefaultStaleAfter + TimeSpan.FromHours(1);
        var withinAWeek = prices.Catalogs.Min(c => c.AsOf) + PriceAge.DefaultStaleAfter - TimeSpan.FromHours(1);

        var old = QuotePlanProtoMapping.ToProto(engine.Quote(spec, prices), prices, afterAWeek, spec.Precision, PriceAge.DefaultStaleAfter);
        var recent = QuotePlanProtoMapping.ToProto(engine.Quote(spec, prices), prices, withinAWeek, spec.Precision, PriceAge.DefaultStaleAfter);

        Assert.NotEmpty(old.CatalogVersions);
        Assert.All(old.CatalogVersions, v => Assert.True(v.Stale, v.Provider));
        Assert.All(old.CatalogVersions, v => Assert.Contains(old.Warnings, w => Stale(w).Contains(v.Provider)));
        Assert.All(recent.CatalogVersions, v => Assert.False(v.Stale, v.Provider));
        Assert.DoesNotContain(recent.Warnings, w => w.Contains(" prices are ", StringComparison.Ordinal));
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

    /// <summary>
    /// The embedded default with Quotes:StaleAfter one second: every bundled snapshot (as of a past date, however
    /// recent) is past it, so its answers report stale prices the same today as after a snapshot refresh.
    /// </summary>
    public sealed class StaleAfterOneSecond : IAsyncLifetime
    {
        public static readonly TimeSpan StaleAfter = TimeSpan.FromSeconds(1);

        private WebApplication? _app;
        private GrpcChannel? _channel;

        public GrpcChannel Channel => _channel ?? throw new InvalidOperationException("The server is not started.");

        public IServiceProvider Services => _app?.Services ?? throw new InvalidOperationException("The server is not started.");

        public async ValueTask InitializeAsync()
        {
            _app = StandaloneHost.Build([], b =>
            {
                b.UseFreeLoopbackPort();
                b.Logging.SetMinimumLevel(LogLevel.Warning);
                b.Configuration[$"{QuotesOptions.Section}:{nameof(QuotesOptions.StaleAfter)}"] = StaleAfter.ToString("c");
            });
            await _app.StartAsync(TestContext.Current.CancellationToken);
            await _app.WaitForAllCatalogsAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
            _channel = GrpcChannel.ForAddress(_app.BoundAddress());
        }

        public async ValueTask DisposeAsync()
        {
            _channel?.Dispose();
            if (_app is not null)
            {
                await _app.StopAsync(CancellationToken.None);
                await _app.DisposeAsync();
            }
        }
    }

    /// <summary>The providers a stale-prices warning names ("aws, azure and gcp prices are …"); none for another warning.</summary>
    private static string[] Stale(string warning) =>
        warning.IndexOf(" prices are ", StringComparison.Ordinal) is var at and > 0
            ? warning[..at].Replace(" and ", ", ", StringComparison.Ordinal).Split(", ")
            : [];

    [Fact]
    public void Providers_stale_by_the_same_age_and_version_share_one_warning()
    {
        var now = new DateTimeOffset(2026, 12, 7, 0, 0, 0, TimeSpan.Zero);
        var empty = new Dictionary<string, Pricing.Catalog.Offer>();
        Pricing.Quoting.PriceViewCatalog Catalog(string provider, long version, double daysOld) => new(provider, version, now.AddDays(-daysOld), empty);

        var warnings = Grpc.CatalogVersionsProto.StaleWarnings(
            [Catalog("aws", 1, 9), Catalog("azure", 1, 9.2), Catalog("gcp", 4, 9), Catalog("oci", 1, 12), Catalog("fresh", 1, 0.1)], now, TimeSpan.FromDays(7)).ToList();

        Assert.Equal(["aws and azure prices are 9 days old (catalog version 1).", "gcp prices are 9 days old (catalog version 4).", "oci prices are 12 days old (catalog version 1)."], warnings);
        Assert.Equal(["aws", "azure"], Stale(warnings[0]));
    }
}
