using System.Net;
using Dashboard;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Pricing.Standalone;

/// <summary>
/// The dashboard inside the embedded default. Browsers need HTTP/1.1 and gRPC over cleartext needs HTTP/2 with
/// prior knowledge; one cleartext Kestrel endpoint cannot serve both (Http1AndHttp2 without TLS answers HTTP/2
/// prior-knowledge requests with HTTP_1_1_REQUIRED). So the host listens twice: the configured addresses (urls,
/// <c>--urls</c>, ASPNETCORE_URLS, HTTP_PORTS; default http://localhost:5000) stay HTTP/2 for gRPC, and
/// <c>Http1Urls</c> (default: <c>Dashboard:Url</c>, else http://localhost:5080, or port 0 on the gRPC host when the
/// gRPC port is 0) are HTTP/1.1 for browsers. ServiceDefaults turns <c>Http1Urls</c> into Kestrel endpoints (gRPC
/// ones first, HTTP/1.1 last); this class only chooses the address and finds the bound ones. The dashboard's gRPC
/// clients point at this host's own gRPC address.
/// </summary>
public sealed class StandaloneDashboard
{
    public const string EnabledKey = "Dashboard:Enabled";
    public const string UrlKey = "Dashboard:Url";
    public const string DefaultGrpcUrl = "http://localhost:5000";
    public const string DefaultDashboardUrl = "http://localhost:5080";

    /// <summary>ServiceDefaults' key for extra HTTP/1.1 endpoints (ServiceDefaultsExtensions.Http1UrlsKey).</summary>
    public const string Http1UrlsKey = "Http1Urls";

    private IServer? _server;

    private StandaloneDashboard()
    {
    }

    /// <summary>The address browsers use, once the host has started.</summary>
    public Uri DashboardAddress
    {
        get
        {
            // Endpoints from Kestrel:Endpoints (ServiceDefaults' Http1Urls sorts them gRPC first, HTTP/1.1 last).
            var addresses = ServerAddresses();
            return addresses.Count >= 2 ? Connectable(BindingAddress.Parse(addresses[^1]))
                : throw new InvalidOperationException("No HTTP/1.1 endpoint for the dashboard: set Http1Urls (or Dashboard:Url).");
        }
    }

    /// <summary>This host's gRPC address (the first gRPC endpoint), once the host has started.</summary>
    public Uri GrpcAddress => Connectable(BindingAddress.Parse(ServerAddresses().FirstOrDefault() ?? throw new InvalidOperationException("The host is not started.")));

    internal StandaloneDashboard With(IServer server)
    {
        _server ??= server;
        return this;
    }

    private List<string> ServerAddresses() =>
        _server?.Features.Get<IServerAddressesFeature>()?.Addresses.ToList() ?? throw new InvalidOperationException("The host is not started.");

    /// <summary>
    /// The dashboard's port serves the dashboard, not the APIs: the admin endpoints (<c>POST /admin/scrape</c>) and the
    /// JSON-transcoded gRPC routes (<c>/v1/…</c>) answer 404 there (they stay on the gRPC port, behind its auth).
    /// </summary>
    internal static void RestrictDashboardPort(WebApplication app)
    {
        var endpoints = app.Services.GetRequiredService<StandaloneDashboard>().With(app.Services.GetRequiredService<IServer>());
        int? dashboardPort = null;
        app.Use((context, next) =>
        {
            dashboardPort ??= endpoints.DashboardAddress.Port;
            var path = context.Request.Path;
            if (context.Connection.LocalPort == dashboardPort && (path.StartsWithSegments("/admin") || path.StartsWithSegments("/v1")))
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            }

            return next(context);
        });
    }

    /// <summary>Before AddServiceDefaults: asks for the dashboard's HTTP/1.1 endpoint (Http1Urls) unless endpoints are configured.</summary>
    internal static void PrepareConfiguration(WebApplicationBuilder builder)
    {
        var config = builder.Configuration;
        if (!string.IsNullOrWhiteSpace(config[Http1UrlsKey]) || config.GetSection("Kestrel:Endpoints").GetChildren().Any())
        {
            return;
        }

        var grpc = GrpcUrls(config).Select(BindingAddress.Parse).ToList();
        config[Http1UrlsKey] = !string.IsNullOrWhiteSpace(config[UrlKey]) ? config[UrlKey]
            : grpc.FirstOrDefault(a => a.Port == 0) is { } dynamic ? $"http://{dynamic.Host}:0"
            : DefaultDashboardUrl;
    }

    /// <summary>After AddServiceDefaults (which made <c>Http1Urls</c> its endpoints): the dashboard, pointed at this host.</summary>
    internal static void Add(WebApplicationBuilder builder)
    {
        var endpoints = new StandaloneDashboard();
        builder.Services.AddSingleton(endpoints);
        builder.AddDashboard(sp =>
        {
            endpoints._server ??= sp.GetRequiredService<IServer>();
            return endpoints.GrpcAddress;
        });
    }

    private static string[] GrpcUrls(IConfiguration config)
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

    /// <summary>An address a client on this machine can connect to: wildcards become loopback.</summary>
    private static Uri Connectable(BindingAddress address)
    {
        var host = address.Host;
        if (host is "*" or "+" or "0.0.0.0" or "[::]" or "::" || (!IPAddress.TryParse(host.Trim('[', ']'), out _) && !string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)))
        {
            host = "127.0.0.1";
        }

        return new Uri($"{address.Scheme}://{host}:{address.Port}/");
    }
}
