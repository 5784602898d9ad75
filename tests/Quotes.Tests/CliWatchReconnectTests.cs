using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Pricing.Cli;
using Pricing.Contracts.V1;
using Pricing.Client;
using Pricing.ServiceDefaults;

namespace Quotes.Tests;

/// <summary>
/// What <c>pricing watch</c> does when the stream drops: a scripted PriceChanges server that cuts the first stream
/// in the middle of a catalog version and records what the watcher asks for when it comes back.
/// </summary>
public sealed class CliWatchReconnectTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly PriceChangeWatchOptions Fast = new() { FirstRetryDelay = TimeSpan.FromMilliseconds(10), MaxRetryDelay = TimeSpan.FromMilliseconds(50) };

    private static PriceChangeNotice Notice(string provider, long version, string instance, bool replayed = false) => new()
    {
        Change = new AcceleratorPriceChangedEvent
        {
            Provider = provider,
            CatalogVersion = version,
            OfferKey = $"{provider}|us-east-1||{instance}|on_demand",
            Kind = PriceChangeKind.Changed,
            OldPricePerInstanceHour = new Money { CurrencyCode = "USD", Units = 55 },
            NewPricePerInstanceHour = new Money { CurrencyCode = "USD", Units = 50 },
            ObservedAt = Timestamp.FromDateTimeOffset(new DateTimeOffset(2026, 11, 28, 0, 0, 0, TimeSpan.Zero)),
        },
        RoutingKey = $"{provider}.us-east-1.nvidia-h100-80gb.on_demand",
        Replayed = replayed,
    };

    /// <summary>
    /// Holds aws at version 10 and gcp at 5. The first stream sends aws v11 (offer A), half of v12 (offer A), then drops
    /// (Unavailable). Later streams send what a server replaying from the resume point would: v12 A again, v12 B, v13 A.
    /// </summary>
    private sealed class DroppingPriceChanges : PriceChanges.PriceChangesBase
    {
        private readonly Lock _lock = new();
        private readonly List<WatchPriceChangesRequest> _requests = [];

        public IReadOnlyList<WatchPriceChangesRequest> Requests
        {
            get
            {
                lock (_lock)
                {
                    return [.. _requests];
                }
            }
        }

        public override Task<ViewStatus> GetViewStatus(GetViewStatusRequest request, ServerCallContext context) => Task.FromResult(new ViewStatus
        {
            Providers = { new ProviderViewStatus { Provider = "aws", Version = 10 }, new ProviderViewStatus { Provider = "gcp", Version = 5 } },
        });

        public override async Task WatchPriceChanges(WatchPriceChangesRequest request, IServerStreamWriter<PriceChangeNotice> responseStream, ServerCallContext context)
        {
            int call;
            lock (_lock)
            {
                _requests.Add(request);
                call = _requests.Count;
            }

            if (call == 1)
            {
                await responseStream.WriteAsync(Notice("aws", 11, "p5.48xlarge"), context.CancellationToken);
                await responseStream.WriteAsync(Notice("aws", 12, "p5.48xlarge"), context.CancellationToken);
                throw new RpcException(new Status(StatusCode.Unavailable, "connection reset (test)"));
            }

            await responseStream.WriteAsync(Notice("aws", 12, "p5.48xlarge", replayed: true), context.CancellationToken);
            await responseStream.WriteAsync(Notice("aws", 12, "p5en.48xlarge", replayed: true), context.CancellationToken);
            await responseStream.WriteAsync(Notice("aws", 13, "p5.48xlarge"), context.CancellationToken);
            await Task.Delay(Timeout.Infinite, context.CancellationToken);
        }
    }

    private static async Task<WebApplication> StartAsync(DroppingPriceChanges service)
    {
        var builder = WebApplication.CreateBuilder();
        builder.UseFreeLoopbackPort();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.Configure<KestrelServerOptions>(o => o.ConfigureEndpointDefaults(l => l.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(service);
        var app = builder.Build();
        app.MapGrpcService<DroppingPriceChanges>();
        await app.StartAsync(Ct);
        return app;
    }

    [Fact]
    public async Task After_a_drop_watch_resumes_from_the_last_version_it_printed_and_prints_each_change_once()
    {
        var service = new DroppingPriceChanges();
        await using var app = await StartAsync(service);
        using var channel = GrpcChannel.ForAddress(app.BoundAddress());
        using var guard = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        guard.CancelAfter(TimeSpan.FromSeconds(60));
        var output = new StringWriter();
        var error = new StringWriter();
        var arguments = WatchArguments.Parse(["--count", "4", "--json", "--server", app.BoundAddress()]);

        var code = await WatchCommand.WatchAsync(new PriceChanges.PriceChangesClient(channel), arguments, output, error, Fast, guard.Token);

        Assert.Equal(0, code);
        var printed = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => PriceChangeNotice.Parser.ParseJson(l).Change)
            .Select(c => $"{c.CatalogVersion} {c.OfferKey}")
            .ToList();
        // v12 of p5.48xlarge came twice (before the drop and in the replay); it is printed once.
        Assert.Equal(
            ["11 aws|us-east-1||p5.48xlarge|on_demand", "12 aws|us-east-1||p5.48xlarge|on_demand", "12 aws|us-east-1||p5en.48xlarge|on_demand", "13 aws|us-east-1||p5.48xlarge|on_demand"],
            printed);
        var requests = service.Requests;
        Assert.Equal(2, requests.Count);
        Assert.Empty(requests[0].ResumeAfter);
        // aws: the last version printed (12) minus one, so the rest of a version cut in half is replayed;
        // gcp: nothing printed, so from the version the server held when the watch started.
        Assert.Equal(new Dictionary<string, long> { ["aws"] = 11, ["gcp"] = 5 }, requests[1].ResumeAfter);
        Assert.Contains("stream dropped (Unavailable: connection reset (test))", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_reconnect_keeps_the_filter_and_the_users_resume_points_for_providers_it_printed_nothing_of()
    {
        var original = WatchArguments.Parse(["--provider", "aws", "--accelerator", "nvidia-h100-80gb", "--resume-after", "aws=3,azure=7"]).Request;

        var first = PriceChangeWatchClient.ResumeRequest(original, new Dictionary<string, long>(), baseline: null);
        var nothingPrinted = PriceChangeWatchClient.ResumeRequest(original, new Dictionary<string, long>(), new Dictionary<string, long> { ["aws"] = 10, ["gcp"] = 5 });
        var printedAws = PriceChangeWatchClient.ResumeRequest(original, new Dictionary<string, long> { ["aws"] = 20 }, new Dictionary<string, long> { ["aws"] = 10, ["gcp"] = 5 });

        Assert.Equal(original, first);
        // The user's aws=3 stands until something of aws is printed; gcp is outside --provider aws.
        Assert.Equal(new Dictionary<string, long> { ["aws"] = 3, ["azure"] = 7 }, nothingPrinted.ResumeAfter);
        Assert.Equal(new Dictionary<string, long> { ["aws"] = 19, ["azure"] = 7 }, printedAws.ResumeAfter);
        Assert.All(new[] { first, nothingPrinted, printedAws }, r => Assert.Equal(original.Filter, r.Filter));
    }
}
