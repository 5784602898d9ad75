using System.Net;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Pricing.Contracts.V1;
using Pricing.ServiceDefaults;
using Pricing.Testing;

namespace Security.Tests;

/// <summary>Stream caps, rate limits and the unary deadline, each on a real host with a tight limit configured.</summary>
public sealed class LimitsTests
{
    private static readonly TestTokenIssuer Issuer = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Streams_past_the_per_caller_and_total_caps_are_ResourceExhausted_and_free_again_when_closed()
    {
        await using var quotes = await SecureHosts.StartQuotesAsync(Issuer.HostSettings.With(
            ("Limits:MaxStreamsPerCaller", "2"), ("Limits:MaxStreamsTotal", "3")));
        var slots = quotes.Services.GetRequiredService<StreamSlots>();
        using var alice = TestTokenIssuer.Channel(quotes.BoundAddress(), Issuer.Mint(TestTokenIssuer.ReadScope, subject: "alice"));
        using var bob = TestTokenIssuer.Channel(quotes.BoundAddress(), Issuer.Mint(TestTokenIssuer.ReadScope, subject: "bob"));

        var first = await OpenWatchAsync(alice);
        var second = await OpenWatchAsync(alice);
        var perCaller = await RefusedWatchAsync(alice);
        Assert.Equal(StatusCode.ResourceExhausted, perCaller.StatusCode);
        Assert.NotNull(RpcErrors.RetryInfoOf(perCaller));

        var third = await OpenWatchAsync(bob);
        var total = await RefusedWatchAsync(bob);
        Assert.Equal(StatusCode.ResourceExhausted, total.StatusCode);
        Assert.Contains("at most 3", total.Status.Detail);

        // A caller that closes a stream gets its slot back.
        first.Dispose();
        await WaitUntilAsync(() => slots.OpenBy("sub:alice") == 1);
        using var again = await OpenWatchAsync(alice);
        second.Dispose();
        third.Dispose();
    }

    [Fact]
    public async Task Anonymous_health_watches_have_their_own_pool_and_cannot_starve_authenticated_streams()
    {
        await using var quotes = await SecureHosts.StartQuotesAsync(Issuer.HostSettings.With(
            ("Limits:MaxStreamsTotal", "2"), ("Limits:MaxAnonymousStreamsTotal", "2")));
        var slots = quotes.Services.GetRequiredService<StreamSlots>();
        using var anonymous = TestTokenIssuer.Channel(quotes.BoundAddress(), null);
        var health = new Grpc.Health.V1.Health.HealthClient(anonymous);
        using var first = health.Watch(new Grpc.Health.V1.HealthCheckRequest(), cancellationToken: Ct);
        using var second = health.Watch(new Grpc.Health.V1.HealthCheckRequest(), cancellationToken: Ct);
        Assert.True(await first.ResponseStream.MoveNext(Ct));
        Assert.True(await second.ResponseStream.MoveNext(Ct));
        Assert.Equal(2, slots.AnonymousTotal);

        using var third = health.Watch(new Grpc.Health.V1.HealthCheckRequest(), cancellationToken: Ct);
        var refused = await Assert.ThrowsAsync<RpcException>(() => third.ResponseStream.MoveNext(Ct));
        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        Assert.Contains("without a token", refused.Status.Detail);

        // The authenticated pool is untouched: two watches of a signed-in caller still open.
        using var alice = TestTokenIssuer.Channel(quotes.BoundAddress(), Issuer.Mint(TestTokenIssuer.ReadScope, subject: "alice"));
        using var watch1 = await OpenWatchAsync(alice);
        using var watch2 = await OpenWatchAsync(alice);
        Assert.Equal(2, slots.Total);
    }

    [Fact]
    public async Task Streams_of_a_caller_that_goes_away_without_closing_them_are_released()
    {
        await using var quotes = await SecureHosts.StartQuotesAsync(SecureHosts.Open.With(("Limits:MaxStreamsPerCaller", "2")));
        var slots = quotes.Services.GetRequiredService<StreamSlots>();
        var gone = TestTokenIssuer.Channel(quotes.BoundAddress(), null);
        // Calls never disposed: the client just drops its connection.
        _ = await OpenWatchAsync(gone);
        _ = await OpenWatchAsync(gone);
        Assert.Equal(2, slots.Total);
        gone.Dispose();
        await WaitUntilAsync(() => slots.Total == 0);

        using var back = TestTokenIssuer.Channel(quotes.BoundAddress(), null);
        using var call = await OpenWatchAsync(back);
        Assert.Equal(1, slots.Total);
    }

