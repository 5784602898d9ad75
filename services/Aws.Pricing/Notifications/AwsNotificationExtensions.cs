using Microsoft.Extensions.Options;

namespace Aws.Pricing.Notifications;

public static class AwsNotificationExtensions
{
    /// <summary>
    /// When <c>Aws:Notifications:Enabled</c>: the SNS subscriber's services and its HTTP client (no redirects, no cookies,
    /// short timeouts; the bounded reads are the endpoint's). Nothing is registered otherwise.
    /// </summary>
    public static IHostApplicationBuilder AddAwsPriceListNotifications(this IHostApplicationBuilder builder)
    {
        if (!builder.Configuration.GetValue($"{AwsNotificationOptions.Section}:{nameof(AwsNotificationOptions.Enabled)}", false))
        {
            return builder;
        }

        builder.Services.AddOptions<AwsNotificationOptions>().BindConfiguration(AwsNotificationOptions.Section)
            .Validate(o => o.Path.StartsWith('/') && o.MaxBodyBytes > 0 && o.TimestampTolerance > TimeSpan.Zero, "Aws:Notifications: Path must start with '/', MaxBodyBytes and TimestampTolerance must be positive.");
        builder.Services.AddSingleton<SnsSigningCertificates>();
        builder.Services.AddSingleton<SnsReplayGuard>();
        builder.Services.AddSingleton<AwsNotificationEndpoint>();
        builder.Services.AddHttpClient(AwsNotificationEndpoint.HttpClientName)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                UseCookies = false,
                ConnectTimeout = TimeSpan.FromSeconds(5),
                MaxResponseHeadersLength = 16,
            });
        return builder;
    }

    /// <summary>Maps the subscriber when enabled: anonymous (the SNS signature authenticates it), under the shared per-caller rate limit.</summary>
    public static WebApplication MapAwsPriceListNotifications(this WebApplication app)
    {
        if (app.Services.GetService<AwsNotificationEndpoint>() is not { } endpoint)
        {
            return app;
        }

        var path = app.Services.GetRequiredService<IOptions<AwsNotificationOptions>>().Value.Path;
        // Cast to Delegate: a lambda of HttpContext alone would bind as a RequestDelegate and drop the IResult.
        app.MapPost(path, (Delegate)((HttpContext http) => endpoint.HandleAsync(http))).AllowAnonymous();
        return app;
    }
}
