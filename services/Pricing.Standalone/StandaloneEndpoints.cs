using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Pricing.ServiceDefaults;

namespace Pricing.Standalone;

/// <summary>
/// Where the embedded default listens. Browsers and curl need HTTP/1.1 and gRPC over cleartext needs HTTP/2 with prior
/// knowledge; one cleartext Kestrel endpoint cannot serve both (Http1AndHttp2 without TLS answers HTTP/2
/// prior-knowledge requests with HTTP_1_1_REQUIRED). So the configured addresses (urls, <c>--urls</c>, ASPNETCORE_URLS,
/// HTTP_PORTS; default http://localhost:5000) stay HTTP/2 for gRPC, and <c>Http1Urls</c> gets, unless set:
/// <list type="number">
/// <item>the JSON API (<c>JsonApi:Url</c>, default http://localhost:5200, the Quotes deployable's HTTP/1.1 port, so
/// README's curl examples work against either): JSON transcoding, the OpenAPI document and its page, /metrics, /health;</item>
/// <item>with the dashboard on, its pages (<c>Dashboard:Url</c>, default http://localhost:5080).</item>
/// </list>
/// When the gRPC port is 0 (tests, the CLI's embedded server) each defaults to port 0 on the gRPC host instead.
/// ServiceDefaults turns <c>Http1Urls</c> into Kestrel endpoints, gRPC ones first, then these in this order; the
/// host says at start where each one is (<see cref="Announce"/>).
/// </summary>
public static class StandaloneEndpoints
{
    public const string JsonApiUrlKey = "JsonApi:Url";
    public const string DefaultJsonApiUrl = "http://localhost:5200";
    public const string DefaultGrpcUrl = "http://localhost:5000";

    /// <summary>Before AddServiceDefaults: the HTTP/1.1 endpoints (Http1Urls) unless endpoints are configured.</summary>
    internal static void PrepareConfiguration(WebApplicationBuilder builder, bool dashboard)
    {
        var config = builder.Configuration;
        if (!string.IsNullOrWhiteSpace(config[ServiceDefaultsExtensions.Http1UrlsKey]) || config.GetSection("Kestrel:Endpoints").GetChildren().Any())
        {
            return;
        }

        var dynamicHost = GrpcUrls(config).Select(BindingAddress.Parse).FirstOrDefault(a => a.Port == 0)?.Host;
        string Choose(string key, string fallback) =>
            !string.IsNullOrWhiteSpace(config[key]) ? config[key]! : dynamicHost is not null ? $"http://{dynamicHost}:0" : fallback;

        List<string> urls = [Choose(JsonApiUrlKey, DefaultJsonApiUrl)];
        if (dashboard)
        {
            urls.Add(Choose(StandaloneDashboard.UrlKey, StandaloneDashboard.DefaultDashboardUrl));
        }

        config[ServiceDefaultsExtensions.Http1UrlsKey] = string.Join(';', urls);
    }

    /// <summary>The JSON API's address (HTTP/1.1), once the host has started: the first HTTP/1.1 endpoint, unless the
    /// only one serves the dashboard (then there is none).</summary>
    public static string JsonApiAddress(this WebApplication app)
    {
        var http1 = Http1Addresses(app);
        var dashboard = app.Services.GetService<StandaloneDashboard>() is not null;
        return http1.Count > (dashboard ? 1 : 0) ? Connectable(http1[0])
            : throw new InvalidOperationException("No HTTP/1.1 endpoint for the JSON API: set JsonApi:Url, or give Http1Urls an endpoint before the dashboard's.");
    }

    /// <summary>Logs, once Kestrel has bound, where the gRPC API, the JSON API (with its OpenAPI document) and the dashboard are.</summary>
    internal static void Announce(WebApplication app)
    {
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Pricing.Standalone");
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var grpc = Connectable(Addresses(app)[0]);
            string? json = null;
            try
            {
                json = app.JsonApiAddress();
            }
            catch (InvalidOperationException)
            {
                // Endpoints configured by hand, with no HTTP/1.1 one for the API: said below.
            }

            logger.LogInformation("gRPC (HTTP/2) on {Grpc}", grpc);
            if (json is null)
            {
                logger.LogInformation("No HTTP/1.1 endpoint for the JSON API (set JsonApi:Url or Http1Urls)");
            }
            else
            {
                logger.LogInformation(
                    "JSON API (HTTP/1.1) on {Json}: e.g. POST {Json}/v1/quotes:training-run; OpenAPI document {Json}{Document}, browsable at {Json}{Page}",
                    json, json, json, OpenApiDocument.DocumentPath, json, OpenApiDocument.PagePath);
            }

            if (app.Services.GetService<StandaloneDashboard>() is not null)
            {
                logger.LogInformation("Dashboard on {Dashboard}", app.DashboardAddress());
            }
        });
    }

    internal static List<string> Addresses(WebApplication app) =>
        app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.ToList()
        ?? throw new InvalidOperationException("The host is not started.");

    /// <summary>The bound HTTP/1.1 addresses, in Http1Urls order (they are bound after the gRPC ones).</summary>
    private static List<string> Http1Addresses(WebApplication app)
    {
        var addresses = Addresses(app);
        var count = Split(app.Configuration[ServiceDefaultsExtensions.Http1UrlsKey]).Length;
        return addresses.Count > count ? addresses[^count..] : [];
    }

    internal static string[] GrpcUrls(IConfiguration config)
    {
        var urls = Split(config[WebHostDefaults.ServerUrlsKey]);
        if (urls.Length > 0)
        {
            return urls;
        }

        var ports = Split(config["http_ports"]);
        return ports.Length > 0 ? [.. ports.Select(p => $"http://*:{p}")] : [DefaultGrpcUrl];
    }

    private static string[] Split(string? value) =>
        string.IsNullOrWhiteSpace(value) ? [] : value.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>An address a client on this machine can connect to (wildcards become loopback), without a trailing slash.</summary>
    internal static string Connectable(string bound)
    {
        var address = BindingAddress.Parse(bound);
        var host = address.Host;
        if (host is "*" or "+" or "0.0.0.0" or "[::]" or "::" || (!IPAddress.TryParse(host.Trim('[', ']'), out _) && !string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)))
        {
            host = "127.0.0.1";
        }

        return $"{address.Scheme}://{host}:{address.Port}";
    }
}
