using Dashboard;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Pricing.FakeProviders;
using Pricing.ServiceDefaults;
using Pricing.Sources;
using Pricing.Standalone;

[assembly: AssemblyFixture(typeof(Dashboard.Tests.DashboardServer))]

namespace Dashboard.Tests;

/// <summary>
/// The embedded default with the dashboard on, started once for the assembly: AWS and GCP on their bundled
/// snapshots, Azure reading a fake Retail Prices API (serving the same recorded pages) over HTTP, so a test can
/// change a price at the "provider" and scrape.
/// </summary>
public sealed class DashboardServer : IAsyncLifetime
{
    private WebApplication? _app;

    public FakeAzureRetailPricesApi Fake { get; } = FakeAzureRetailPricesApi.FromEmbeddedSnapshot();

    public WebApplication App => _app ?? throw new InvalidOperationException("Not started.");

    /// <summary>Where browsers go (HTTP/1.1).</summary>
    public string DashboardUrl { get; private set; } = "";

    /// <summary>The same host's gRPC address (HTTP/2).</summary>
    public string GrpcUrl { get; private set; } = "";

    /// <summary>The StaleAfter rule the dashboard applies, from the host's configuration.</summary>
    public Dashboard.Pages.PriceStaleness Staleness() => new(App.Services.GetRequiredService<IConfiguration>());

    public ProviderPriceCatalog Catalog(string provider) =>
        App.Services.GetServices<ProviderPriceCatalog>().Single(c => c.Provider == provider);

    public async ValueTask InitializeAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        await Fake.StartAsync(ct);
        _app = StandaloneHost.Build([], b =>
        {
            b.UseFreeLoopbackPort();
            b.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Dashboard:Enabled"] = "true",
                ["Azure:Source"] = "Http",
                ["Azure:BaseUrl"] = Fake.BaseUrl.ToString(),
                // One scrape at start; the tests scrape on demand after changing a price.
                ["Scrape:Interval"] = "1.00:00:00",
            });
            b.Logging.SetMinimumLevel(LogLevel.Warning);
        });
        await _app.StartAsync(ct);
        await _app.WaitForAllCatalogsAsync(TimeSpan.FromSeconds(60), ct);
        DashboardUrl = _app.DashboardAddress();
        GrpcUrl = _app.BoundAddress();

        // The live feed relays Quotes' WatchPriceChanges stream; it connects once the host has started.
        var relay = _app.Services.GetRequiredService<PriceFeedRelay>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!relay.State.Connected)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"The dashboard's live-feed relay did not connect to Quotes: {relay.State.Error}");
            }

            await Task.Delay(50, ct);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync(CancellationToken.None);
            await _app.DisposeAsync();
        }

        await Fake.DisposeAsync();
    }
}
