using Grpc.Core;

namespace Pricing.Client;

/// <summary>
/// The answer of <c>WatchPriceChanges</c> when a resume point lies beyond what the history keeps: FAILED_PRECONDITION
/// with <c>google.rpc.ErrorInfo</c> (reason <see cref="Reason"/>, metadata <c>provider</c>). Quotes raises it; the
/// watch clients (the CLI, the Dashboard's relay) recognise it here, so both sides agree on one shape.
/// </summary>
public static class ResyncRequired
{
    public const string Reason = "RESYNC_REQUIRED";

    /// <summary>The provider the answer names, or null when <paramref name="ex"/> is not this answer.</summary>
    public static string? ProviderOf(RpcException ex) =>
        ex.StatusCode == StatusCode.FailedPrecondition
        && ex.GetRpcStatus()?.GetDetail<Google.Rpc.ErrorInfo>() is { Reason: Reason } info
        && info.Metadata.TryGetValue("provider", out var provider) && provider.Length > 0
            ? provider
            : null;
}
