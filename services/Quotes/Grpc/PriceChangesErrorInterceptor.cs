using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Quotes.History;

namespace Quotes.Grpc;

/// <summary>A resume point the history cannot serve whole: the watch must resync from a catalog snapshot.</summary>
public sealed class ResyncRequiredException(string provider, string why) : Exception(why)
{
    public string Provider { get; } = provider;
}

/// <summary>
/// PriceChanges' failures as gRPC statuses, so <see cref="PriceChangesGrpcService"/> states only what it does:
/// the history store unreachable → UNAVAILABLE (retry); a watcher fallen too far behind → RESOURCE_EXHAUSTED; a
/// resume point beyond the history → FAILED_PRECONDITION with ErrorInfo (reason RESYNC_REQUIRED, the shape
/// <see cref="Pricing.Client.ResyncRequired"/> reads) and a PreconditionFailure on the resume point.
/// </summary>
public sealed class PriceChangesErrorInterceptor : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context);
        }
        catch (Exception ex) when (PriceChangeFeed.IsStoreOutage(ex))
        {
            throw HistoryUnavailable("try again shortly");
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(request, responseStream, context);
        }
        catch (Exception ex) when (PriceChangeFeed.IsStoreOutage(ex))
        {
            // A watch reads the history only to replay from its resume point.
            throw HistoryUnavailable("the resume point cannot be served yet");
        }
        catch (WatcherTooSlowException ex)
        {
            throw new RpcException(new global::Grpc.Core.Status(StatusCode.ResourceExhausted, ex.Message));
        }
        catch (ResyncRequiredException ex)
        {
            throw ResyncRequired(ex.Provider, ex.Message);
        }
    }

    private static RpcException HistoryUnavailable(string what) =>
        new(new global::Grpc.Core.Status(StatusCode.Unavailable, $"The price history is unreachable; {what}."));

    private static RpcException ResyncRequired(string provider, string why)
    {
        var info = new ErrorInfo { Reason = Pricing.Client.ResyncRequired.Reason, Domain = "pricing.v1.PriceChanges", Metadata = { ["provider"] = provider } };
        var precondition = new PreconditionFailure
        {
            Violations =
            {
                new PreconditionFailure.Types.Violation
                {
                    Type = "RESUME_POINT",
                    Subject = $"resume_after[{provider}]",
                    Description = why + " Load the provider's catalog snapshot (ProviderCatalog.StreamCatalogSnapshot) and watch live from its version.",
                },
            },
        };
        return new Google.Rpc.Status
        {
            Code = (int)Code.FailedPrecondition,
            Message = why + " Resync from a snapshot.",
            Details = { Any.Pack(info), Any.Pack(precondition) },
        }.ToRpcException();
    }
}
