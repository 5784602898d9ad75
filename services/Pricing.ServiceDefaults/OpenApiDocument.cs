using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi.Models;

namespace Pricing.ServiceDefaults;

/// <summary>
/// The OpenAPI document of a service's JSON-transcoded API (the <c>google.api.http</c> routes of its gRPC services) at
/// <see cref="DocumentPath"/>, and a browsable page of it at <see cref="PagePath"/>, on every port of the service (from a
/// browser or curl, the HTTP/1.1 one: <see cref="ServiceDefaultsExtensions.Http1UrlsKey"/>). Both are anonymous, like
/// the health endpoints: they describe the contract protos/ already publishes and hold no data. Every call they
/// describe still needs a bearer token when authentication is on; the document says so (scheme <c>bearer</c>), and
/// the page's Authorize button takes one.
/// </summary>
public static class OpenApiDocument
{
    public const string DocumentPath = "/openapi/v1.json";
    public const string PagePath = "/swagger";
    private const string DocumentName = "v1";
    private const string SchemeName = "bearer";

    internal static void AddPricingOpenApi(this IServiceCollection services, string title)
    {
        services.AddGrpcSwagger();
        services.AddSwaggerGen(o =>
        {
            o.SwaggerDoc(DocumentName, new OpenApiInfo { Title = title, Version = DocumentName, Description = "The JSON-transcoded gRPC API (proto JSON field names)." });
            // The proto comments, compiled into Pricing.Contracts' XML documentation, describe each route and field.
            var contractDocs = Path.Combine(AppContext.BaseDirectory, "Pricing.Contracts.xml");
            if (File.Exists(contractDocs))
            {
                o.IncludeXmlComments(contractDocs);
                o.IncludeGrpcXmlComments(contractDocs, includeControllerXmlComments: true);
            }

            o.AddSecurityDefinition(SchemeName, new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = SchemeName,
                BearerFormat = "JWT",
                Description = "A token with scope pricing.read (pricing.admin for admin calls); not needed where the service runs open on loopback.",
            });
            o.AddSecurityRequirement(new OpenApiSecurityRequirement
            {
                [new OpenApiSecurityScheme { Reference = new OpenApiReference { Type = ReferenceType.SecurityScheme, Id = SchemeName } }] = [],
            });
        });
    }

    internal static void MapPricingOpenApi(this IEndpointRouteBuilder app)
    {
        app.MapSwagger("/openapi/{documentName}.json").AllowAnonymous();

        // The page: our own HTML and start script (no inline script or style, so it renders under the dashboard's
        // Content-Security-Policy in the embedded default), swagger-ui's files from Swashbuckle's embedded copy. All
        // are endpoints, not middleware: the fallback authorization policy covers any request that matches no
        // endpoint, so only an endpoint can be anonymous.
        IResult Page() => Results.Content(PageHtml, "text/html; charset=utf-8");
        app.MapGet(PagePath, Page).AllowAnonymous();
        app.MapGet(PagePath + "/index.html", Page).AllowAnonymous();
        app.MapGet(PagePath + "/openapi-page.js", () => Results.Text(PageScript, "text/javascript; charset=utf-8")).AllowAnonymous();
        var assets = app.CreateApplicationBuilder()
            .Use((context, next) =>
            {
                // Static files are served only to requests without an endpoint.
                context.SetEndpoint(null);
                return next(context);
            })
            .UseSwaggerUI(o => o.RoutePrefix = PagePath.TrimStart('/'));
        assets.Run(context =>
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        });
        app.MapGet(PagePath + "/{asset}", assets.Build()).AllowAnonymous();
    }

    private const string PageHtml = $$"""
        <!doctype html>
        <html lang="en">
        <head><meta charset="utf-8"><title>Pricing JSON API</title><link rel="stylesheet" href="{{PagePath}}/swagger-ui.css"></head>
        <body><div id="swagger-ui"></div><script src="{{PagePath}}/swagger-ui-bundle.js"></script><script src="{{PagePath}}/openapi-page.js"></script></body>
        </html>
        """;

    private const string PageScript = $$"""
        window.ui = SwaggerUIBundle({ url: "{{DocumentPath}}", dom_id: "#swagger-ui", deepLinking: true });
        """;
}
