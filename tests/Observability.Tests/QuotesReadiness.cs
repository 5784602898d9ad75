using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Pricing.ServiceDefaults;
using Quotes.Extensions;

namespace Observability.Tests;

/// <summary>A Quotes host on free loopback ports with the given settings, started, asked /health/ready once, stopped.</summary>
public static class QuotesReadiness
{
    /// <summary>The status code and the report's <c>checks</c> object. The start itself waits for the bus to connect.</summary>
    public static async Task<(HttpStatusCode Status, JsonElement Checks)> ReadyAsync(Dictionary<string, string?> settings, CancellationToken ct)
    {
        var builder = WebApplication.CreateBuilder(["--environment", "Production"]);
        builder.UseFreeLoopbackPort();
        builder.UseFreeLoopbackHttp1Port();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.SetMinimumLevel(LogLevel.Error);
        builder.Services.AddSingleton<System.Diagnostics.Metrics.IMeterFactory, NonDisposingMeterFactory>();
        var app = builder.BuildQuotesApp();
        await app.StartAsync(ct);
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri(app.BoundHttp1Address()) };
            using var response = await http.GetAsync("/health/ready", ct);
            var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
            return (response.StatusCode, json.RootElement.GetProperty("checks").Clone());
        }
        finally
        {
            await app.StopAsync(CancellationToken.None);
            await app.DisposeAsync();
        }
    }
}
