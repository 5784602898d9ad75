using Google.Protobuf;
using Google.Rpc;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Options;

namespace Pricing.ServiceDefaults;

/// <summary>
/// Applied to every gRPC service by AddServiceDefaults: the field caps of <see cref="RequestFieldLimits"/> on every
/// request (InvalidArgument), the stream caps of <see cref="StreamSlots"/> on server-streaming calls
/// (ResourceExhausted), and a server-side deadline on unary calls (<see cref="PricingLimitsOptions.MaxUnaryCallDuration"/>,
/// DeadlineExceeded) whatever deadline the client sent.
/// </summary>
public sealed class RequestLimitsInterceptor(IOptions<PricingLimitsOptions> options, StreamSlots slots, TimeProvider time) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        CheckFields(request);
        var limit = options.Value.MaxUnaryCallDuration;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken);
        deadline.CancelAfter(limit);
        try
        {
            return await continuation(request, new BoundedServerCallContext(context, deadline.Token, Min(context.Deadline, time.GetUtcNow().UtcDateTime + limit)));
        }
        catch (Exception ex) when (ex is OperationCanceledException or RpcException { StatusCode: StatusCode.Cancelled }
            && deadline.IsCancellationRequested && !context.CancellationToken.IsCancellationRequested)
        {
            throw new RpcException(new Grpc.Core.Status(StatusCode.DeadlineExceeded, $"The call ran longer than the server allows ({limit.TotalSeconds:0.#} s)."));
        }
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

    private static DateTime Min(DateTime a, DateTime b) => a < b ? a : b;

    /// <summary>The call's context with a cancellation token (and deadline) the server bounds.</summary>
    private sealed class BoundedServerCallContext(ServerCallContext inner, CancellationToken cancellationToken, DateTime deadline) : ServerCallContext
    {
        protected override string MethodCore => inner.Method;

        protected override string HostCore => inner.Host;

        protected override string PeerCore => inner.Peer;

        protected override DateTime DeadlineCore => deadline;

        protected override Metadata RequestHeadersCore => inner.RequestHeaders;

        protected override CancellationToken CancellationTokenCore => cancellationToken;

        protected override Metadata ResponseTrailersCore => inner.ResponseTrailers;

        protected override Grpc.Core.Status StatusCore
        {
            get => inner.Status;
            set => inner.Status = value;
        }

        protected override WriteOptions? WriteOptionsCore
        {
            get => inner.WriteOptions;
            set => inner.WriteOptions = value;
        }

        protected override AuthContext AuthContextCore => inner.AuthContext;

        // UserState carries the HttpContext (GetHttpContext() finds it there for wrapped contexts).
        protected override IDictionary<object, object> UserStateCore => inner.UserState;

        protected override ContextPropagationToken CreatePropagationTokenCore(ContextPropagationOptions? options) => inner.CreatePropagationToken(options);

        protected override Task WriteResponseHeadersAsyncCore(Metadata responseHeaders) => inner.WriteResponseHeadersAsync(responseHeaders);
    }
}
