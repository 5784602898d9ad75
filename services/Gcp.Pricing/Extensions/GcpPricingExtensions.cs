using Pricing.ServiceDefaults;
using Pricing.Sources;

namespace Gcp.Pricing.Extensions;

public static class GcpPricingExtensions
{
    /// <summary>The Gcp.Pricing deployable, composed once: Program.cs and the end-to-end tests both build it here.</summary>
    public static WebApplication BuildGcpPricingApp(this WebApplicationBuilder builder)
    {
        builder.AddServiceDefaults();
        builder.AddPricingMessaging();
        builder.UseRestartSafeCatalogVersions();
        builder.AddGcpPricing();
        var app = builder.Build();
        app.MapDefaultEndpoints();
        app.MapProviderCatalog();
        return app;
    }

    /// <summary>
    /// The GCP provider: its price source (the live Cloud Billing Catalog API when <c>Gcp:Source=Http</c>, else the
    /// bundled snapshot), its versioned catalog, scrape loop and gRPC <c>ProviderCatalog</c>.
    /// </summary>
    public static IHostApplicationBuilder AddGcpPricing(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<GcpPricingOptions>().BindConfiguration(GcpPricingOptions.Section);
        var source = builder.Configuration[$"{GcpPricingOptions.Section}:Source"] ?? "Snapshot";
        if (string.Equals(source, "Http", StringComparison.OrdinalIgnoreCase))
        {
            builder.AddProviderHttpClient(GcpCloudBillingSource.HttpClientName);
            builder.AddProviderCatalog<GcpCloudBillingSource>();
        }
        else
        {
            builder.AddProviderCatalog<GcpSnapshotSource>();
        }

        return builder;
    }
}