    [Fact]
    public async Task A_caller_over_its_rate_gets_ResourceExhausted_with_retry_info_and_others_are_unaffected()
    {
        await using var quotes = await SecureHosts.StartQuotesAsync(Issuer.HostSettings.With(
            ("Limits:RequestBurstPerCaller", "5"), ("Limits:RequestsPerSecondPerCaller", "1")));
        using var greedy = TestTokenIssuer.Channel(quotes.BoundAddress(), Issuer.Mint(TestTokenIssuer.ReadScope, subject: "greedy"));
        var client = new PriceChanges.PriceChangesClient(greedy);
        RpcException? refused = null;
        // 5 in the bucket and 1 more per second: 20 calls in a row cannot all fit unless they took 15 s.
        for (var i = 0; i < 20 && refused is null; i++)
        {
            try
            {
                await client.GetViewStatusAsync(new GetViewStatusRequest(), cancellationToken: Ct);
            }
            catch (RpcException ex)
            {
                refused = ex;
            }
        }

        Assert.NotNull(refused);
        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        var retry = RpcErrors.RetryInfoOf(refused);
        Assert.NotNull(retry);
        Assert.True(retry.RetryDelay.ToTimeSpan() >= TimeSpan.FromSeconds(1));

        using var polite = TestTokenIssuer.Channel(quotes.BoundAddress(), Issuer.Mint(TestTokenIssuer.ReadScope, subject: "polite"));
        await new PriceChanges.PriceChangesClient(polite).GetViewStatusAsync(new GetViewStatusRequest(), cancellationToken: Ct);

        // Over HTTP the same limit is 429 with Retry-After; health is never limited.
        using var http = new HttpClient();
        var token = Issuer.Mint(TestTokenIssuer.ReadScope, subject: "greedy");
        HttpResponseMessage? limited = null;
        for (var i = 0; i < 20 && limited is null; i++)
        {
            var response = await http.SendAsync(TestTokenIssuer.Request(HttpMethod.Get, quotes.BoundHttp1Address() + "/v1/price-history?acceleratorId=x", token), Ct);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                limited = response;
            }
            else
            {
                response.Dispose();
            }
        }

