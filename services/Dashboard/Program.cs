using Dashboard;
using Pricing.ServiceDefaults;

// The dashboard as its own deployable: HTTP/1.1 for browsers (it serves no gRPC), gRPC clients to the services
// named by Dashboard:QuotesUrl and Dashboard:Providers:{name}.
var builder = WebApplication.CreateBuilder(args);
builder.Configuration["Kestrel:EndpointDefaults:Protocols"] ??= "Http1";
builder.AddServiceDefaults();
builder.AddDashboard();
var app = builder.Build();
// Health is anonymous (probes); the pages need a token with pricing.read when Auth is configured (docs/security.md).
app.MapHealthChecks("/health/live", new Microsoft.AspNetCore.Diagnostics.HealthChecks.HealthCheckOptions { Predicate = r => r.Tags.Contains("live") }).AllowAnonymous();
app.MapHealthChecks("/health/ready").AllowAnonymous();
app.MapDashboard();
app.Run();
