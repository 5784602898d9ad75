using System.Globalization;
using System.Text.Json;
using Grpc.Core;
using Pricing.Contracts.V1;
using Pricing.Testing;

namespace Cluster.Tests;

/// <summary>
/// Before any fault: what runs is what the prod overlay describes. Three broker nodes in one cluster; every queue of
/// Quotes a quorum queue with a member on each node; each replica's own queue under the overlay's expiry policy; the
/// Sentinels watching one primary with its replica and each other; every replica's view fed with all three providers
/// and its history in Redis; and authentication on everywhere.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ClusterTopologyTests(PricingSystem system)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_cluster_runs_the_prod_overlay_topology_with_authentication_on()
    {
        system.SkipIfUnavailable();
        var rabbit = system.Rabbit;
        using (var nodes = await rabbit.GetAsync(rabbit.Nodes[0], "nodes", Ct))
        {
            Assert.Equal(rabbit.Nodes.Select(n => n.Name).Order(), nodes.RootElement.EnumerateArray()
                .Where(n => n.GetProperty("running").GetBoolean()).Select(n => n.GetProperty("name").GetString()).Order());
        }

        // RabbitMQ applies policies asynchronously, and a queue's listing after a node restart (an earlier fault test) can
        // lag behind: read the listing until every replica queue shows the policy, for at most 30 s.
        var listingDeadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < listingDeadline)
        {
            using var listing = await rabbit.GetAsync(rabbit.Nodes[0], "queues/%2F", Ct);
            var unsettled = listing.RootElement.EnumerateArray().Any(q => q.GetProperty("name").GetString()!.StartsWith("quotes-", StringComparison.Ordinal)
                && q.GetProperty("name").GetString()!.Contains("-replica-", StringComparison.Ordinal)
                && !(q.TryGetProperty("policy", out var p) && p.ValueKind == JsonValueKind.String && p.GetString() == system.Prod.Policies[0].Name));
            if (!unsettled)
            {
                break;
            }

            await Task.Delay(500, Ct);
        }

        using (var queues = await rabbit.GetAsync(rabbit.Nodes[0], "queues/%2F", Ct))
        {
            // Quotes' own queues (not MassTransit's _error and _skipped queues, classic by design).
            var quotesQueues = queues.RootElement.EnumerateArray().Select(q => (Queue: q, Name: q.GetProperty("name").GetString()!))
                .Where(q => q.Name.StartsWith("quotes-", StringComparison.Ordinal) && !q.Name.EndsWith("_error", StringComparison.Ordinal) && !q.Name.EndsWith("_skipped", StringComparison.Ordinal))
                .Select(q => q.Queue).ToList();
            Assert.True(quotesQueues.Count >= 1 + system.Quotes.Count, $"{quotesQueues.Count} queues of Quotes for {system.Quotes.Count} replicas");
            var expiry = Assert.Single(system.Prod.Policies);
            foreach (var queue in quotesQueues)
            {
                var name = queue.GetProperty("name").GetString()!;
                Assert.Equal("quorum", queue.GetProperty("type").GetString());
                Assert.Equal(rabbit.Nodes.Count, queue.GetProperty("members").GetArrayLength());
                if (name.Contains("-replica-", StringComparison.Ordinal))
                {
                    Assert.True(queue.TryGetProperty("policy", out var policy) && policy.GetString() == expiry.Name,
                        $"the overlay's policy {expiry.Name} ({expiry.Pattern}) does not apply to the replica queue {name}");
                }
            }
        }

        var (_, master) = await Servers.OsProcesses.RunAsync("redis-cli", ["-p", system.Redis.Sentinels[0].Port.ToString(CultureInfo.InvariantCulture),
            "--no-auth-warning", "-a", system.Redis.Password, "sentinel", "master", system.Prod.SentinelServiceName], ct: Ct);
        var fields = master.Split('\n', StringSplitOptions.TrimEntries);
        string Field(string key) => fields[Array.IndexOf(fields, key) + 1];
        Assert.Equal("1", Field("num-slaves"));
        Assert.Equal("2", Field("num-other-sentinels"));
        Assert.Equal(system.Prod.Sentinel("quorum"), Field("quorum"));

        var token = system.Tokens.Mint(TestTokenIssuer.ReadScope, "cluster-topology");
        foreach (var replica in system.Quotes)
        {
            using var channel = TestTokenIssuer.Channel(replica.Address, token);
            var status = await new PriceChanges.PriceChangesClient(channel).GetViewStatusAsync(new GetViewStatusRequest(), cancellationToken: Ct);
            Assert.Equal("redis", status.HistoryStore);
            Assert.Equal(PricingSystem.ProviderNames.Order(), status.Providers.Where(p => p.Version > 0).Select(p => p.Provider).Order());

            using var anonymous = TestTokenIssuer.Channel(replica.Address, token: null);
            var refused = await Assert.ThrowsAsync<RpcException>(async () =>
                await new PriceChanges.PriceChangesClient(anonymous).GetViewStatusAsync(new GetViewStatusRequest(), cancellationToken: Ct));
            Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);
        }

        // A read token may not scrape.
        using var http = new HttpClient();
        using var scrape = TestTokenIssuer.Request(HttpMethod.Post, $"{system.Providers["azure"].Http1Address}/admin/scrape", token);
        using var forbidden = await http.SendAsync(scrape, Ct);
        Assert.Equal(System.Net.HttpStatusCode.Forbidden, forbidden.StatusCode);
    }
}
