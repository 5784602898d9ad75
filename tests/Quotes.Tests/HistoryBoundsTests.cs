using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Pricing.Contracts.V1;
using Quotes.History;

namespace Quotes.Tests;

/// <summary>
/// The history's bounds over gRPC, on a Quotes host whose provider log keeps 5 changes and whose resumes replay at
/// most 3: a resume the history cannot serve whole is refused with a status that says to resync; pages walk the
/// whole history with tokens; bad timestamps and tokens are InvalidArgument with a violation per field.
/// </summary>
public sealed class HistoryBoundsTests : IAsyncLifetime
{
    private const string Provider = "bounds";
    private QuotesTestHost? _host;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private QuotesTestHost Host => _host!;

    private Pricing.Contracts.V1.PriceChanges.PriceChangesClient Changes => new(Host.Channel);

    public async ValueTask InitializeAsync()
    {
        _host = await QuotesTestHost.StartAsync(settings: new Dictionary<string, string?>
        {
            ["History:MaxChangesPerProvider"] = "5",
            ["History:MaxResumeChanges"] = "3",
        });
        var feed = Host.Services.GetRequiredService<PriceChangeFeed>();
        var t0 = DateTimeOffset.UtcNow.AddHours(-8);
        for (var version = 1; version <= 8; version++)
        {
            await feed.RecordAsync(CliWatchHistoryTests.Change(Provider, version, old: version == 1 ? null : 90m + version - 1, @new: 90m + version, observedAt: t0.AddHours(version)), Ct);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }

    [Theory]
    [InlineData(1L)] // versions 1..3 were trimmed: changes after 1 are gone
    [InlineData(4L)] // retained, but 4 changes lie after it: more than one resume replays
    public async Task A_resume_the_history_cannot_serve_whole_is_refused_with_RESYNC_REQUIRED_before_anything_is_sent(long after)
    {
        var ex = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            using var call = Changes.WatchPriceChanges(new WatchPriceChangesRequest { ResumeAfter = { [Provider] = after } }, cancellationToken: Ct);
            await call.ResponseStream.MoveNext(Ct);
        });

        Assert.Equal(StatusCode.FailedPrecondition, ex.StatusCode);
        var status = ex.GetRpcStatus();
        Assert.NotNull(status);
        var info = status.GetDetail<ErrorInfo>();
        Assert.Equal("RESYNC_REQUIRED", info.Reason);
        Assert.Equal(Provider, info.Metadata["provider"]);
        var violation = Assert.Single(status.GetDetail<PreconditionFailure>().Violations);
        Assert.Equal($"resume_after[{Provider}]", violation.Subject);
        Assert.Contains("snapshot", violation.Description, StringComparison.Ordinal);
        Assert.Equal(Provider, Pricing.Client.ResyncRequired.ProviderOf(ex));
    }

    [Fact]
    public async Task The_CLI_watch_stops_with_exit_1_and_says_why_rather_than_resume_with_a_gap()
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await Pricing.Cli.Cli.RunAsync(
            ["watch", "--provider", Provider, "--resume-after", $"{Provider}=1", "--json", "--server", Host.Channel.Target.StartsWith("http", StringComparison.Ordinal) ? Host.Channel.Target : "http://" + Host.Channel.Target],
            output, error, Ct);
        Assert.Equal(1, exit);
        Assert.Equal("", output.ToString());
        Assert.Contains($"cannot resume {Provider} without a gap", error.ToString(), StringComparison.Ordinal);
        Assert.Contains("without --resume-after", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_resume_within_the_bounds_replays_the_changes_after_the_point()
    {
        using var call = Changes.WatchPriceChanges(new WatchPriceChangesRequest { ResumeAfter = { [Provider] = 5 } }, cancellationToken: Ct);
        var replayed = new List<PriceChangeNotice>();
        while (replayed.Count < 3 && await call.ResponseStream.MoveNext(Ct))
        {
            replayed.Add(call.ResponseStream.Current);
        }

        Assert.Equal([6L, 7L, 8L], replayed.Select(n => n.Change.CatalogVersion));
        Assert.All(replayed, n => Assert.True(n.Replayed));
    }

    [Fact]
    public async Task Pages_of_an_offers_history_follow_next_page_token_newest_page_first_to_the_oldest()
    {
        var offerKey = CliWatchHistoryTests.Change(Provider, 1).OfferKey;
        var versions = new List<long>();
        var pages = 0;
        var token = "";
        do
        {
            var page = await Changes.GetPriceHistoryAsync(new GetPriceHistoryRequest { OfferKey = offerKey, Limit = 3, PageToken = token }, cancellationToken: Ct);
            Assert.Equal(page.Truncated, page.NextPageToken.Length > 0);
            versions.InsertRange(0, page.Changes.Select(c => c.CatalogVersion));
            token = page.NextPageToken;
            pages++;
        }
        while (token.Length > 0 && pages < 10);

        // The per-offer history is bounded by time, not by the provider log's count: all 8 are there.
        Assert.Equal(3, pages);
        Assert.Equal([1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L], versions);
    }

    [Fact]
    public async Task Timestamps_outside_their_range_and_a_forged_page_token_are_InvalidArgument_with_a_violation_each()
    {
        var ex = await Assert.ThrowsAsync<RpcException>(async () => await Changes.GetPriceHistoryAsync(new GetPriceHistoryRequest
        {
            AcceleratorId = "nvidia-h100-80gb",
            From = new Timestamp { Seconds = long.MaxValue },
            To = new Timestamp { Seconds = 0, Nanos = -1 },
            PageToken = "not-a-token" + new string('x', 5000),
        }, cancellationToken: Ct));

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        var violations = ex.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations;
        Assert.Equal(["from", "page_token", "to"], violations.Select(v => v.Field).Order());
        // Bounded: the 5 KB token is not echoed back.
        Assert.True(ex.Status.Detail.Length < 1000, ex.Status.Detail);
    }

    [Theory]
    [InlineData("bounds|region-1||instance")] // four parts
    [InlineData("bounds||zone|instance|on_demand")] // no region
    [InlineData("bounds|region-1||instance|on_demand|extra")] // six parts
    public async Task An_offer_key_that_is_not_one_is_InvalidArgument_on_offer_key_without_the_key_in_the_message(string key)
    {
        var ex = await Assert.ThrowsAsync<RpcException>(async () =>
            await Changes.GetPriceHistoryAsync(new GetPriceHistoryRequest { OfferKey = key }, cancellationToken: Ct));

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        var violation = Assert.Single(ex.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations);
        Assert.Equal("offer_key", violation.Field);
        Assert.DoesNotContain(key, violation.Description);
        Assert.Contains("provider|region|zone|instance|pricing_model", violation.Description);
    }
}
