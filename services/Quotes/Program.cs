using Pricing.ServiceDefaults;
using Quotes.Extensions;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddPricingMessaging(QuotesExtensions.RegisterConsumers, QuotesExtensions.ConfigureRabbitEndpoints);
builder.AddQuotes();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapQuotes();
app.Run();
