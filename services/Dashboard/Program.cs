using Dashboard;
using Pricing.ServiceDefaults;

// The dashboard as its own deployable: HTTP/1.1 for browsers (it serves no gRPC), gRPC clients to the services
// named by Dashboard:QuotesUrl and Dashboard:Providers:{name}.
var builder = WebApplication.CreateBuilder(args);
builder.Configuration["Kestrel:EndpointDefaults:Protocols"] ??= "Http1";
builder.AddServiceDefaults();
builder.AddDashboard();
var app = builder.Build();
app.MapHealthChecks("/health/live", new Microsoft.AspNetCore.Diagnostics.HealthChecks.HealthCheckOptions { Predicate = r => r.Tags.Contains("live") });
app.MapHealthChecks("/health/ready");
// Prometheus scrapes every deployable's /metrics on its HTTP/1.1 port (deploy/prometheus/prometheus.yml).
app.MapPrometheusScrapingEndpoint("/metrics");
app.MapDashboard();
app.Run();
