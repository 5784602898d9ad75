using Pricing.Standalone;

// `dotnet run --project services/Pricing.Standalone`: every service on the bundled snapshots, gRPC on
// http://localhost:5000 (HTTP/2) and the dashboard on http://localhost:5080 (override with --urls and
// --Dashboard:Url; --Dashboard:Enabled=false for gRPC only).
var app = StandaloneHost.Build(args, b => b.Configuration[StandaloneDashboard.EnabledKey] ??= "true");
app.Run();
