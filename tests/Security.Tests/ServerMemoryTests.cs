using Grpc.Core;
using Pricing.Contracts.V1;
using Pricing.ServiceDefaults;
using Pricing.Testing;

namespace Security.Tests;

/// <summary>Runs alone: it reads the process' allocation and heap counters, which parallel tests would inflate.</summary>
[CollectionDefinition(nameof(ServerMemoryCollection), DisableParallelization = true)]
public sealed class ServerMemoryCollection;

/// <summary>
/// The memory the issue measured (255 MB for one quote of 20,000 unknown ids), asserted: repeated hostile requests
/// against the embedded default (client and server in this process) allocate a bounded amount per request and leave
/// the heap where it was once collected. The bounds are generous (several times what the refusals cost now) and far
/// below what the unbounded error paths cost.
/// </summary>
[Collection(nameof(ServerMemoryCollection))]
public sealed class ServerMemoryTests : IAsyncLifetime
{
    private const long MiB = 1024 * 1024;
    private readonly EmbeddedServer _server = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => _server.InitializeAsync();

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    [Fact]
    public async Task Hostile_requests_allocate_a_bounded_amount_each_and_retain_nothing()
    {
        using var channel = TestTokenIssuer.Channel(_server.App.BoundAddress(), null);
        var quotes = new TrainingQuotes.TrainingQuotesClient(channel);
        var changes = new PriceChanges.PriceChangesClient(channel);
        var unknownIds = new QuoteTrainingRunRequest { Parameters = 7e9, Tokens = 1e12 };
        unknownIds.AcceleratorIds.AddRange(Enumerable.Range(0, 20_000).Select(i => $"no-such-accelerator-{i}"));
        var blowUp = new WatchPriceChangesRequest { Filter = new PriceChangeFilter { RoutingPattern = string.Join('.', Enumerable.Repeat("#", 60)) } };

        async Task HostileRoundAsync()
        {
            var ex = await Assert.ThrowsAsync<RpcException>(() => quotes.QuoteTrainingRunAsync(unknownIds, cancellationToken: Ct).ResponseAsync);
            Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
            using var call = changes.WatchPriceChanges(blowUp, cancellationToken: Ct);
            var refused = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(Ct));
            Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
        }

        // Warm up (JIT, connection, caches), then measure.
        await HostileRoundAsync();
        var heapBefore = CollectedHeap();
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        const int rounds = 20;
        for (var i = 0; i < rounds; i++)
        {
            await HostileRoundAsync();
        }

        var perRound = (GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore) / rounds;
        var retained = CollectedHeap() - heapBefore;
        TestContext.Current.TestOutputHelper?.WriteLine($"allocated per round: {perRound / (double)MiB:0.0} MiB; retained after {rounds} rounds: {retained / (double)MiB:0.0} MiB");
        // Measured here: ~2.3 MiB per round (a ~0.5 MB request built, sent, parsed and checked; violations capped at 20,
        // error < 16 KB) and ~3 MiB retained after 20 rounds (log and pool buffers). Unbounded errors cost 100s of MB.
        Assert.InRange(perRound, 0, 12 * MiB);
        Assert.InRange(retained, long.MinValue, 16 * MiB);
    }

    private static long CollectedHeap()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        return GC.GetTotalMemory(forceFullCollection: false);
    }
}
