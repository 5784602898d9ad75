using Microsoft.Extensions.Configuration;
using Pricing.ServiceDefaults;
using Pricing.Sources;

namespace Aws.Pricing.Extensions;

public static class AwsPricingExtensions
{
    /// <summary>The Aws.Pricing deployable, composed once: Program.cs and the end-to-end tests both build it here.</summary>
    public static WebApplication BuildAwsPricingApp(this WebApplicationBuilder builder)
    {
        builder.AddServiceDefaults();
        builder.AddPricingMessaging();
        builder.UseRestartSafeCatalogVersions();
        builder.AddAwsPricing();
        var app = builder.Build();
        app.MapDefaultEndpoints();
        app.MapProviderCatalog();
        return app;
    }

    /// <summary>
    /// The AWS provider: its price source (the live Price List Bulk API when <c>Aws:Source=Http</c>, else the
    /// bundled snapshot), its versioned catalog, scrape loop and gRPC <c>ProviderCatalog</c>.
    /// </summary>
    public static IHostApplicationBuilder AddAwsPricing(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<AwsPricingOptions>().BindConfiguration(AwsPricingOptions.Section);
        var source = builder.Configuration[$"{AwsPricingOptions.Section}:Source"] ?? "Snapshot";
        if (string.Equals(source, "Http", StringComparison.OrdinalIgnoreCase))
        {
            AddDefaultHttpSettings(builder.Configuration);
            builder.AddProviderHttpClient(AwsPriceListSource.HttpClientName)
                .ConfigureAdditionalHttpMessageHandlers((handlers, _) => SpooledBodyHandler.ReplaceBufferedBodyHandler(handlers));
            builder.AddProviderCatalog<AwsPriceListSource>();
        }
        else
        {
            builder.AddProviderCatalog<AwsSnapshotSource>();
        }

        return builder;
    }

    /// <summary>
    /// An offer file is one response of hundreds of MB, read whole inside each attempt: the shared defaults
    /// (30 s per attempt, 3 min in all) would cut us-east-1 off on any ordinary link. Configured values win.
    /// </summary>
    private static void AddDefaultHttpSettings(IConfigurationManager configuration)
    {
        var section = $"Http:{AwsPriceListSource.HttpClientName}";
        var defaults = new Dictionary<string, string?>
        {
            [$"{section}:AttemptTimeout"] = "00:10:00",
            [$"{section}:TotalTimeout"] = "00:30:00",
        };
        var missing = defaults.Where(d => configuration[d.Key] is null).ToDictionary(d => d.Key, d => d.Value);
        if (missing.Count > 0)
        {
            configuration.AddInMemoryCollection(missing);
        }
    }
}
