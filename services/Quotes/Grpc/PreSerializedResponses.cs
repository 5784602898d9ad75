using System.Runtime.CompilerServices;
using Google.Protobuf;
using Grpc.Core;
using Pricing.Contracts.V1;

namespace Quotes.Grpc;

/// <summary>
/// Response messages whose wire bytes are already known. A cached quote is the same object on every hit, so its
/// bytes are written once when it enters the cache and copied out on every call, instead of Google.Protobuf
/// walking ~100 nested messages (recomputing their sizes) for each of them. A message registered here must not be
/// changed afterwards: cached quotes never are.
/// </summary>
public static class PreSerializedResponses
{
    // Weak keys: an entry lives exactly as long as its message (the cache decides that), never longer.
    private static readonly ConditionalWeakTable<IMessage, byte[]> Bytes = new();

    /// <summary>Serializes <paramref name="message"/> once and remembers its bytes; returns the message.</summary>
    public static T Register<T>(T message)
        where T : class, IMessage
    {
        Bytes.AddOrUpdate(message, message.ToByteArray());
        return message;
    }

    /// <summary>Remembers <paramref name="bytes"/> as <paramref name="message"/>'s encoding (it was parsed from them).</summary>
    public static T Register<T>(T message, byte[] bytes)
        where T : class, IMessage
    {
        Bytes.AddOrUpdate(message, bytes);
        return message;
    }

    public static bool TryGet(IMessage message, out byte[] bytes) => Bytes.TryGetValue(message, out bytes!);

    /// <summary>
    /// A response marshaller that writes registered bytes as they are and serializes anything else as
    /// <paramref name="inner"/> would.
    /// </summary>
    public static Marshaller<T> Marshaller<T>(Marshaller<T> inner)
        where T : class
    {
        return new Marshaller<T>(
            (message, context) =>
            {
                if (message is IMessage protobuf && TryGet(protobuf, out var bytes))
                {
                    context.Complete(bytes);
                }
                else
                {
                    inner.ContextualSerializer(message, context);
                }
            },
            inner.ContextualDeserializer);
    }
}

/// <summary>
/// TrainingQuotes' gRPC binding: the generated one, with every response marshaller replaced by
/// <see cref="PreSerializedResponses.Marshaller{T}"/>. Names, request marshallers and handlers stay the generated
/// ones, and <see cref="Descriptor"/> is the generated descriptor, so JSON transcoding (which writes the message
/// object as JSON) and server reflection (which finds the descriptor through the bind method's type) see the same
/// service as before.
/// </summary>
public static class TrainingQuotesBinding
{
    /// <summary>Read by server reflection and JSON transcoding from the type that declares the bind method.</summary>
    public static Google.Protobuf.Reflection.ServiceDescriptor Descriptor => TrainingQuotes.Descriptor;

    public static void BindService(ServiceBinderBase serviceBinder, TrainingQuotes.TrainingQuotesBase serviceImpl) =>
        TrainingQuotes.BindService(new PreSerializingBinder(serviceBinder), serviceImpl);

    private sealed class PreSerializingBinder(ServiceBinderBase inner) : ServiceBinderBase
    {
        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse>? handler) =>
            inner.AddMethod(Rewritten(method), handler);

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse>? handler) =>
            inner.AddMethod(Rewritten(method), handler);

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse>? handler) =>
            inner.AddMethod(Rewritten(method), handler);

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse>? handler) =>
            inner.AddMethod(Rewritten(method), handler);

        private static Method<TRequest, TResponse> Rewritten<TRequest, TResponse>(Method<TRequest, TResponse> method)
            where TRequest : class
            where TResponse : class =>
            new(method.Type, method.ServiceName, method.Name, method.RequestMarshaller, PreSerializedResponses.Marshaller(method.ResponseMarshaller));
    }
}
