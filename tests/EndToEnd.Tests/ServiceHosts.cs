using Aws.Pricing.Extensions;
using Azure.Pricing.Extensions;
using Gcp.Pricing.Extensions;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Pricing.ServiceDefaults;
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

    public static async Task<WebApplication> StartAwsPricingAsync(IDictionary<string, string?> settings)
    {
        var app = NewBuilder(settings).BuildAwsPricingApp();
        await app.StartAsync();
        return app;
    }

    public static async Task<WebApplication> StartGcpPricingAsync(IDictionary<string, string?> settings)
    {
        var app = NewBuilder(settings).BuildGcpPricingApp();
        await app.StartAsync();
        return app;
    }

    public static async Task<WebApplication> StartQuotesAsync(IDictionary<string, string?> settings)
    {
        var app = NewBuilder(settings).BuildQuotesApp();
        await app.StartAsync();
        return app;
    }

    private static WebApplicationBuilder NewBuilder(IDictionary<string, string?> settings)
    {
        var builder = WebApplication.CreateBuilder();
        builder.UseFreeLoopbackPort();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        return builder;
    }
}
