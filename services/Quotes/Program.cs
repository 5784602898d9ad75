using Quotes.Extensions;

var app = WebApplication.CreateBuilder(args).BuildQuotesApp();
app.Run();
