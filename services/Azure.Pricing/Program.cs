using Azure.Pricing.Extensions;

var app = WebApplication.CreateBuilder(args).BuildAzurePricingApp();
app.Run();
