namespace Dashboard;

/// <summary>
/// The browser-facing headers of every dashboard response: a Content-Security-Policy that allows only this origin's
/// own script, stylesheet and event stream (the pages have no inline script or style; the favicon is a data: URL),
/// no framing (<c>frame-ancestors 'none'</c>, and X-Frame-Options for older browsers), no MIME sniffing and no
/// referrer sent elsewhere. gRPC responses on the same host are left alone.
/// </summary>
public static class SecurityHeaders
{
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        + "form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

    public static IApplicationBuilder UseDashboardSecurityHeaders(this IApplicationBuilder app) =>
        app.Use((context, next) =>
        {
            if (!Pricing.ServiceDefaults.GrpcErrorResponse.IsGrpc(context.Request))
            {
                var headers = context.Response.Headers;
                headers.ContentSecurityPolicy = ContentSecurityPolicy;
                headers.XContentTypeOptions = "nosniff";
                headers.XFrameOptions = "DENY";
                headers["Referrer-Policy"] = "no-referrer";
                headers["Cross-Origin-Opener-Policy"] = "same-origin";
            }

            return next(context);
        });
}
