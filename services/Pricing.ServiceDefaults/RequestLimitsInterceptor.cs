using Google.Protobuf;
using Google.Rpc;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Options;

namespace Pricing.ServiceDefaults;

/// <summary>
/// Applied to every gRPC service by AddServiceDefaults: the field caps of <see cref="RequestFieldLimits"/> on every
/// request (InvalidArgument) and the stream caps of <see cref="StreamSlots"/> on server-streaming calls
/// (ResourceExhausted). The unary deadline of gRPC calls is <see cref="UnaryDeadlines"/>' job (before gRPC reads the
/// deadline); for JSON-transcoded calls it is applied here.
/// </summary>
public sealed class RequestLimitsInterceptor(IOptions<PricingLimitsOptions> options, IOptions<PricingAuthOptions> auth, StreamSlots slots) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        CheckFields(request);
        var http = context.GetHttpContext();
        if (GrpcErrorResponse.IsGrpc(http.Request))
        {
            return await continuation(request, context); // gRPC's own deadline, set by UnaryDeadlines from grpc-timeout
        }

        // A JSON-transcoded call has no grpc-timeout to rewrite: the handler's token (the request's aborted token,
        // which transcoding hands it) is swapped for one that also fires at the maximum, and the answer goes out then.
        var max = options.Value.MaxUnaryCallDuration;
        var callerLeft = http.RequestAborted;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(callerLeft);
        deadline.CancelAfter(max);
        http.RequestAborted = deadline.Token;
        var handler = continuation(request, context);
        try
        {
            return await handler.WaitAsync(deadline.Token);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !callerLeft.IsCancellationRequested)
        {
            // The handler has its cancelled token and ends on its own; observe its outcome so it is not unobserved.
            _ = handler.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            throw new RpcException(new Grpc.Core.Status(StatusCode.DeadlineExceeded,
                $"The server ends a unary call after {max.TotalSeconds:0.###} s (Limits:MaxUnaryCallDuration)."));
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        CheckFields(request);
        var http = context.GetHttpContext();
        var caller = CallerIdentity.KeyOf(http);
        var anonymous = auth.Value.Enabled && http.User.Identity?.IsAuthenticated != true;
        using var slot = slots.TryAcquire(caller, out var refusal, anonymous)
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
