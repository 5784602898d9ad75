using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.AspNetCore.Http;

namespace Pricing.ServiceDefaults;

/// <summary>
/// A gRPC error written by middleware that runs before any gRPC service (authorization, rate limiting): a
/// trailers-only response (HTTP 200, <c>grpc-status</c> in the headers), so clients see the real status instead of
/// an HTTP code they would map to Unavailable or Unknown.
/// </summary>
public static class GrpcErrorResponse
{
    public static bool IsGrpc(HttpRequest request) =>
        request.ContentType is { } type && type.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase);

    public static Task WriteAsync(HttpContext context, StatusCode code, string message, IMessage? detail = null)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/grpc";
        response.Headers["grpc-status"] = ((int)code).ToString(System.Globalization.CultureInfo.InvariantCulture);
        response.Headers["grpc-message"] = Uri.EscapeDataString(message);
        if (detail is not null)
        {
            var status = new Google.Rpc.Status { Code = (int)code, Message = message, Details = { Any.Pack(detail) } };
            response.Headers["grpc-status-details-bin"] = Convert.ToBase64String(status.ToByteArray());
        }

        return Task.CompletedTask;
    }
}
