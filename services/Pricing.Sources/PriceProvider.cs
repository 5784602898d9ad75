using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Pricing.ServiceDefaults;

namespace Pricing.Sources;

/// <summary>How a provider's HTTP client reads a response body inside the resilience pipeline.</summary>
public enum ResponseBodies
{
    /// <summary>Into memory (<see cref="BufferedBodyHandler"/>): pages of a few MB at most.</summary>
    Buffered,

    /// <summary>Large bodies to a temporary file (<see cref="SpooledBodyHandler"/>): documents of hundreds of MB.</summary>
    SpooledToDisk,
}

/// <summary>
/// What is specific to one provider's composition: its configuration section (which also holds
/// <c>{Section}:Source</c>), its named HTTP client and that client's needs, and (in
/// <see cref="PriceProvider{TOptions, THttpSource, TSnapshotSource}"/>) its options and two sources. The rest is
/// shared: <see cref="PriceProviderExtensions.AddPriceProvider"/>.
/// </summary>
public abstract record PriceProvider(string Section, string HttpClientName)
{
    /// <summary>The <c>{Section}:Source</c> value that selects the live API; any other value (or none) the bundled snapshot.</summary>
    public const string HttpSource = "Http";

    /// <summary>
    /// Settings of <c>Http:{HttpClientName}</c> (e.g. <c>AttemptTimeout</c>) this provider needs instead of the shared
    /// defaults of <see cref="SourcesExtensions.AddProviderHttpClient"/>; configured values win.
    /// </summary>
    public IReadOnlyDictionary<string, string> HttpDefaults { get; init; } = new Dictionary<string, string>();

    public ResponseBodies Bodies { get; init; } = ResponseBodies.Buffered;

    /// <summary>The configuration section of this provider's HTTP client's resilience settings.</summary>
    public string HttpSection => $"Http:{HttpClientName}";

    /// <summary>True when <c>{Section}:Source</c> is <c>Http</c> (any case).</summary>
    public bool ReadsLiveApi(IConfiguration configuration) =>
        string.Equals(configuration[$"{Section}:Source"], HttpSource, StringComparison.OrdinalIgnoreCase);

    /// <summary>Binds the options and registers the source <c>{Section}:Source</c> selects (see <see cref="PriceProviderExtensions.AddPriceProvider"/>).</summary>
    internal abstract void AddSource(IHostApplicationBuilder builder);
}

/// <summary>
/// A provider's types: <typeparamref name="TOptions"/> bound from its section, <typeparamref name="THttpSource"/> (the live
/// API over the provider's HTTP client) and <typeparamref name="TSnapshotSource"/> (the bundled recording).
/// </summary>
public sealed record PriceProvider<TOptions, THttpSource, TSnapshotSource>(string Section, string HttpClientName) : PriceProvider(Section, HttpClientName)
    where TOptions : class
    where THttpSource : class, IPriceSource
    where TSnapshotSource : class, IPriceSource
{
    internal override void AddSource(IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<TOptions>().BindConfiguration(Section);
        if (ReadsLiveApi(builder.Configuration))
        {
            builder.AddProviderHttpClient(HttpClientName, Bodies);
            builder.AddProviderCatalog<THttpSource>();
        }
        else
        {
            builder.AddProviderCatalog<TSnapshotSource>();
        }
    }
}

/// <summary>
/// A provider is a source, a parser and a mapper; this is the rest, composed once for all of them: options, the live
/// or snapshot source, the resilient HTTP client, the catalog with its scrape loop and gRPC service, and the deployable.
/// </summary>
public static class PriceProviderExtensions
{
    /// <summary>
    /// One provider: its options, its price source (the live API over the resilient named HTTP client when
    /// <c>{Section}:Source=Http</c>, with the provider's own HTTP defaults unless configured; else the bundled
    /// snapshot), its versioned catalog, scrape loop and gRPC <c>ProviderCatalog</c>.
    /// </summary>
    public static IHostApplicationBuilder AddPriceProvider(this IHostApplicationBuilder builder, PriceProvider provider)
    {
        if (provider.ReadsLiveApi(builder.Configuration))
        {
            AddMissing(builder.Configuration, provider.HttpDefaults.ToDictionary(d => $"{provider.HttpSection}:{d.Key}", d => d.Value));
        }

        provider.AddSource(builder);
        return builder;
    }

    /// <summary>
    /// A provider deployable, composed once: service defaults, messaging, catalog versions that survive a restart,
    /// the provider, health endpoints and <c>ProviderCatalog</c>. Each provider's Program.cs and the end-to-end tests
    /// build it through their <c>Build…PricingApp</c>.
    /// </summary>
    public static WebApplication BuildPriceProviderApp(this WebApplicationBuilder builder, PriceProvider provider)
    {
        builder.AddServiceDefaults();
        builder.AddPricingMessaging();
        builder.UseRestartSafeCatalogVersions();
        builder.AddPriceProvider(provider);
        var app = builder.Build();
        app.MapDefaultEndpoints();
        app.MapProviderCatalog();
        return app;
    }

    private static void AddMissing(IConfigurationManager configuration, Dictionary<string, string> defaults)
    {
        var missing = defaults.Where(d => configuration[d.Key] is null).ToDictionary(d => d.Key, d => (string?)d.Value);
        if (missing.Count > 0)
        {
            configuration.AddInMemoryCollection(missing);
        }
    }
}
