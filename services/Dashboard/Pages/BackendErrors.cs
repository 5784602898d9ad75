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

    /// <summary>The backend's answer, or null with its refusal added to <paramref name="errors"/> (as <see cref="Of"/> reads it).</summary>
    public static async Task<T?> CallAsync<T>(Func<Task<T>> call, List<(string Field, string Message)> errors)
        where T : class
    {
        try
        {
            return await call();
        }
        catch (RpcException ex)
        {
            errors.AddRange(Of(ex));
            return null;
        }
    }
}
