using Pricing.Standalone;

// `dotnet run --project services/Pricing.Standalone`: every service on the bundled snapshots, gRPC on
// http://localhost:5000 (HTTP/2), the JSON API and its OpenAPI document on http://localhost:5200 (HTTP/1.1) and the
// dashboard on http://localhost:5080 (override with --urls, --JsonApi:Url and --Dashboard:Url;
// --Dashboard:Enabled=false for no dashboard).
var app = StandaloneHost.Build(args, b => b.Configuration[StandaloneDashboard.EnabledKey] ??= "true");
app.Run();
