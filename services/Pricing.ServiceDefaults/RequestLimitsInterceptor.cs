using Google.Protobuf;
using Google.Rpc;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Options;

namespace Pricing.ServiceDefaults;

/// <summary>
/// Applied to every gRPC service by AddServiceDefaults: the field caps of <see cref="RequestFieldLimits"/> on every
/// request (InvalidArgument) and the stream caps of <see cref="StreamSlots"/> on server-streaming calls
/// (ResourceExhausted). The unary deadline is <see cref="UnaryDeadlines"/>' job (before gRPC reads the deadline).
/// </summary>
public sealed class RequestLimitsInterceptor(IOptions<PricingLimitsOptions> options, StreamSlots slots) : Interceptor
{
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        CheckFields(request);
        return continuation(request, context);
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        CheckFields(request);
        var caller = CallerIdentity.KeyOf(context.GetHttpContext());
        using var slot = slots.TryAcquire(caller, out var refusal)
            ?? throw ResourceExhausted(refusal!, retryAfter: TimeSpan.FromSeconds(1));
        await continuation(request, responseStream, context);
    }

    /// <summary><c>ResourceExhausted</c> with <c>google.rpc.RetryInfo</c>, so a client knows when to try again.</summary>
    public static RpcException ResourceExhausted(string message, TimeSpan retryAfter) =>
        new Google.Rpc.Status
        {
            Code = (int)Code.ResourceExhausted,
            Message = message,
            Details = { Google.Protobuf.WellKnownTypes.Any.Pack(RetryInfoOf(retryAfter)) },
        }.ToRpcException();

    public static RetryInfo RetryInfoOf(TimeSpan retryAfter) =>
        new() { RetryDelay = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(retryAfter) };

    private void CheckFields<TRequest>(TRequest request)
    {
        if (request is IMessage message && RequestFieldLimits.Check(message, options.Value) is { Count: > 0 } violations)
        {
            throw GrpcValidation.InvalidArgument(violations);
        }
    }
}
