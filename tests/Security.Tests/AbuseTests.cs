using System.Net;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Pricing.Contracts.V1;
using Pricing.ServiceDefaults;
using Pricing.Testing;

namespace Security.Tests;

/// <summary>The embedded default as the issue measured it (open, loopback), started once for these tests.</summary>
public sealed class EmbeddedServer : IAsyncLifetime
{
    private WebApplication? _app;

    public WebApplication App => _app ?? throw new InvalidOperationException("Not started.");

    public async ValueTask InitializeAsync() => _app = await SecureHosts.StartStandaloneAsync(SecureHosts.Open);

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync(CancellationToken.None);
            await _app.DisposeAsync();
        }
    }
}

/// <summary>
/// Hostile inputs over the real gRPC surface of the embedded default: each is refused with the right status, the
/// error names the field without echoing the input, and stays a few kilobytes.
/// </summary>
public sealed class AbuseTests(EmbeddedServer server) : IClassFixture<EmbeddedServer>
{
    private const int SmallError = 8 * 1024;

    private CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_100000_character_region_is_InvalidArgument_without_the_string_in_the_error()
    {
        using var channel = TestTokenIssuer.Channel(server.App.BoundAddress(), null);
        var ex = await Assert.ThrowsAsync<RpcException>(() => new ProviderCatalog.ProviderCatalogClient(channel)
            .ListOffersAsync(new ListOffersRequest { Provider = "aws", Regions = { new string('r', 100_000) } }, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        var violation = Assert.Single(RpcErrors.BadRequestOf(ex)!.FieldViolations);
        Assert.Equal("regions[0]", violation.Field);
        Assert.Equal("100000 characters; at most 1024.", violation.Description);
        Assert.DoesNotContain("rrrrrrrrrr", ex.Status.Detail);
        Assert.InRange(RpcErrors.WireSize(ex), 1, SmallError);
    }

    [Fact]
    public async Task Fifty_thousand_regions_are_InvalidArgument()
    {
        using var channel = TestTokenIssuer.Channel(server.App.BoundAddress(), null);
        var request = new ListOffersRequest { Provider = "gcp" };
        request.Regions.AddRange(Enumerable.Range(0, 50_000).Select(i => $"region-{i}"));
        var ex = await Assert.ThrowsAsync<RpcException>(() => new ProviderCatalog.ProviderCatalogClient(channel).ListOffersAsync(request, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Equal("50000 entries; at most 1000.", Assert.Single(RpcErrors.BadRequestOf(ex)!.FieldViolations, v => v.Field == "regions").Description);
        Assert.InRange(RpcErrors.WireSize(ex), 1, SmallError);
    }

    [Fact]
    public async Task A_quote_of_20000_unknown_accelerator_ids_is_InvalidArgument_with_a_bounded_trailer()
    {
        using var channel = TestTokenIssuer.Channel(server.App.BoundAddress(), null);
        var request = new QuoteTrainingRunRequest { Parameters = 7e9, Tokens = 1e12 };
        request.AcceleratorIds.AddRange(Enumerable.Range(0, 20_000).Select(i => $"no-such-accelerator-{i}"));
        Assert.InRange(request.CalculateSize(), 200_000, 1024 * 1024);
        var ex = await Assert.ThrowsAsync<RpcException>(() => new TrainingQuotes.TrainingQuotesClient(channel).QuoteTrainingRunAsync(request, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.NotEmpty(RpcErrors.BadRequestOf(ex)!.FieldViolations);
        Assert.InRange(RpcErrors.WireSize(ex), 1, 16 * 1024);
    }

    [Fact]
    public async Task A_message_over_the_receive_limit_is_ResourceExhausted()
    {
        using var channel = TestTokenIssuer.Channel(server.App.BoundAddress(), null);
        var request = new QuoteTrainingRunRequest { Parameters = 7e9, Tokens = 1e12, Precision = new string('p', 2 * 1024 * 1024) };
        var ex = await Assert.ThrowsAsync<RpcException>(() => new TrainingQuotes.TrainingQuotesClient(channel).QuoteTrainingRunAsync(request, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
    }

    [Fact]
    public async Task The_60_hash_routing_pattern_is_InvalidArgument()
    {
        using var channel = TestTokenIssuer.Channel(server.App.BoundAddress(), null);
        var pattern = string.Join('.', Enumerable.Repeat("#", 60));
        using var call = new PriceChanges.PriceChangesClient(channel).WatchPriceChanges(
            new WatchPriceChangesRequest { Filter = new PriceChangeFilter { RoutingPattern = pattern } }, cancellationToken: Ct);
        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(Ct));
        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Contains(RpcErrors.BadRequestOf(ex)!.FieldViolations, v => v.Field == "filter.routing_pattern");
    }

    [Fact]
    public async Task A_routing_pattern_over_256_characters_is_InvalidArgument_and_not_echoed_whole()
    {
        using var channel = TestTokenIssuer.Channel(server.App.BoundAddress(), null);
        var pattern = "aws." + new string('w', 1000);
        using var call = new PriceChanges.PriceChangesClient(channel).WatchPriceChanges(
            new WatchPriceChangesRequest { Filter = new PriceChangeFilter { RoutingPattern = pattern } }, cancellationToken: Ct);
        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(Ct));
        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.DoesNotContain(pattern, ex.Status.Detail);
        Assert.InRange(RpcErrors.WireSize(ex), 1, SmallError);
    }

    [Theory]
    [InlineData(long.MaxValue, 0)]
    [InlineData(0, -5)]
    public async Task A_timestamp_out_of_range_is_InvalidArgument(long seconds, int nanos)
    {
        using var channel = TestTokenIssuer.Channel(server.App.BoundAddress(), null);
        var ex = await Assert.ThrowsAsync<RpcException>(() => new PriceChanges.PriceChangesClient(channel).GetPriceHistoryAsync(
            new GetPriceHistoryRequest { AcceleratorId = "nvidia-h100-80gb", From = new Timestamp { Seconds = seconds, Nanos = nanos } }, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Contains(RpcErrors.BadRequestOf(ex)!.FieldViolations, v => v.Field == "from");
    }

    [Fact]
    public async Task A_range_that_ends_before_it_starts_is_InvalidArgument()
    {
        using var channel = TestTokenIssuer.Channel(server.App.BoundAddress(), null);
        var ex = await Assert.ThrowsAsync<RpcException>(() => new PriceChanges.PriceChangesClient(channel).GetPriceHistoryAsync(new GetPriceHistoryRequest
        {
            AcceleratorId = "nvidia-h100-80gb",
            From = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
            To = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(-1)),
        }, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
    }

    [Fact]
    public async Task A_huge_snapshot_chunk_size_is_InvalidArgument()
    {
        using var channel = TestTokenIssuer.Channel(server.App.BoundAddress(), null);
        using var call = new ProviderCatalog.ProviderCatalogClient(channel).StreamCatalogSnapshot(
            new StreamCatalogSnapshotRequest { Provider = "aws", ChunkSize = int.MaxValue }, cancellationToken: Ct);
        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(Ct));
        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
    }

    [Fact]
    public async Task Unknown_provider_names_of_any_length_are_not_echoed_whole()
    {
        using var channel = TestTokenIssuer.Channel(server.App.BoundAddress(), null);
        var provider = new string('p', 1000);
        var ex = await Assert.ThrowsAsync<RpcException>(() => new ProviderCatalog.ProviderCatalogClient(channel)
            .GetScrapeStatusAsync(new GetScrapeStatusRequest { Provider = provider }, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.DoesNotContain(provider, ex.Status.Detail);
        Assert.InRange(RpcErrors.WireSize(ex), 1, SmallError);
    }

    [Fact]
    public async Task The_embedded_default_is_open_on_loopback()
    {
        using var channel = TestTokenIssuer.Channel(server.App.BoundAddress(), null);
        var status = await new PriceChanges.PriceChangesClient(channel).GetViewStatusAsync(new GetViewStatusRequest(), cancellationToken: Ct);
        Assert.Equal(3, status.Providers.Count);
        Assert.True(OpenAccessGuard.IsLoopback(server.App.BoundAddress()));
    }

    [Fact]
    public async Task An_oversized_HTTP_body_is_refused()
    {
        using var client = new HttpClient { DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        // JSON transcoding reads the body: 2 MiB of it (valid JSON, padded) is over the 1 MiB body limit (Limits:MaxRequestBodyBytes).
        using var body = new StringContent("{\"parameters\": 7e9, \"tokens\": 1e12" + new string(' ', 2 * 1024 * 1024) + "}", System.Text.Encoding.UTF8, "application/json");
        using var response = await client.PostAsync(server.App.BoundAddress() + "/v1/quotes:training-run", body, Ct);
        // Kestrel's limit trips while the transcoder reads; it answers InvalidArgument (400) naming the limit.
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("Request body too large", await response.Content.ReadAsStringAsync(Ct));
    }
}
