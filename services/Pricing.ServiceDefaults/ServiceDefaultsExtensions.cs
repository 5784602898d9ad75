using Google.Protobuf.Reflection;
using Google.Rpc;
using MassTransit.Logging;
using MassTransit.Monitoring;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Pricing.ServiceDefaults;

public static class ServiceDefaultsExtensions
{
    /// <summary>
    /// Extra cleartext HTTP/1.1 endpoints (<c>;</c>-separated URLs, e.g. <c>http://+:8081</c>) next to the HTTP/2 ones
    /// given by <c>urls</c> / <c>ASPNETCORE_URLS</c> / <c>ASPNETCORE_HTTP_PORTS</c>: for Prometheus, Kubernetes probes,
    /// browsers and curl without <c>--http2-prior-knowledge</c>. Set it before <see cref="AddServiceDefaults"/> runs.
    /// </summary>
    public const string Http1UrlsKey = "Http1Urls";

    /// <summary>
    /// gRPC (with reflection, the standard health service and JSON transcoding), health checks, OpenTelemetry
    /// (traces, metrics, logs), a clock, and security: bearer-token authentication and scopes
    /// (<see cref="PricingAuthentication"/>, section <c>Auth</c>), and the limits of <see cref="PricingLimitsOptions"/>
    /// (section <c>Limits</c>): message sizes, field caps, stream caps, rate limits, keepalive and unary deadlines.
    /// </summary>
    public static IHostApplicationBuilder AddServiceDefaults(this IHostApplicationBuilder builder)
    {
        var limits = builder.Configuration.GetSection(PricingLimitsOptions.Section).Get<PricingLimitsOptions>() ?? new PricingLimitsOptions();
        builder.Services.AddOptions<PricingLimitsOptions>().BindConfiguration(PricingLimitsOptions.Section);
        builder.Services.TryAddSingleton<StreamSlots>();
        // Stateless over singletons: one instance for every call rather than one built per call.
        builder.Services.TryAddSingleton<RequestLimitsInterceptor>();
        builder.Services.AddGrpc(o =>
            {
                o.EnableDetailedErrors = builder.Environment.IsDevelopment();
                o.MaxReceiveMessageSize = limits.MaxReceiveMessageBytes;
                o.MaxSendMessageSize = limits.MaxSendMessageBytes;
                o.Interceptors.Add<RequestLimitsInterceptor>();
            })
            // The type registry lets a JSON error body carry google.rpc.BadRequest (field violations) as a typed Any.
            .AddJsonTranscoding(o => o.TypeRegistry = TypeRegistry.FromMessages(BadRequest.Descriptor, ErrorInfo.Descriptor));
        builder.Services.AddGrpcReflection();
        builder.Services.AddPricingOpenApi(builder.Environment.ApplicationName);
        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), ["live"])
            .AddCheck<RedisHealthCheck>("redis", HealthStatus.Degraded, ["ready", "redis"]);
        builder.Services.AddGrpcHealthChecks();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.TryAddSingleton<CatalogTraceLinks>();
        if (builder.Configuration["Kestrel:EndpointDefaults:Protocols"] is null)
        {
            // gRPC over cleartext needs HTTP/2 with prior knowledge. Kestrel (.NET 10) does not sniff the HTTP/2 preface:
            // a cleartext Http1AndHttp2 endpoint speaks HTTP/1.1 only and refuses h2c (dotnet/aspnetcore#56984).
            // So the default endpoints are HTTP/2 and Http1Urls adds HTTP/1.1 ones for /metrics, probes and curl.
            builder.Services.Configure<KestrelServerOptions>(o => o.ConfigureEndpointDefaults(l => l.Protocols = HttpProtocols.Http2));
        }

        builder.Services.Configure<KestrelServerOptions>(o =>
        {
            o.Limits.MaxRequestBodySize = limits.MaxRequestBodyBytes;
            o.Limits.Http2.MaxStreamsPerConnection = limits.MaxStreamsPerConnection;
            o.Limits.Http2.KeepAlivePingDelay = limits.KeepAlivePingDelay;
            o.Limits.Http2.KeepAlivePingTimeout = limits.KeepAlivePingTimeout;
        });
        builder.AddPricingAuthentication();
        builder.Services.AddPricingRateLimits(limits);
        var auth = PricingAuthOptions.From(builder.Configuration);
        builder.Services.AddTransient<IStartupFilter>(_ => new PricingSecurityStartupFilter(auth, limits));

        AddHttp1Endpoints(builder);
        builder.AddPricingOpenTelemetry();
        return builder;
    }

    /// <summary>Turns traces on without an OTLP endpoint (for an exporter added in code, as the tests do).</summary>
    public const string TracingKey = "Telemetry:Tracing";

    /// <summary>
    /// Traces: ASP.NET Core, gRPC client, HttpClient, Redis, MassTransit and our "Pricing" source. Metrics: ASP.NET Core,
    /// HttpClient, runtime, MassTransit and our "Pricing" meter, served at <c>/metrics</c> for Prometheus. Everything
    /// (logs too) also goes over OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set. The service name is the
    /// application's unless <c>OTEL_SERVICE_NAME</c> says otherwise. Traces are recorded only when something can
    /// export them (that endpoint, or <see cref="TracingKey"/> true): a span nobody exports costs every call several
    /// microseconds for nothing (docs/benchmarks.md, quote-throughput).
    /// </summary>
    public static IHostApplicationBuilder AddPricingOpenTelemetry(this IHostApplicationBuilder builder)
    {
        var serviceName = builder.Configuration["OTEL_SERVICE_NAME"] is { Length: > 0 } configured ? configured : builder.Environment.ApplicationName;
        var otlp = !string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        var otel = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(serviceName, serviceVersion: typeof(ServiceDefaultsExtensions).Assembly.GetName().Version?.ToString()))
            .WithMetrics(metrics => metrics
                .AddMeter(PricingTelemetry.Name)
                .AddMeter(InstrumentationOptions.MeterName)
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddPrometheusExporter());
        if (otlp || builder.Configuration.GetValue<bool>(TracingKey))
        {
            otel.WithTracing(tracing => tracing
                .AddSource(PricingTelemetry.Name)
                .AddSource(DiagnosticHeaders.DefaultListenerName)
                .AddAspNetCoreInstrumentation(o => o.Filter = context => !IsScaffolding(context.Request.Path))
                .AddGrpcClientInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRedisInstrumentation());
        }

        if (otlp)
        {
            // Logs too, with the trace and span id of each record.
            builder.Logging.AddOpenTelemetry(o =>
            {
                o.IncludeFormattedMessage = true;
                o.IncludeScopes = true;
            });
            otel.UseOtlpExporter();
        }

        return builder;
    }

    /// <summary>
    /// <c>/health/live</c> (the process answers) and <c>/health/ready</c> (every dependency check: the bus, Redis) in
    /// every environment, <c>/metrics</c> for Prometheus, the gRPC health service, server reflection, and the OpenAPI
    /// document of the JSON API with its page (<see cref="OpenApiDocument"/>).
    /// Health (HTTP and gRPC) and the OpenAPI document are anonymous; everything else needs the read scope when auth is on.
    /// </summary>
    public static IEndpointRouteBuilder MapDefaultEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = r => r.Tags.Contains("live"), ResponseWriter = HealthResponse.WriteAsync }).AllowAnonymous();
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { ResponseWriter = HealthResponse.WriteAsync }).AllowAnonymous();
        app.MapPrometheusScrapingEndpoint("/metrics");
        app.MapGrpcHealthChecksService().AllowAnonymous();
        app.MapGrpcReflectionService();
        app.MapPricingOpenApi();
        return app;
    }

    private static bool IsScaffolding(PathString path) =>
        path.StartsWithSegments("/health") || path.StartsWithSegments("/metrics") || path.StartsWithSegments("/grpc.health.v1.Health");

    /// <summary>
    /// Turns <see cref="Http1UrlsKey"/> into Kestrel endpoints: the usual URLs stay HTTP/2 (gRPC), the Http1Urls ones
    /// are HTTP/1.1. Endpoints configured explicitly under <c>Kestrel:Endpoints</c> win: then nothing is added.
    /// </summary>
    private static void AddHttp1Endpoints(IHostApplicationBuilder builder)
    {
        var http1 = Split(builder.Configuration[Http1UrlsKey]);
        if (http1.Length == 0 || builder.Configuration.GetSection("Kestrel:Endpoints").GetChildren().Any())
        {
            return;
        }

        var main = Split(builder.Configuration["urls"]);
        if (main.Length == 0)
        {
            var ports = Split(builder.Configuration["http_ports"]);
            main = ports.Length > 0 ? [.. ports.Select(p => $"http://*:{p}")] : ["http://localhost:5000"];
        }

        // Endpoint names sort "Grpc…" before "Http1…", so the first bound address stays the gRPC one.
        var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < main.Length; i++)
        {
            settings[$"Kestrel:Endpoints:Grpc{i}:Url"] = main[i];
        }

        for (var i = 0; i < http1.Length; i++)
        {
            settings[$"Kestrel:Endpoints:Http1_{i}:Url"] = http1[i];
            settings[$"Kestrel:Endpoints:Http1_{i}:Protocols"] = nameof(HttpProtocols.Http1);
        }

        // The URLs now live in Kestrel:Endpoints; clearing them avoids Kestrel's "Overriding address(es)" warning.
        settings["urls"] = "";
        settings["http_ports"] = "";
        settings["https_ports"] = "";
        builder.Configuration.AddInMemoryCollection(settings);
    }

    private static string[] Split(string? urls) =>
        urls?.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];
}
