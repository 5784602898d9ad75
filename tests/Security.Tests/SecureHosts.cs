using Aws.Pricing.Extensions;
using Azure.Pricing.Extensions;
using Dashboard;
using Gcp.Pricing.Extensions;
using Google.Rpc;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Pricing.ServiceDefaults;
using Pricing.Standalone;
using Quotes.Extensions;

namespace Security.Tests;

/// <summary>
/// The deployables composed as their Program.cs composes them (the Build*App extensions), each on free loopback
/// ports (HTTP/2 for gRPC, HTTP/1.1 for JSON, admin and health), with the settings a test gives: a
/// <see cref="Pricing.Testing.TestTokenIssuer"/>'s HostSettings for auth on, tighter Limits:* for the caps.
/// </summary>
public static class SecureHosts
{
    public static Task<WebApplication> StartAwsAsync(IReadOnlyDictionary<string, string?> settings) => StartAsync(NewBuilder(settings).BuildAwsPricingApp());

    public static Task<WebApplication> StartGcpAsync(IReadOnlyDictionary<string, string?> settings) => StartAsync(NewBuilder(settings).BuildGcpPricingApp());

    public static Task<WebApplication> StartAzureAsync(IReadOnlyDictionary<string, string?> settings) => StartAsync(NewBuilder(settings).BuildAzurePricingApp());

    public static Task<WebApplication> StartQuotesAsync(IReadOnlyDictionary<string, string?> settings) => StartAsync(NewBuilder(settings).BuildQuotesApp());

    /// <summary>The Dashboard deployable (HTTP/1.1 only), reading the services its settings name.</summary>
    public static Task<WebApplication> StartDashboardAsync(IReadOnlyDictionary<string, string?> settings)
    {
        var builder = WebApplication.CreateBuilder();
        builder.UseFreeLoopbackPort();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        return StartAsync(builder.BuildDashboardApp());
    }

    /// <summary>The embedded default (every service, in-memory bus, bundled snapshots), catalogs loaded.</summary>
    public static async Task<WebApplication> StartStandaloneAsync(IReadOnlyDictionary<string, string?> settings)
    {
        var app = StandaloneHost.Build([], b =>
        {
            b.UseFreeLoopbackPort();
            b.Configuration.AddInMemoryCollection(settings);
            b.Logging.SetMinimumLevel(LogLevel.Warning);
        });
        await app.StartAsync(TestContext.Current.CancellationToken);
        await app.WaitForAllCatalogsAsync(TimeSpan.FromSeconds(90), TestContext.Current.CancellationToken);
        return app;
    }

    public static IReadOnlyDictionary<string, string?> With(this IReadOnlyDictionary<string, string?> settings, params (string Key, string? Value)[] more)
    {
        var merged = settings.ToDictionary(p => p.Key, p => p.Value);
        foreach (var (key, value) in more)
        {
            merged[key] = value;
        }

        return merged;
    }

    public static readonly IReadOnlyDictionary<string, string?> Open = new Dictionary<string, string?>();

    private static WebApplicationBuilder NewBuilder(IReadOnlyDictionary<string, string?> settings)
    {
        var builder = WebApplication.CreateBuilder();
        builder.UseFreeLoopbackPort();
        builder.UseFreeLoopbackHttp1Port();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        return builder;
    }

    private static async Task<WebApplication> StartAsync(WebApplication app)
    {
        await app.StartAsync(TestContext.Current.CancellationToken);
        return app;
    }
}

/// <summary>What a refused call carried: the rich status details and how big the error was on the wire.</summary>
public static class RpcErrors
{
    public static BadRequest? BadRequestOf(RpcException ex) => ex.GetRpcStatus()?.GetDetail<BadRequest>();

    public static RetryInfo? RetryInfoOf(RpcException ex) => ex.GetRpcStatus()?.GetDetail<RetryInfo>();

    /// <summary>Bytes of the status message and every trailer (the rich status travels in grpc-status-details-bin).</summary>
    public static int WireSize(RpcException ex) =>
        ex.Status.Detail.Length + ex.Trailers.Sum(t => t.Key.Length + (t.IsBinary ? t.ValueBytes.Length * 4 / 3 : t.Value.Length));
}
