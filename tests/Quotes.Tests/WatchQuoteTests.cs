using Grpc.Core;
using Pricing.Contracts;
using Pricing.Contracts.V1;
using static Quotes.Tests.TestOffers;

namespace Quotes.Tests;

/// <summary>WatchQuote on a host whose prices the test moves: the current quote at once, then one per change of a price it depends on.</summary>
public sealed class WatchQuoteTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static QuoteTrainingRunRequest H100Only() => new() { Parameters = 70e9, Tokens = 1.4e12, AcceleratorIds = { "nvidia-h100-80gb" } };

    private static async Task<TrainingQuote> NextAsync(IAsyncStreamReader<TrainingQuote> stream)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        Assert.True(await stream.MoveNext(timeout.Token), "the stream ended");
        return stream.Current;
    }

    [Fact]
    public async Task A_watcher_gets_the_current_quote_then_a_new_one_when_a_price_it_depends_on_changes()
    {
        await using var host = await QuotesTestHost.StartAsync();
        host.View.LoadSnapshot("azure", 1, AsOf, [H100(), A100()]);
        using var call = host.Quotes.WatchQuote(H100Only(), cancellationToken: Ct);

        var first = await NextAsync(call.ResponseStream);
        Assert.Equal(1, first.CatalogVersions.Single().Version);
        Assert.Equal(98.32m / 8, first.Options.Single().PricePerAcceleratorHour.ToDecimal());

        // Version 2 moves only the A100, which this watch filters out: no quote for it.
        host.View.LoadSnapshot("azure", 2, AsOf.AddHours(1), [H100(), A100(30m)]);
        // Version 3 moves the H100: the next quote the watcher sees is version 3's.
        host.View.LoadSnapshot("azure", 3, AsOf.AddHours(2), [H100(90m), A100(30m)]);

        var second = await NextAsync(call.ResponseStream);
        Assert.Equal(3, second.CatalogVersions.Single().Version);
        Assert.Equal(90m / 8, second.Options.Single().PricePerAcceleratorHour.ToDecimal());
        Assert.True(second.Options.Single().TotalCost.ToDecimal() < first.Options.Single().TotalCost.ToDecimal());
    }

    [Fact]
    public async Task A_removed_offer_the_quote_used_sends_a_new_quote()
    {
        await using var host = await QuotesTestHost.StartAsync();
        host.View.LoadSnapshot("azure", 1, AsOf, [H100(), H100(region: "westus3")]);
        using var call = host.Quotes.WatchQuote(H100Only(), cancellationToken: Ct);
        Assert.Equal(2, (await NextAsync(call.ResponseStream)).Options.Count);

        host.View.LoadSnapshot("azure", 2, AsOf.AddHours(1), [H100()]);

        var after = await NextAsync(call.ResponseStream);
        Assert.Equal("eastus", Assert.Single(after.Options).Region);
    }

    [Fact]
    public async Task A_watch_started_before_any_catalog_waits_for_one_instead_of_failing()
    {
        await using var host = await QuotesTestHost.StartAsync();
        using var call = host.Quotes.WatchQuote(H100Only(), cancellationToken: Ct);
        var next = NextAsync(call.ResponseStream);

        host.View.LoadSnapshot("azure", 1, AsOf, [H100()]);

        Assert.Single((await next).Options);
    }

    [Fact]
    public async Task A_bad_watch_request_is_InvalidArgument()
    {
        await using var host = await QuotesTestHost.StartAsync();
        host.View.LoadSnapshot("azure", 1, AsOf, [H100()]);
        using var call = host.Quotes.WatchQuote(new QuoteTrainingRunRequest { Parameters = 70e9, Tokens = -1 }, cancellationToken: Ct);

        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(Ct));

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
    }
}
