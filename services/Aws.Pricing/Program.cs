using Aws.Pricing.Extensions;

var app = WebApplication.CreateBuilder(args).BuildAwsPricingApp();
app.Run();
