using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Pricing.ServiceDefaults;
using Pricing.Standalone;

namespace Observability.Tests;

/// <summary>
/// The embedded default as <c>dotnet run --project services/Pricing.Standalone</c> starts it (dashboard on, no
/// endpoint configured but the gRPC one, here port 0 so tests do not collide): it announces its JSON API's HTTP/1.1
/// address, the README's curl quote works there, and the README's OpenAPI document lists the quote route.
/// </summary>
public sealed class StandaloneJsonApiTests
{
    private static string Readme => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "repo", "README.md")).Replace("\\\n", " ", StringComparison.Ordinal);

    [Fact]
    public async Task The_embedded_default_serves_the_READMEs_JSON_and_OpenAPI_examples_over_HTTP_1_1()
    {
        var ct = TestContext.Current.CancellationToken;
        var logs = new ConcurrentQueue<string>();
        await using var app = StandaloneHost.Build([], b =>
        {
            b.Configuration[StandaloneDashboard.EnabledKey] = "true"; // as Program.cs
            b.UseFreeLoopbackPort();
            b.Logging.SetMinimumLevel(LogLevel.Warning).AddFilter("Pricing.Standalone", LogLevel.Information);
            b.Logging.AddProvider(new CollectingLoggerProvider(logs));
        });
        await app.StartAsync(ct);
        await app.WaitForAllCatalogsAsync(TimeSpan.FromSeconds(90), ct);
        var api = app.JsonApiAddress();
        Assert.NotEqual(new Uri(app.DashboardAddress()).Port, new Uri(api).Port);
        Assert.Contains(logs, l => l.Contains($"JSON API (HTTP/1.1) on {api}", StringComparison.Ordinal) && l.Contains($"{api}{OpenApiDocument.DocumentPath}", StringComparison.Ordinal));

        using var http = new HttpClient { DefaultRequestVersion = HttpVersion.Version11, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };

        // README's curl quote, as written: its port is the embedded default's JSON API port; sent to the bound one.
        var curl = DeploymentFilesTests.ReadmeCurlQuote();
        Assert.Equal(new Uri(StandaloneEndpoints.DefaultJsonApiUrl).Port, new Uri(curl.Url).Port);
        using var request = new HttpRequestMessage(new HttpMethod(curl.Method), api + new Uri(curl.Url).PathAndQuery)
        {
            Content = new StringContent(curl.Body, Encoding.UTF8, curl.ContentType),
        };
        using var quote = await http.SendAsync(request, ct);
        var quoteBody = await quote.Content.ReadAsStringAsync(ct);
        Assert.True(quote.StatusCode == HttpStatusCode.OK, $"{(int)quote.StatusCode}: {quoteBody}");
        Assert.Equal(HttpVersion.Version11, quote.Version);
        using (var json = JsonDocument.Parse(quoteBody))
        {
            Assert.True(json.RootElement.GetProperty("options").GetArrayLength() > 0, quoteBody);
        }

        // README's OpenAPI example: the document lists the quote route (POST, as the curl call sends it).
        var openApiLine = Readme.Split('\n').FirstOrDefault(l => l.TrimStart().StartsWith("curl ", StringComparison.Ordinal) && l.Contains(OpenApiDocument.DocumentPath, StringComparison.Ordinal));
        Assert.True(openApiLine is not null, $"README.md has no curl call of {OpenApiDocument.DocumentPath}.");
        Assert.Contains(StandaloneEndpoints.DefaultJsonApiUrl.Replace("localhost", "127.0.0.1", StringComparison.Ordinal) + OpenApiDocument.DocumentPath, openApiLine, StringComparison.Ordinal);
        using var document = await http.GetAsync(api + OpenApiDocument.DocumentPath, ct);
        var documentBody = await document.Content.ReadAsStringAsync(ct);
        Assert.True(document.StatusCode == HttpStatusCode.OK, $"{(int)document.StatusCode}: {documentBody}");
        using (var openApi = JsonDocument.Parse(documentBody))
        {
            var paths = openApi.RootElement.GetProperty("paths");
            Assert.True(paths.TryGetProperty(new Uri(curl.Url).AbsolutePath, out var quoteRoute), documentBody[..Math.Min(2000, documentBody.Length)]);
            Assert.True(quoteRoute.TryGetProperty(curl.Method.ToLowerInvariant(), out _));
        }

        // The browsable page.
        using var page = await http.GetAsync(api + OpenApiDocument.PagePath + "/index.html", ct);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("swagger", await page.Content.ReadAsStringAsync(ct), StringComparison.OrdinalIgnoreCase);

        // The dashboard's port keeps serving the dashboard only.
        using var onDashboard = await http.PostAsync(app.DashboardAddress() + new Uri(curl.Url).PathAndQuery, new StringContent(curl.Body, Encoding.UTF8, curl.ContentType), ct);
        Assert.Equal(HttpStatusCode.NotFound, onDashboard.StatusCode);
        await app.StopAsync(CancellationToken.None);
    }

    private sealed class CollectingLoggerProvider(ConcurrentQueue<string> lines) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Collector(lines);

        public void Dispose()
        {
        }

        private sealed class Collector(ConcurrentQueue<string> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                lines.Enqueue(formatter(state, exception));
        }
    }
}
