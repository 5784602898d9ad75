using Grpc.Core;
using Pricing.Contracts.V1;

namespace Quotes.Tests;

/// <summary>
/// A history store that cannot be reached (Redis on a port nobody listens on) is UNAVAILABLE, a status a client
/// retries, never Unknown or Internal: PriceChangesErrorInterceptor maps the store's failure for every call.
/// </summary>
public sealed class HistoryOutageTests : IAsyncLifetime
{
    private QuotesTestHost? _host;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private Pricing.Contracts.V1.PriceChanges.PriceChangesClient Changes => new(_host!.Channel);

    // Port 1 (tcpmux) is not served on loopback: every Redis command fails at once.
    public async ValueTask InitializeAsync() => _host = await QuotesTestHost.StartAsync(redis: "127.0.0.1:1");

    public async ValueTask DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_history_query_is_unavailable()
    {
        var ex = await Assert.ThrowsAsync<RpcException>(async () =>
            await Changes.GetPriceHistoryAsync(new GetPriceHistoryRequest { AcceleratorId = "nvidia-h100-80gb" }, cancellationToken: Ct));

        Assert.Equal(StatusCode.Unavailable, ex.StatusCode);
        Assert.Equal("The price history is unreachable; try again shortly.", ex.Status.Detail);
    }

    [Fact]
    public async Task A_resumed_watch_is_unavailable_before_anything_is_sent()
    {
        using var call = Changes.WatchPriceChanges(new WatchPriceChangesRequest { ResumeAfter = { ["aws"] = 3 } }, cancellationToken: Ct);

        var ex = await Assert.ThrowsAsync<RpcException>(async () => await call.ResponseStream.MoveNext(Ct));

        Assert.Equal(StatusCode.Unavailable, ex.StatusCode);
        Assert.Equal("The price history is unreachable; the resume point cannot be served yet.", ex.Status.Detail);
    }
}
