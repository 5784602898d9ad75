using Pricing.Standalone;

var app = StandaloneHost.Build(args);
app.Run();
