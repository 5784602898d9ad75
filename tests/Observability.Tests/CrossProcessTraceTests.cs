using System.Diagnostics;
using Azure.Pricing.Extensions;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Trace;
using Pricing.Contracts.V1;
using Pricing.ServiceDefaults;
using Pricing.Sources;
using Pricing.Testing;
using Quotes.Extensions;

namespace Observability.Tests;

/// <summary>
/// Azure.Pricing and Quotes as separate hosts (own DI containers, own tracer providers and exporters) meeting only
/// through RabbitMQ and gRPC, as in production: the trace context of the scrape crosses the broker in the message
/// headers, so the consume spans in Quotes belong to the scrape's trace, and a quote links to it.
/// </summary>
public sealed class CrossProcessTraceTests(RabbitMqTestServer rabbit) : IClassFixture<RabbitMqTestServer>
{
    [Fact]
    public async Task Scrape_event_and_quote_form_one_trace_across_hosts_over_RabbitMQ()
    {
        rabbit.SkipIfUnavailable();
        var ct = TestContext.Current.CancellationToken;
        var vhost = await rabbit.CreateVirtualHostAsync($"otel-{Guid.NewGuid():N}");

        var providerSpans = new SpanLog();
        var quotesSpans = new SpanLog();
        await using var azure = await StartAsync(b => b.BuildAzurePricingApp(), providerSpans, new()
        {
            ["ConnectionStrings:rabbitmq"] = vhost,
            ["Scrape:RunOnSchedule"] = "false",
        }, ct);
        await using var quotes = await StartAsync(b => b.BuildQuotesApp(), quotesSpans, new()
        {
            ["ConnectionStrings:rabbitmq"] = vhost,
            ["Quotes:Providers:azure"] = azure.App.BoundAddress(),
            ["Quotes:QueueName"] = "quotes-otel",
            ["Quotes:ResyncGrace"] = "00:05:00",
        }, ct);

        // Every tracer provider in this process sees every span of it (other tests' hosts too): a root activity of
        // this test's own gives the scrape a trace no other test shares.
        ScrapeOutcome outcome;
        ActivityTraceId traceId;
        using (var root = TestTrace.StartRoot())
        {
            traceId = root.TraceId;
            outcome = await azure.App.Services.GetServices<ProviderPriceCatalog>().Single().ScrapeOnceAsync(ct);
        }

        Assert.Equal(ScrapeResultKind.Published, outcome.Kind);
        var scrape = Assert.Single(providerSpans.Snapshot(), s => s.Source.Name == PricingTelemetry.Name && s.DisplayName == "scrape azure" && s.TraceId == traceId);

        // Quotes consumed the version's events in spans of the scrape's trace (parent from the message headers).
        // (Both hosts' tracer providers listen to every ActivitySource of the process; only Quotes consumes, so every
        // Consumer span is a Quotes one, started on a RabbitMQ client thread with no ambient context. On RabbitMQ the
        // version parts' consumer is RabbitMQ.Client's, whose span is of the "Pricing" source; MassTransit's otherwise.)
        var consumed = await TestTrace.WaitForSpanAsync(quotesSpans, s => (s.Source.Name is "MassTransit" or PricingTelemetry.Name) && s.Kind == ActivityKind.Consumer
                                                            && s.TraceId == scrape.TraceId, ct);
        Assert.NotNull(consumed);
        Assert.NotEqual(default, consumed.ParentSpanId);

        // The next quote over that version links to the consume span, hence to the scrape's trace.
        using var channel = GrpcChannel.ForAddress(quotes.App.BoundAddress());
        var client = new TrainingQuotes.TrainingQuotesClient(channel);
        // The view can show the version (loaded from the provider's snapshot) before the version's announcement is
        // consumed, and only that consumption records the link: quote until a quote carries it.
        var quote = await QuoteUntilLinkedAsync(client, quotesSpans, outcome.Version, scrape.TraceId, ct);
        WriteTrace(quotesSpans.Snapshot().Where(s => s.TraceId == scrape.TraceId).Concat([quote]).DistinctBy(s => s.SpanId));
    }

    /// <summary>The trace as a tree in the test output: what Jaeger or Tempo would draw.</summary>
    private static void WriteTrace(IEnumerable<Activity> spans)
    {
        var list = spans.OrderBy(s => s.StartTimeUtc).ToList();
        var ids = list.Select(s => s.SpanId).ToHashSet();
        var output = TestContext.Current.TestOutputHelper;
        void Write(Activity span, int depth)
        {
            var links = span.Links.Any() ? $"  links→ {string.Join(", ", span.Links.Select(l => l.Context.TraceId.ToString()[..8]))}" : "";
            output?.WriteLine($"{new string(' ', depth * 2)}{span.Source.Name}: {span.DisplayName} [{span.Kind}] {span.TraceId.ToString()[..8]}{links}");
            foreach (var child in list.Where(c => c.ParentSpanId == span.SpanId).Take(3))
            {
                Write(child, depth + 1);
            }
        }

        foreach (var root in list.Where(s => !ids.Contains(s.ParentSpanId)))
        {
            Write(root, 0);
        }
    }

    private static async Task<Activity> QuoteUntilLinkedAsync(TrainingQuotes.TrainingQuotesClient client, SpanLog spans, long version,
        ActivityTraceId scrapeTrace, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        var sawVersion = false;
        while (true)
        {
            try
            {
                var quote = await client.QuoteTrainingRunAsync(new QuoteTrainingRunRequest { Parameters = 1e9, Tokens = 2e10, MaxOptions = 1 }, cancellationToken: ct);
                sawVersion |= quote.CatalogVersions.Any(v => v.Provider == "azure" && v.Version >= version);
            }
            catch (Grpc.Core.RpcException ex) when (ex.StatusCode == Grpc.Core.StatusCode.Unavailable)
            {
            }

            if (spans.Snapshot().FirstOrDefault(s => s.DisplayName == "quote training-run" && s.Links.Any(l => l.Context.TraceId == scrapeTrace)) is { } linked)
            {
                return linked;
            }

            Assert.True(DateTime.UtcNow < deadline, sawVersion
                ? $"Quotes saw azure version {version} but no quote linked to the scrape's trace within 30 s."
                : $"Quotes never saw azure version {version}.");
            await Task.Delay(100, ct);
        }
    }

    private static async Task<StartedHost> StartAsync(
        Func<WebApplicationBuilder, WebApplication> build, SpanLog spans, Dictionary<string, string?> settings, CancellationToken ct)
    {
        var builder = WebApplication.CreateBuilder(["--environment", "Production", $"--{ServiceDefaultsExtensions.TracingKey}=true"]);
        builder.UseFreeLoopbackPort();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.ConfigureOpenTelemetryTracerProvider(t => t.AddInMemoryExporter(spans));
        builder.Services.AddSingleton<System.Diagnostics.Metrics.IMeterFactory, NonDisposingMeterFactory>();
        var app = build(builder);
        await app.StartAsync(ct);
        return new StartedHost(app);
    }

    /// <summary>Stops the host before disposing it, so background services end cleanly.</summary>
    private sealed class StartedHost(WebApplication app) : IAsyncDisposable
    {
        public WebApplication App => app;

        public async ValueTask DisposeAsync()
        {
            await app.StopAsync(CancellationToken.None);
            await app.DisposeAsync();
        }
    }
}
