using Azure.Pricing.Extensions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Quotes.Extensions;

namespace EndToEnd.Tests;

/// <summary>
/// Starts the deployables as separate hosts (their own DI containers and Kestrel ports on loopback),
/// composed exactly as their Program.cs composes them, so they meet only through RabbitMQ, Redis and gRPC.
/// </summary>
public static class ServiceHosts
{
    public static async Task<WebApplication> StartAzurePricingAsync(IDictionary<string, string?> settings)
    {
        var app = NewBuilder(settings).BuildAzurePricingApp();
        await app.StartAsync();
        return app;
    }

    public static async Task<WebApplication> StartQuotesAsync(IDictionary<string, string?> settings)
    {
        var app = NewBuilder(settings).BuildQuotesApp();
        await app.StartAsync();
        return app;
    }

    public static string Address(this WebApplication app) =>
        app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

    private static WebApplicationBuilder NewBuilder(IDictionary<string, string?> settings)
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        return builder;
    }
}
