using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Grpc.Core;
using Pricing.ServiceDefaults;

namespace Quotes.Tests;

/// <summary>
/// <c>pricing.quote.duration</c>, recorded by Quotes' QuoteMetricsInterceptor around TrainingQuotes' unary calls,
/// tagged with the operation and outcome the Grafana dashboard groups by.
/// </summary>
public sealed class QuoteMetricsTests(StandaloneServer server)
{
    [Fact]
    public async Task Quotes_comparisons_and_refusals_are_measured_with_their_operation_and_outcome()
    {
        var ct = TestContext.Current.CancellationToken;
        var seen = new ConcurrentDictionary<(string? Operation, string? Outcome), int>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument, PricingTelemetry.QuoteDuration))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<double>((_, seconds, tags, _) =>
        {
            Assert.True(seconds >= 0);
            string? operation = null, outcome = null;
            foreach (var tag in tags)
            {
                operation = tag.Key == "operation" ? tag.Value as string : operation;
                outcome = tag.Key == "outcome" ? tag.Value as string : outcome;
            }

            seen.AddOrUpdate((operation, outcome), 1, (_, n) => n + 1);
        });
        listener.Start();

        await server.Quotes.QuoteTrainingRunAsync(StandaloneServer.H100Request(), cancellationToken: ct);
        await server.Quotes.CompareAcceleratorsAsync(StandaloneServer.H100Request(), cancellationToken: ct);
        var bad = StandaloneServer.H100Request();
        bad.Parameters = -1;
        var refused = await Assert.ThrowsAsync<RpcException>(() => server.Quotes.QuoteTrainingRunAsync(bad, cancellationToken: ct).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);

        // Recorded before the answer leaves the server, so each is there once its call has returned.
        Assert.Contains(("quote", "ok"), seen.Keys);
        Assert.Contains(("compare", "ok"), seen.Keys);
        Assert.Contains(("quote", "invalid"), seen.Keys);
        Assert.DoesNotContain(seen.Keys, k => k.Operation is not ("quote" or "compare") || k.Outcome is not ("ok" or "invalid" or "error"));
    }
}
