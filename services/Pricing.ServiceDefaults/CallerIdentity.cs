using Microsoft.AspNetCore.Http;

namespace Pricing.ServiceDefaults;

/// <summary>Who a request counts against for rate limits and stream caps: the token's subject, else the client address.</summary>
public static class CallerIdentity
{
    public static string KeyOf(HttpContext context) =>
        context.User.Identity?.IsAuthenticated == true && context.User.FindFirst("sub")?.Value is { Length: > 0 } subject
            ? "sub:" + GrpcValidation.Truncate(subject, 256)
            : "ip:" + (context.Connection.RemoteIpAddress?.ToString() ?? "unknown");
}
