using Google.Rpc;
using Grpc.Core;

namespace Dashboard.Pages;

/// <summary>
/// What a form page shows when Quotes refuses its request: each BadRequest field violation under its field, the status
/// detail when there is none, and for any other failure the status code and detail.
/// </summary>
internal static class BackendErrors
{
    public static IEnumerable<(string Field, string Message)> Of(RpcException ex)
    {
        if (ex.StatusCode != Grpc.Core.StatusCode.InvalidArgument)
        {
            return [("", $"Quotes answered {ex.StatusCode}: {ex.Status.Detail}")];
        }

        var badRequest = ex.GetRpcStatus()?.GetDetail<BadRequest>();
        return badRequest is { FieldViolations.Count: > 0 }
            ? badRequest.FieldViolations.Select(v => (v.Field, v.Description))
            : [("", ex.Status.Detail)];
    }
}
