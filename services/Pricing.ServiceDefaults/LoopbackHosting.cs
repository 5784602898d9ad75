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

    /// <summary>The address Kestrel bound, once the application has started.</summary>
    public static string BoundAddress(this WebApplication app) =>
        app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
        ?? throw new InvalidOperationException("The application is not started.");
}
