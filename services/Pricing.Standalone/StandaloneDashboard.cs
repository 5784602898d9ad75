using Dashboard;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Pricing.Standalone;

/// <summary>
/// The dashboard inside the embedded default, on its own HTTP/1.1 endpoint (the last of <c>Http1Urls</c>; see
/// <see cref="StandaloneEndpoints"/> for how the host's endpoints are chosen). The dashboard's gRPC clients point at
/// this host's own gRPC address.
/// </summary>
public sealed class StandaloneDashboard
{
    public const string EnabledKey = "Dashboard:Enabled";
    public const string UrlKey = "Dashboard:Url";
    public const string DefaultDashboardUrl = "http://localhost:5080";

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
            return addresses.Count >= 2 ? new Uri(StandaloneEndpoints.Connectable(addresses[^1]) + "/")
                : throw new InvalidOperationException("No HTTP/1.1 endpoint for the dashboard: set Http1Urls (or Dashboard:Url).");
        }
    }

    /// <summary>This host's gRPC address (the first gRPC endpoint), once the host has started.</summary>
    public Uri GrpcAddress => new(StandaloneEndpoints.Connectable(ServerAddresses().FirstOrDefault() ?? throw new InvalidOperationException("The host is not started.")) + "/");

    internal StandaloneDashboard With(IServer server)
    {
        _server ??= server;
        return this;
    }

    private List<string> ServerAddresses() =>
        _server?.Features.Get<IServerAddressesFeature>()?.Addresses.ToList() ?? throw new InvalidOperationException("The host is not started.");

    /// <summary>
    /// The dashboard's port serves the dashboard, not the APIs: the admin endpoints (<c>POST /admin/scrape</c>) and the
    /// JSON-transcoded gRPC routes (<c>/v1/…</c>) answer 404 there (they are on the JSON API's port and the gRPC port).
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
}
