using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Pricing.FakeProviders;
using Pricing.Quoting;
using Pricing.ServiceDefaults;
using Quotes.Sync;

namespace PriceChanges.Tests;

/// <summary>
/// Quotes' bootstrap from a provider's gRPC snapshot when the provider has not finished its first scrape: that is no
/// catalog (version 0), so the load fails and is retried instead of counting as done with an empty view.
/// </summary>
public sealed class CatalogBootstrapTests
{
    [Fact]
    public async Task A_provider_without_a_completed_scrape_is_not_a_loaded_catalog_and_the_next_load_after_its_scrape_is()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var provider = await SyntheticProviderHost.StartAsync(new Dictionary<string, string?> { ["Synthetic:Offers"] = "20" }, ct);
        var options = Options.Create(new QuotesOptions { Providers = { ["synthetic"] = provider.BoundAddress() } });
        var tokens = new ServiceTokenSource(Options.Create(new PricingAuthOptions()), new TestEnvironment(), TimeProvider.System);
        using var snapshots = new GrpcCatalogSnapshotClient(options, tokens);
        var view = new PriceView(TimeProvider.System);

        var notYet = await Assert.ThrowsAsync<InvalidDataException>(() => snapshots.LoadAsync("synthetic", view, ct));
        Assert.Contains("no catalog yet", notYet.Message);
        Assert.Equal(0, view.VersionOf("synthetic"));

        var scrape = await provider.Catalog().ScrapeOnceAsync(ct);
        await snapshots.LoadAsync("synthetic", view, ct);

        Assert.Equal(scrape.Version, view.VersionOf("synthetic"));
        Assert.Equal(20, view.Current.Catalogs.Single(c => c.Provider == "synthetic").Offers.Count);
    }

    private sealed class TestEnvironment : IHostEnvironment
    {
        public string EnvironmentName { get; set; } = "Test";

        public string ApplicationName { get; set; } = "bootstrap-test";

        public string ContentRootPath { get; set; } = AppContext.BaseDirectory;

        public Microsoft.Extensions.FileProviders.IFileProvider ContentRootFileProvider { get; set; } = new Microsoft.Extensions.FileProviders.NullFileProvider();
    }
}
