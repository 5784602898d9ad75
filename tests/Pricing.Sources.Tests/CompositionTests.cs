using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Pricing.Catalog;
using Pricing.FakeProviders;

namespace Pricing.Sources.Tests;

/// <summary>
/// <see cref="PriceProviderExtensions.AddPriceProvider"/>: the source <c>{Section}:Source</c> names, the provider's own
/// HTTP defaults and body handling, and the notes its mapping returns, as every provider gets them.
/// </summary>
public sealed class CompositionTests
{
    private static readonly Uri Unreachable = new("http://127.0.0.1:9/");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(null)]
    [InlineData("Snapshot")]
    [InlineData("anything else")]
    public async Task Unless_Source_is_Http_the_snapshot_source_serves_the_catalog_without_any_network(string? source)
    {
        await using var host = await ProviderHttpHost.StartConfiguredAsync(PagedPrices.With(ResponseBodies.Buffered),
            new Dictionary<string, string?> { ["Paged:Source"] = source, ["Paged:BaseUrl"] = Unreachable.ToString() }, Ct);

        var outcome = await host.Catalog.ScrapeOnceAsync(Ct);

        Assert.Equal(ScrapeResultKind.Published, outcome.Kind);
        Assert.Equal(PagedPrices.Provider, host.Catalog.Provider);
        Assert.Equal($"snapshot:{PagedPrices.SnapshotDate:yyyy-MM-dd}", host.Catalog.Status().Source);
        Assert.Equal(PagedPrices.SnapshotDate, host.Catalog.Current.AsOf);
        Assert.Equal(PagedPrices.Offers, host.Catalog.Current.Offers.Count);
        // The live API's HTTP defaults are not applied to a provider on its snapshot.
        Assert.Null(host.Services.GetService<IConfiguration>()!["Http:paged-prices:TotalTimeout"]);
    }

    [Theory]
    [InlineData("Http")]
    [InlineData("http")]
    public async Task Source_Http_reads_the_live_api_through_the_named_client(string source)
    {
        await using var fake = await new FakePagedPriceApi().StartAsync(Ct);
        await using var host = await ProviderHttpHost.StartAsync(PagedPrices.With(ResponseBodies.Buffered), fake.BaseUrl, Ct,
            new Dictionary<string, string?> { ["Paged:Source"] = source });

        var outcome = await host.Catalog.ScrapeOnceAsync(Ct);

        Assert.Equal(ScrapeResultKind.Published, outcome.Kind);
        Assert.Equal($"http {fake.BaseUrl}", host.Catalog.Status().Source);
        Assert.Equal(fake.PageCount, fake.RequestCount);
    }

    [Fact]
    public async Task A_providers_HTTP_defaults_apply_unless_configured()
    {
        await using var unconfigured = await ProviderHttpHost.StartConfiguredAsync(PagedPrices.With(ResponseBodies.Buffered),
            new Dictionary<string, string?> { ["Paged:Source"] = "Http" }, Ct);
        await using var configured = await ProviderHttpHost.StartConfiguredAsync(PagedPrices.With(ResponseBodies.Buffered),
            new Dictionary<string, string?> { ["Paged:Source"] = "Http", ["Http:paged-prices:TotalTimeout"] = "00:00:42" }, Ct);

        Assert.Equal("00:04:00", unconfigured.Services.GetRequiredService<IConfiguration>()["Http:paged-prices:TotalTimeout"]);
        Assert.Equal("00:00:42", configured.Services.GetRequiredService<IConfiguration>()["Http:paged-prices:TotalTimeout"]);
    }

    [Theory]
    [InlineData(ResponseBodies.Buffered, typeof(BufferedBodyHandler), typeof(SpooledBodyHandler))]
    [InlineData(ResponseBodies.SpooledToDisk, typeof(SpooledBodyHandler), typeof(BufferedBodyHandler))]
    public async Task The_client_reads_bodies_below_the_resilience_handler_as_the_provider_asks(ResponseBodies bodies, Type expected, Type absent)
    {
        await using var host = await ProviderHttpHost.StartAsync(PagedPrices.With(bodies), Unreachable, Ct);

        var chain = host.HandlerChain(PagedHttpSource.HttpClientName);

        Assert.Contains(chain, h => h.GetType() == expected);
        Assert.DoesNotContain(chain, h => h.GetType() == absent);
        // Below the resilience handler, so a body that breaks off fails the attempt and is retried.
        var resilience = chain.FindIndex(h => h.GetType().Name.Contains("Resilience", StringComparison.Ordinal));
        Assert.True(resilience >= 0 && resilience < chain.FindIndex(h => h.GetType() == expected));
    }

    [Fact]
    public async Task The_notes_of_a_scrape_are_logged_by_the_catalog()
    {
        await using var fake = await new FakePagedPriceApi().StartAsync(Ct);
        await using var host = await ProviderHttpHost.StartAsync(PagedPrices.With(ResponseBodies.Buffered), fake.BaseUrl, Ct,
            new Dictionary<string, string?> { ["Paged:Notes:0"] = "paged.7 in region-3: the API says gpu=0, priced as 8" });

        var outcome = await host.Catalog.ScrapeOnceAsync(Ct);

        Assert.Equal(ScrapeResultKind.Published, outcome.Kind);
        Assert.Contains(host.Logs.Entries, e => e.StartsWith("Information", StringComparison.Ordinal)
            && e.Contains("paged from http", StringComparison.Ordinal) && e.Contains("the API says gpu=0, priced as 8", StringComparison.Ordinal));
    }
}
