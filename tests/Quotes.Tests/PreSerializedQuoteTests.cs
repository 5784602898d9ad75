using System.Buffers;
using Google.Protobuf;
using Grpc.AspNetCore.Server;
using Grpc.Core;
using Grpc.Reflection.V1Alpha;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Pricing.Catalog;
using Pricing.Contracts.V1;
using Quotes.Grpc;

namespace Quotes.Tests;

/// <summary>
/// Cached quotes leave as the bytes they were cached with: the served binding's response marshaller writes a
/// registered message's bytes as they are and serializes anything else as before; server reflection still describes
/// the service; repeated requests are read once, in a bounded memo.
/// </summary>
public sealed class PreSerializedQuoteTests(StandaloneServer server)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly Method<QuoteTrainingRunRequest, byte[]> RawQuoteTrainingRun = new(
        MethodType.Unary, "pricing.v1.TrainingQuotes", "QuoteTrainingRun",
        Marshallers.Create<QuoteTrainingRunRequest>(r => r.ToByteArray(), QuoteTrainingRunRequest.Parser.ParseFrom),
        Marshallers.Create<byte[]>(b => b, b => b));

    [Fact]
    public void The_served_QuoteTrainingRun_writes_a_registered_quote_as_its_registered_bytes_and_others_serialized()
    {
        var marshaller = ServedResponseMarshaller<TrainingQuote>("QuoteTrainingRun");
        var registered = new TrainingQuote { Warnings = { "registered" } };
        // Bytes that differ from what serializing the message would give: only the registry can produce them.
        var recorded = new TrainingQuote { Warnings = { "what was cached" } }.ToByteArray();
        PreSerializedResponses.Register(registered, recorded);
        var plain = new TrainingQuote { Warnings = { "not registered" } };

        Assert.Equal(recorded, Serialize(marshaller, registered));
        Assert.Equal(plain.ToByteArray(), Serialize(marshaller, plain));
    }

    [Fact]
    public void WatchQuote_and_CompareAccelerators_are_bound_through_the_same_marshaller()
    {
        var watched = new TrainingQuote { Warnings = { "watched" } };
        var bytes = new TrainingQuote { Warnings = { "recorded" } }.ToByteArray();
        PreSerializedResponses.Register(watched, bytes);

        Assert.Equal(bytes, Serialize(ServedResponseMarshaller<TrainingQuote>("WatchQuote"), watched));
        var comparison = new AcceleratorComparison();
        Assert.Equal(comparison.ToByteArray(), Serialize(ServedResponseMarshaller<AcceleratorComparison>("CompareAccelerators"), comparison));
    }

    [Fact]
    public async Task A_cached_quote_on_the_wire_is_byte_for_byte_the_quote_that_was_cached()
    {
        var request = StandaloneServer.H100Request();
        request.MaxOptions = 10;
        var first = await server.Quotes.QuoteTrainingRunAsync(request, cancellationToken: Ct);

        var invoker = server.Channel.CreateCallInvoker();
        var second = await invoker.AsyncUnaryCall(RawQuoteTrainingRun, null, new CallOptions(cancellationToken: Ct), request);
        var third = await invoker.AsyncUnaryCall(RawQuoteTrainingRun, null, new CallOptions(cancellationToken: Ct), request);

        Assert.True(first.Options.Count > 1);
        Assert.Equal(first, TrainingQuote.Parser.ParseFrom(second));
        Assert.Equal(first.ToByteArray(), second);
        Assert.Equal(second, third);
    }

    [Fact]
    public async Task Server_reflection_still_describes_TrainingQuotes_from_the_hand_written_binding()
    {
        var reflection = new ServerReflection.ServerReflectionClient(server.Channel);
        using var call = reflection.ServerReflectionInfo(cancellationToken: Ct);
        await call.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = "" }, Ct);
        await call.RequestStream.WriteAsync(new ServerReflectionRequest { FileContainingSymbol = "pricing.v1.TrainingQuotes" }, Ct);
        await call.RequestStream.CompleteAsync();

        Assert.True(await call.ResponseStream.MoveNext(Ct));
        Assert.Contains("pricing.v1.TrainingQuotes", call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name));
        Assert.True(await call.ResponseStream.MoveNext(Ct));
        var files = call.ResponseStream.Current.FileDescriptorResponse.FileDescriptorProto
            .Select(b => Google.Protobuf.Reflection.FileDescriptorProto.Parser.ParseFrom(b)).ToList();
        var quotes = Assert.Single(files, f => f.Name == "pricing/v1/quotes.proto");
        Assert.Contains(quotes.Service, s => s.Name == "TrainingQuotes" && s.Method.Any(m => m.Name == "QuoteTrainingRun"));
    }

    [Fact]
    public void A_repeated_request_is_read_once_and_the_memo_never_outgrows_its_capacity()
    {
        var memo = new QuoteRequestMemo(AcceleratorRegistry.Default);
        var first = memo.Read(StandaloneServer.H100Request());
        var again = memo.Read(StandaloneServer.H100Request());
        Assert.Same(first.Spec, again.Spec);
        Assert.Equal(first.KeyHash, again.KeyHash);

        var other = StandaloneServer.H100Request();
        other.Tokens *= 2;
        Assert.NotEqual(first.KeyHash, memo.Read(other).KeyHash);

        for (var i = 0; i < QuoteRequestMemo.Capacity + 10; i++)
        {
            var distinct = StandaloneServer.H100Request();
            distinct.Tokens = 1e12 + i;
            memo.Read(distinct);
            Assert.InRange(memo.Count, 1, QuoteRequestMemo.Capacity);
        }
    }

    [Fact]
    public void An_invalid_request_is_refused_every_time_and_never_remembered()
    {
        var memo = new QuoteRequestMemo(AcceleratorRegistry.Default);
        var invalid = new QuoteTrainingRunRequest { Parameters = -1, Tokens = 1e12 };

        Assert.Equal(StatusCode.InvalidArgument, Assert.Throws<RpcException>(() => memo.Read(invalid)).StatusCode);
        Assert.Equal(StatusCode.InvalidArgument, Assert.Throws<RpcException>(() => memo.Read(invalid)).StatusCode);
        Assert.Equal(0, memo.Count);
    }

    /// <summary>The response marshaller of the method the running server actually routes, found by its endpoint.</summary>
    private Marshaller<T> ServedResponseMarshaller<T>(string methodName)
        where T : class
    {
        var endpoints = server.Services.GetRequiredService<EndpointDataSource>().Endpoints;
        var method = endpoints
            .Select(e => e.Metadata.GetMetadata<GrpcMethodMetadata>())
            .Where(m => m is not null && m.ServiceType.Name == nameof(TrainingQuotesGrpcService) && m.Method.Name == methodName)
            .Select(m => m!.Method)
            .First();
        return ((Method<QuoteTrainingRunRequest, T>)method).ResponseMarshaller;
    }

    private static byte[] Serialize<T>(Marshaller<T> marshaller, T message)
        where T : class
    {
        var context = new RecordingSerializationContext();
        marshaller.ContextualSerializer(message, context);
        return context.Payload ?? throw new InvalidOperationException("The marshaller never completed.");
    }

    private sealed class RecordingSerializationContext : SerializationContext
    {
        private ArrayBufferWriter<byte>? _writer;

        public byte[]? Payload { get; private set; }

        public override void Complete(byte[] payload) => Payload = payload;

        public override IBufferWriter<byte> GetBufferWriter() => _writer ??= new ArrayBufferWriter<byte>();

        public override void SetPayloadLength(int payloadLength)
        {
        }

        public override void Complete() => Payload = _writer!.WrittenSpan.ToArray();
    }
}
