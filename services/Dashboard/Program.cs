using Dashboard;

// The dashboard as its own deployable: HTTP/1.1 for browsers (it serves no gRPC), gRPC clients to the services
// named by Dashboard:QuotesUrl and Dashboard:Providers:{name}.
var app = WebApplication.CreateBuilder(args).BuildDashboardApp();
app.Run();
