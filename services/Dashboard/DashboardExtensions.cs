using System.Reflection;
using Grpc.Net.ClientFactory;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Mvc.ApplicationParts;
using Pricing.Contracts.V1;
using Pricing.Client;
using Pricing.ServiceDefaults;

namespace Dashboard;

public static class DashboardExtensions
{
    private static readonly Assembly DashboardAssembly = typeof(DashboardExtensions).Assembly;

    /// <summary>The Dashboard deployable, composed once: Program.cs and the tests both build it here.</summary>
    public static WebApplication BuildDashboardApp(this WebApplicationBuilder builder)
    {
        builder.Configuration["Kestrel:EndpointDefaults:Protocols"] ??= "Http1";
        builder.AddServiceDefaults();
        builder.AddDashboard();
        var app = builder.Build();
        // Health is anonymous (probes); the pages need a token with pricing.read when Auth is configured (docs/security.md).
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = r => r.Tags.Contains("live") }).AllowAnonymous();
        app.MapHealthChecks("/health/ready").AllowAnonymous();
        // Prometheus scrapes every deployable's /metrics on its HTTP/1.1 port (deploy/prometheus/prometheus.yml).
        app.MapPrometheusScrapingEndpoint("/metrics");
        app.MapDashboard();
        return app;
    }

    /// <summary>
    /// The dashboard's pages, its gRPC clients and the live-feed relay. Addresses come from
    /// <c>Dashboard:QuotesUrl</c> and <c>Dashboard:Providers:{name}</c>; <paramref name="localAddress"/> (the host's
    /// own gRPC address, resolved after start) stands in for whichever of them is not configured.
    /// </summary>
    public static IHostApplicationBuilder AddDashboard(this IHostApplicationBuilder builder, Func<IServiceProvider, Uri>? localAddress = null)
    {
        var services = builder.Services;
        services.AddOptions<DashboardOptions>().BindConfiguration(DashboardOptions.Section);
        if (PricingAuthOptions.From(builder.Configuration).Enabled)
        {
            services.AddDashboardSignIn();
        }

        services.TryAddTimeProvider();

        var section = builder.Configuration.GetSection(DashboardOptions.Section);
        var quotesUrl = section["QuotesUrl"];
        var providerUrls = section.GetSection("Providers").GetChildren()
            .Where(c => !string.IsNullOrWhiteSpace(c.Value))
            .ToDictionary(c => c.Key, c => c.Value!, StringComparer.Ordinal);

        if (string.IsNullOrWhiteSpace(quotesUrl) && localAddress is null)
        {
            throw new InvalidOperationException("The dashboard needs Dashboard:QuotesUrl, the gRPC address of the Quotes service.");
        }

        if (providerUrls.Count == 0 && localAddress is null)
        {
            throw new InvalidOperationException($"The dashboard needs Dashboard:Providers:{{name}} = gRPC address of each provider service ({string.Join(", ", Pricing.Catalog.CloudProviders.Ids)}).");
        }

        Func<IServiceProvider, Uri> Resolve(string? url) =>
            string.IsNullOrWhiteSpace(url) ? localAddress! : _ => new Uri(url, UriKind.Absolute);

        var quotes = Resolve(quotesUrl);
        services.AddGrpcClient<TrainingQuotes.TrainingQuotesClient>(DashboardEndpoints.QuotesClientName + "-quotes", (sp, o) => o.Address = quotes(sp)).WithServiceToken();
        services.AddGrpcClient<PriceChanges.PriceChangesClient>(DashboardEndpoints.QuotesClientName + "-changes", (sp, o) => o.Address = quotes(sp)).WithServiceToken();

        var endpoints = new List<ProviderEndpoint>();
        if (providerUrls.Count == 0)
        {
            // One endpoint (this host) serving every provider it hosts.
            var name = DashboardEndpoints.ProviderClientPrefix + "local";
            services.AddGrpcClient<ProviderCatalog.ProviderCatalogClient>(name, (sp, o) => o.Address = localAddress!(sp)).WithServiceToken();
            endpoints.Add(new ProviderEndpoint(null, name));
        }
        else
        {
            foreach (var (provider, url) in providerUrls.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                var name = DashboardEndpoints.ProviderClientPrefix + provider;
                var address = Resolve(url);
                services.AddGrpcClient<ProviderCatalog.ProviderCatalogClient>(name, (sp, o) => o.Address = address(sp)).WithServiceToken();
                endpoints.Add(new ProviderEndpoint(provider, name));
            }
        }

        services.AddSingleton(new DashboardEndpoints(endpoints));
        services.AddSingleton<PricingBackend>();
        services.AddSingleton<PriceFeedRelay>();
        services.AddHostedService(sp => sp.GetRequiredService<PriceFeedRelay>());

        services.AddRazorPages().ConfigureApplicationPartManager(manager =>
        {
            // The pages live in this assembly, whichever app hosts them.
            if (manager.ApplicationParts.OfType<AssemblyPart>().Any(p => p.Assembly == DashboardAssembly))
            {
                return;
            }

            foreach (var part in ApplicationPartFactory.GetApplicationPartFactory(DashboardAssembly).GetApplicationParts(DashboardAssembly))
            {
                manager.ApplicationParts.Add(part);
            }
        });
        return builder;
    }

    /// <summary>
    /// The pages (/, /accelerators/{id}, /quote, /feed, /status), the live feed (/dashboard/events) and the assets,
    /// with <see cref="SecurityHeaders"/>. No endpoint here changes state (the quote form is a GET), so none needs
    /// antiforgery; a POST page handler would get Razor Pages' antiforgery validation by default.
    /// </summary>
    public static WebApplication MapDashboard(this WebApplication app)
    {
        app.UseDashboardSecurityHeaders();
        app.MapRazorPages();
        app.MapGet("/dashboard/events", LiveFeedEndpoint.StreamAsync);
        app.MapGet("/dashboard/assets/{name}", (string name, HttpContext context) => DashboardAssets.Serve(name, context));
        return app;
    }

    /// <summary>The dashboard's calls carry this service's token (<see cref="ServiceTokenSource"/>) when auth is on, and its client certificate when one is configured.</summary>
    private static IHttpClientBuilder WithServiceToken(this IHttpClientBuilder client) =>
        client.ConfigurePrimaryHttpMessageHandler(sp => sp.GetRequiredService<ServiceTokenSource>().PrimaryHandler())
            .AddHttpMessageHandler(sp => new BearerTokenHandler(sp.GetRequiredService<ServiceTokenSource>().Current));

    private static void TryAddTimeProvider(this IServiceCollection services)
    {
        if (!services.Any(d => d.ServiceType == typeof(TimeProvider)))
        {
            services.AddSingleton(TimeProvider.System);
        }
    }
}