        Assert.NotNull(limited);
        Assert.True(limited.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));
        limited.Dispose();
        for (var i = 0; i < 20; i++)
        {
            using var health = await http.GetAsync(quotes.BoundHttp1Address() + "/health/live", Ct);
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        }
    }

    [Fact]
    public async Task Admin_scrapes_are_limited_per_minute()
    {
        await using var azure = await SecureHosts.StartAzureAsync(Issuer.HostSettings.With(
            ("Limits:AdminRequestsPerMinutePerCaller", "2"),
            // The provider's own single-flight spacing of scrapes would answer 429 first; this test is about the per-caller limit.
            ("Scrape:OnDemandMinInterval", "00:00:00")));
        using var http = new HttpClient();
        var admin = Issuer.Mint(TestTokenIssuer.AdminScope, subject: "operator");
        var codes = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            using var response = await http.SendAsync(TestTokenIssuer.Request(HttpMethod.Post, azure.BoundHttp1Address() + "/admin/scrape", admin), Ct);
            codes.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                Assert.True(response.Headers.RetryAfter?.Delta > TimeSpan.Zero);
            }
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], codes);
    }

    [Fact]
    public async Task A_unary_call_is_cut_at_the_server_deadline_whatever_the_client_asked()
    {
        var builder = WebApplication.CreateBuilder();
        builder.UseFreeLoopbackPort();
        builder.UseFreeLoopbackHttp1Port();
        builder.Configuration["Limits:MaxUnaryCallDuration"] = "00:00:00.5";
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.AddServiceDefaults();
        await using var app = builder.Build();
        app.MapGrpcService<NeverAnsweringCatalog>();
        await app.StartAsync(Ct);

        using var channel = TestTokenIssuer.Channel(app.BoundAddress(), null);
        var client = new ProviderCatalog.ProviderCatalogClient(channel);
        var noDeadline = await Assert.ThrowsAsync<RpcException>(() => client.GetScrapeStatusAsync(new GetScrapeStatusRequest(), cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.DeadlineExceeded, noDeadline.StatusCode);
        var longDeadline = await Assert.ThrowsAsync<RpcException>(() => client.GetScrapeStatusAsync(new GetScrapeStatusRequest(), deadline: DateTime.UtcNow.AddHours(1), cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.DeadlineExceeded, longDeadline.StatusCode);
        // Routing matches paths ignoring case; so does the deadline.
        var shouted = new Method<GetScrapeStatusRequest, GetScrapeStatusResponse>(MethodType.Unary, "PRICING.V1.PROVIDERCATALOG", "GETSCRAPESTATUS",
            Marshallers.Create<GetScrapeStatusRequest>(m => Google.Protobuf.MessageExtensions.ToByteArray(m), GetScrapeStatusRequest.Parser.ParseFrom),
            Marshallers.Create<GetScrapeStatusResponse>(m => Google.Protobuf.MessageExtensions.ToByteArray(m), GetScrapeStatusResponse.Parser.ParseFrom));
        // (Without the server's deadline the call would wait: cut it at 10 s, which fails the assertion below.)
        using var patience = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        patience.CancelAfter(TimeSpan.FromSeconds(10));
        var shoutedCall = await Assert.ThrowsAsync<RpcException>(() => channel.CreateCallInvoker()
            .AsyncUnaryCall(shouted, null, new CallOptions(deadline: DateTime.UtcNow.AddHours(1), cancellationToken: patience.Token), new GetScrapeStatusRequest()).ResponseAsync);
        Assert.Equal(StatusCode.DeadlineExceeded, shoutedCall.StatusCode);

        // A JSON-transcoded call (no grpc-timeout at all) is cut at the same deadline: 504 with DeadlineExceeded.
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        using var json = await http.GetAsync(app.BoundHttp1Address() + "/v1/scrape-status", Ct);
        Assert.Equal(HttpStatusCode.GatewayTimeout, json.StatusCode);

        // The answer goes out at the deadline; the handler sees its token cancelled at the same moment, on its own thread.
        await WaitUntilAsync(() => NeverAnsweringCatalog.Cancelled >= 4);
    }

    /// <summary>
    /// Opens a watch expected to be refused and returns its error. A refusal comes trailers-only, so the first read
    /// ends with the status at once; a watch that was let in would wait for changes, and is cut after 10 s, failing the test.
    /// </summary>
    private static async Task<RpcException> RefusedWatchAsync(Grpc.Net.Client.GrpcChannel channel)
    {
        using var patience = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        patience.CancelAfter(TimeSpan.FromSeconds(10));
        using var call = new PriceChanges.PriceChangesClient(channel).WatchPriceChanges(new WatchPriceChangesRequest(), cancellationToken: patience.Token);
        return await Assert.ThrowsAsync<RpcException>(async () =>
        {
            while (await call.ResponseStream.MoveNext(patience.Token))
            {
                // A notice means the watch was let in; keep reading until the refusal or the patience runs out.
            }
        });
    }

    private static async Task<AsyncServerStreamingCall<PriceChangeNotice>> OpenWatchAsync(Grpc.Net.Client.GrpcChannel channel)
    {
        var call = new PriceChanges.PriceChangesClient(channel).WatchPriceChanges(new WatchPriceChangesRequest(), cancellationToken: Ct);
        try
        {
            // The service writes its headers once the watch is live; a refused one fails here with its status.
            // (A refusal comes trailers-only: the headers arrive and the call is already over with its status.)
            await call.ResponseHeadersAsync;
            Status status;
            try
            {
                status = call.GetStatus();
            }
            catch (InvalidOperationException)
            {
                return call; // still running: the watch is live
            }

            throw new RpcException(status, call.GetTrailers());
        }
        catch
        {
            call.Dispose();
            throw;
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "The condition did not hold within 30 s.");
            await Task.Delay(20, Ct);
        }
    }

    /// <summary>A catalog whose unary call waits until the server cancels it.</summary>
    private sealed class NeverAnsweringCatalog : ProviderCatalog.ProviderCatalogBase
    {
        private static int _cancelled;

        public static int Cancelled => Volatile.Read(ref _cancelled);

        public override async Task<GetScrapeStatusResponse> GetScrapeStatus(GetScrapeStatusRequest request, ServerCallContext context)
        {
            try
            {
                await Task.Delay(Timeout.Infinite, context.CancellationToken);
            }
            catch (OperationCanceledException)
            {
                Interlocked.Increment(ref _cancelled);
                throw;
            }

            return new GetScrapeStatusResponse();
        }
    }
}
