using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Pricing.Quoting;
using Quotes.History;

namespace Quotes.PastPrices;

/// <summary>
/// Failures of a read as of a past time as gRPC statuses: a time the history cannot vouch for → OUT_OF_RANGE with
/// ErrorInfo (reason <see cref="Reason"/>, metadata provider and, when known, earliest); the history unreachable →
/// UNAVAILABLE. On OfferCatalog and TrainingQuotes (whose as_of reads the history).
/// </summary>
public sealed class AsOfErrorInterceptor : Interceptor
{
    public const string Reason = "AS_OF_BEFORE_HISTORY";

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context);
        }
        catch (AsOfOutOfRangeException ex)
        {
            throw OutOfRange(ex);
        }
        catch (Exception ex) when (PriceChangeFeed.IsStoreOutage(ex))
        {
            throw new RpcException(new global::Grpc.Core.Status(StatusCode.Unavailable, "The price history is unreachable; prices as of a past time cannot be rebuilt now, try again shortly."));
        }
    }

    private static RpcException OutOfRange(AsOfOutOfRangeException ex)
    {
        var info = new ErrorInfo { Reason = Reason, Domain = "pricing.v1.OfferCatalog", Metadata = { ["provider"] = ex.Provider } };
        if (ex.Earliest is { } earliest)
        {
            info.Metadata["earliest"] = earliest.ToString("O", System.Globalization.CultureInfo.InvariantCulture);
        }

        return new Google.Rpc.Status { Code = (int)Code.OutOfRange, Message = ex.Message, Details = { Any.Pack(info) } }.ToRpcException();
    }
}
