using Gcp.Pricing.Extensions;

var app = WebApplication.CreateBuilder(args).BuildGcpPricingApp();
app.Run();
