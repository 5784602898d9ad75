using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Pricing.ServiceDefaults;

/// <summary>Hosting on 127.0.0.1 with a port the OS picks: the embedded CLI and the tests use it.</summary>
public static class LoopbackHosting
{
    public static WebApplicationBuilder UseFreeLoopbackPort(this WebApplicationBuilder builder)
    {
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        return builder;
    }

    /// <summary>
    /// Also an HTTP/1.1 endpoint on another free loopback port (<see cref="ServiceDefaultsExtensions.Http1UrlsKey"/>), for
    /// /metrics, /health and JSON transcoding over plain HTTP/1.1. Call before AddServiceDefaults, after UseFreeLoopbackPort.
    /// </summary>
    public static WebApplicationBuilder UseFreeLoopbackHttp1Port(this WebApplicationBuilder builder)
    {
        builder.Configuration[ServiceDefaultsExtensions.Http1UrlsKey] = "http://127.0.0.1:0";
        return builder;
    }

    /// <summary>The address Kestrel bound (the first, gRPC one), once the application has started.</summary>
    public static string BoundAddress(this WebApplication app) =>
        app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
        ?? throw new InvalidOperationException("The application is not started.");

    /// <summary>The HTTP/1.1 address bound for <see cref="UseFreeLoopbackHttp1Port"/> (bound after the gRPC ones), once started.</summary>
    public static string BoundHttp1Address(this WebApplication app)
    {
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.ToList() ?? [];
        return addresses.Count >= 2 ? addresses[^1] : throw new InvalidOperationException("No HTTP/1.1 endpoint is bound (UseFreeLoopbackHttp1Port, then start).");
    }
}
