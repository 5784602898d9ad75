using Aws.Pricing.Extensions;
using Azure.Pricing.Extensions;
using Gcp.Pricing.Extensions;
using Dashboard;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Pricing.ServiceDefaults;
using Pricing.Sources;
using Pricing.Standalone.Extensions;
using Quotes.Extensions;
using Quotes.Sync;

namespace Pricing.Standalone;

/// <summary>
/// Every service in one process: the provider catalogs (on their bundled snapshots unless configured
/// otherwise), Quotes, and MassTransit's in-memory bus between them. No servers, works offline.
/// Setting ConnectionStrings:rabbitmq / ConnectionStrings:redis switches to the real ones.
/// gRPC on HTTP/2, and the JSON-transcoded API with its OpenAPI document on an HTTP/1.1 endpoint; with
/// <c>Dashboard:Enabled=true</c> (what Program.cs sets) also the dashboard, on its own HTTP/1.1 endpoint, reading this
/// host over gRPC (<see cref="StandaloneEndpoints"/> says which addresses). It logs each address at start.
/// </summary>
public static class StandaloneHost
{
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        configure?.Invoke(builder);
        var dashboard = builder.Configuration.GetValue(StandaloneDashboard.EnabledKey, false);
        StandaloneEndpoints.PrepareConfiguration(builder, dashboard);
        if (!string.IsNullOrWhiteSpace(builder.Configuration.GetConnectionString(QuotesExtensions.RedisConnectionName)))
        {
            // The history in Redis outlives this process: versions must keep growing across its restarts.
            builder.UseRestartSafeCatalogVersions();
        }

        builder.AddServiceDefaults();
        builder.AddPricingMessaging(QuotesExtensions.RegisterConsumers, QuotesExtensions.ConfigureRabbitEndpoints);
        builder.AddAwsPricing();
        builder.AddGcpPricing();
        builder.AddAzurePricing();
        builder.AddQuotes();
        // Quotes reads the catalogs hosted here directly rather than over gRPC to itself.
        builder.Services.Replace(ServiceDescriptor.Singleton<ICatalogSnapshotClient, InProcessCatalogSnapshotClient>());
        if (dashboard)
        {
            StandaloneDashboard.Add(builder);
        }

        var app = builder.Build();
        app.MapDefaultEndpoints();
        app.MapProviderCatalog();
        app.MapQuotes();
        if (dashboard)
        {
            app.MapDashboard();
            StandaloneDashboard.RestrictDashboardPort(app);
        }

        StandaloneEndpoints.Announce(app);
        return app;
    }

    /// <summary>The dashboard's address (browsers, HTTP/1.1), once the host has started with <c>Dashboard:Enabled=true</c>.</summary>
    public static string DashboardAddress(this WebApplication app) =>
        (app.Services.GetService<StandaloneDashboard>() ?? throw new InvalidOperationException("The dashboard is not enabled (Dashboard:Enabled=true)."))
            .With(app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()).DashboardAddress.ToString().TrimEnd('/');

    /// <summary>
    /// Waits until the price view holds a catalog of every provider hosted here (each scrapes its snapshot at
    /// start, in the background), so the first quote compares all of them rather than whichever loaded first.
    /// </summary>
    public static async Task WaitForAllCatalogsAsync(this WebApplication app, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var hosted = app.Services.GetServices<ProviderPriceCatalog>().Select(c => c.Provider).ToHashSet(StringComparer.Ordinal);
        var view = app.Services.GetRequiredService<Pricing.Quoting.PriceView>();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        while (true)
        {
            var next = view.NextChange;
            var loaded = view.Current.Catalogs.Select(c => c.Provider).ToHashSet(StringComparer.Ordinal);
            if (hosted.IsSubsetOf(loaded))
            {
                return;
            }

            try
            {
                await next.WaitAsync(deadline.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"Catalogs not loaded after {timeout}: have {string.Join(", ", loaded)}, expected {string.Join(", ", hosted)}.");
            }
        }
    }
}
