using Grpc.Core;
using Grpc.Core.Interceptors;
using Pricing.ServiceDefaults;

namespace Quotes.Grpc;

/// <summary>
/// Records <c>pricing.quote.duration</c> around TrainingQuotes' unary calls: <c>operation</c> quote or compare,
/// <c>outcome</c> ok, invalid (InvalidArgument) or error. Applied to <see cref="TrainingQuotesGrpcService"/> only;
/// WatchQuote is a stream, not one answer, so it is not measured.
/// </summary>
public sealed class QuoteMetricsInterceptor(TimeProvider time) : Interceptor
{
    /// <summary>Method name (the last segment of the gRPC path) → the operation tag the Grafana dashboard groups by.</summary>
    private static readonly Dictionary<string, string> Operations = new(StringComparer.Ordinal)
    {
        [nameof(TrainingQuotesGrpcService.QuoteTrainingRun)] = "quote",
        [nameof(TrainingQuotesGrpcService.CompareAccelerators)] = "compare",
    };

    // Looked up by the method name's span: no substring per call.
    private static readonly Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> OperationsBySpan = Operations.GetAlternateLookup<ReadOnlySpan<char>>();

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        if (!OperationsBySpan.TryGetValue(context.Method.AsSpan(context.Method.LastIndexOf('/') + 1), out var operation))
        {
            return await continuation(request, context);
        }

        var started = time.GetTimestamp();
        var outcome = "error";
        try
        {
            var response = await continuation(request, context);
            outcome = "ok";
            return response;
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.InvalidArgument)
        {
            outcome = "invalid";
            throw;
        }
        finally
        {
            PricingTelemetry.RecordQuote(operation, time.GetElapsedTime(started), outcome);
        }
    }
}
