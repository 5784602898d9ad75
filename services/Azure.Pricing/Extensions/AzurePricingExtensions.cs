using Pricing.ServiceDefaults;
using Pricing.Sources;

namespace Azure.Pricing.Extensions;

public static class AzurePricingExtensions
{
    /// <summary>The Azure.Pricing deployable, composed once: Program.cs and the end-to-end tests both build it here.</summary>
    public static WebApplication BuildAzurePricingApp(this WebApplicationBuilder builder)
    {
        builder.AddServiceDefaults();
        builder.AddPricingMessaging();
        builder.UseRestartSafeCatalogVersions();
        builder.AddAzurePricing();
        var app = builder.Build();
        app.MapDefaultEndpoints();
        app.MapProviderCatalog();
        return app;
    }

    /// <summary>
    /// The Azure provider: its price source (the live API when <c>Azure:Source=Http</c>, else the bundled
    /// snapshot), its versioned catalog, scrape loop and gRPC <c>ProviderCatalog</c>.
    /// </summary>
    public static IHostApplicationBuilder AddAzurePricing(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<AzurePricingOptions>().BindConfiguration(AzurePricingOptions.Section);
        var source = builder.Configuration[$"{AzurePricingOptions.Section}:Source"] ?? "Snapshot";
        if (string.Equals(source, "Http", StringComparison.OrdinalIgnoreCase))
        {
            builder.AddProviderHttpClient(AzureRetailPriceSource.HttpClientName);
            builder.AddProviderCatalog<AzureRetailPriceSource>();
        }
        else
        {
            builder.AddProviderCatalog<AzureSnapshotSource>();
        }

        return builder;
    }
}
