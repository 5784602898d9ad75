using System.Diagnostics;
using System.Globalization;
using Google.Protobuf;
using Microsoft.Extensions.DependencyInjection;
using Pricing.Contracts.V1;
using Pricing.ServiceDefaults;
using Quotes.Caching;
using Quotes.Grpc;
using Pricing.Quoting;

namespace Pricing.Benchmarks;

/// <summary>
/// The steps a cached quote call takes beyond the cheapest unary call, each timed alone in a loop on the server's own
/// objects: what the quote path costs besides writing its bytes (issue 22).
/// </summary>
public sealed class QuotePathSuite : IBenchmarkSuite
{
    public string Name => "quote-path";

    public string Description => "ns per step of a cached quote call (request parse, memo, cache key, cache hit, metrics), in-process loops";

    public async Task<int> RunAsync(string[] args)
    {
        var iterations = QuoteThroughputSuite.Option(args, "--iterations", 2_000_000);
        await using var server = await QuoteBenchmarkServer.StartAsync();
        var memo = server.Services.GetRequiredService<QuoteRequestMemo>();
        var cache = server.Services.GetRequiredService<QuoteCache>();
        var view = server.Services.GetRequiredService<PriceView>();
        var request = QuoteBenchmarkServer.TypicalRequest();
        request.View = QuoteView.Basic;
        var bytes = request.ToByteArray();
        var read = memo.Read(request);
        var key = read.CacheKeyOver(view.Current);
        using (var channel = Grpc.Net.Client.GrpcChannel.ForAddress(server.Address))
        {
            await new TrainingQuotes.TrainingQuotesClient(channel).QuoteTrainingRunAsync(request);
        }

        await cache.GetOrComputeAsync(key, () => throw new InvalidOperationException("warm: the call above quoted it"), default);

        Console.WriteLine($"quote-path: {iterations:N0} iterations per step");
        Time("parse the request", () => QuoteTrainingRunRequest.Parser.ParseFrom(bytes));
        var limits = server.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<PricingLimitsOptions>>().Value;
        Time("request field limits (every gRPC call)", () => RequestFieldLimits.Check(request, limits));
        Time("memo: read a known request (a fresh parse)", () => memo.Read(QuoteTrainingRunRequest.Parser.ParseFrom(bytes)));
        Time("cache key over the current prices", () => read.CacheKeyOver(view.Current));
        Time("cache hit (HybridCache L1)", () => cache.GetOrComputeAsync(key, () => null!, default).GetAwaiter().GetResult());
        Time("metrics: quote duration + cache counter", () =>
        {
            PricingTelemetry.RecordQuote("quote", TimeSpan.FromMilliseconds(1), "ok");
            PricingTelemetry.RecordCacheRequest(PricingTelemetry.CacheResults.HitL1);
        });
        return 0;

        void Time(string step, Action action)
        {
            for (var i = 0; i < iterations / 10; i++)
            {
                action();
            }

            var stopwatch = Stopwatch.StartNew();
            for (var i = 0; i < iterations; i++)
            {
                action();
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {step,-48} {stopwatch.Elapsed.TotalNanoseconds / iterations,8:N0} ns"));
        }
    }
}
