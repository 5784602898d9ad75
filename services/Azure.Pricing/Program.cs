using Azure.Pricing.Extensions;
using Pricing.ServiceDefaults;
using Pricing.Sources;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddPricingMessaging();
builder.AddAzurePricing();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapProviderCatalog();
app.Run();
