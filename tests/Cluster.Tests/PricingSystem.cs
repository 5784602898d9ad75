using System.Diagnostics;
using Cluster.Tests.Servers;
using Pricing.FakeProviders;
using Pricing.Testing;

namespace Cluster.Tests;

/// <summary>
/// The whole distributed setup, once for the suite: the fake cloud APIs (in this process, as the other tests use
/// them), the 3-node RabbitMQ cluster and Redis with Sentinels (<see cref="RabbitCluster"/>, <see cref="RedisSentinelSet"/>),
/// then as separate processes the three providers, <see cref="ProdOverlay.QuotesReplicas"/> Quotes replicas and the
/// Dashboard, configured through the settings the k8s prod overlay sets (RabbitMq__ClusterNodes, the Sentinel
/// connection string, Auth__SigningKey). Everything it started is stopped by pid when the suite ends.
/// Without rabbitmq-server or redis-server the suite is skipped loudly, and fails with CI set.
/// </summary>
public sealed class PricingSystem : IAsyncLifetime
{
    public static readonly string[] ProviderNames = ["aws", "gcp", "azure"];

    private readonly List<IAsyncDisposable> _owned = [];
    private string? _skipReason;
    private bool _disposed;

    public string Root { get; } = Path.Combine(Path.GetTempPath(), $"pricing-cluster-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..6]}");

    public string RepositoryRoot { get; } = FindRepositoryRoot();

    public TestTokenIssuer Tokens { get; } = new() { Issuer = "pricing", Audience = "pricing" };

    public ProdOverlay Prod { get; private set; } = null!;

    public RabbitCluster Rabbit { get; private set; } = null!;

    public RedisSentinelSet Redis { get; private set; } = null!;

    public FakeAwsPriceListApi FakeAws { get; private set; } = null!;

    public FakeGcpCloudBillingApi FakeGcp { get; private set; } = null!;

    public FakeAzureRetailPricesApi FakeAzure { get; private set; } = null!;

    public IReadOnlyDictionary<string, ServiceProcess> Providers { get; private set; } = null!;

    public IReadOnlyList<ServiceProcess> Quotes { get; private set; } = null!;

    public ServiceProcess Dashboard { get; private set; } = null!;

    /// <summary>How long the whole setup took to start, for the report.</summary>
    public TimeSpan StartedIn { get; private set; }

    public void SkipIfUnavailable()
    {
        if (_skipReason is not null)
        {
            Assert.Skip(_skipReason);
        }
    }

    public async ValueTask InitializeAsync()
    {
        try
        {
            await StartAsync();
        }
        catch
        {
            // Nothing this run started outlives a failed start.
            await DisposeAsync();
            throw;
        }
    }

    private async Task StartAsync()
    {
        var missing = new[] { RabbitCluster.Server, "/usr/bin/redis-server", "/usr/bin/redis-cli" }.Where(f => !File.Exists(f)).ToList();
        if (missing.Count > 0)
        {
            var reason = $"CLUSTER TESTS NOT RUN: {string.Join(", ", missing)} missing (./test.sh installs rabbitmq-server and redis-server).";
            if (TestInfrastructure.IsCI)
            {
                throw OsProcesses.StartFailure(reason + " CI is set, so this fails instead of skipping.");
            }

            Console.Error.WriteLine(reason);
            _skipReason = reason;
            return;
        }

        var clock = Stopwatch.StartNew();
        var ct = TestContext.Current.CancellationToken;
        Directory.CreateDirectory(Root);
        Prod = ProdOverlay.Read(RepositoryRoot);
        FakeAws = await FakeAwsPriceListApi.FromEmbeddedSnapshot().StartAsync(ct);
        FakeGcp = await FakeGcpCloudBillingApi.FromEmbeddedSnapshot().StartAsync(ct);
        FakeAzure = await FakeAzureRetailPricesApi.FromEmbeddedSnapshot().StartAsync(ct);
        _owned.AddRange([FakeAws, FakeGcp, FakeAzure]);

        var rabbit = RabbitCluster.StartAsync(Root, Prod, ct);
        var redis = RedisSentinelSet.StartAsync(Root, Prod, ct);
        try
        {
            await Task.WhenAll(rabbit, redis);
        }
        finally
        {
            // Whatever did start is stopped at the end, even when the other failed.
            if (rabbit.IsCompletedSuccessfully)
            {
                _owned.Add(rabbit.Result);
            }

            if (redis.IsCompletedSuccessfully)
            {
                _owned.Add(redis.Result);
            }
        }

        Rabbit = rabbit.Result;
        Redis = redis.Result;

        Providers = new Dictionary<string, ServiceProcess>
        {
            ["aws"] = Service("Aws.Pricing", "aws-pricing", ProviderSettings("Aws", FakeAws.BaseUrl, new Dictionary<string, string>
            {
                ["Aws__SpotFeedUrl"] = FakeAws.SpotFeedUrl.ToString(),
            }.Concat(FakeAws.Regions.Select((r, i) => KeyValuePair.Create($"Aws__Regions__{i}", r))))),
            ["gcp"] = Service("Gcp.Pricing", "gcp-pricing", ProviderSettings("Gcp", FakeGcp.BaseUrl, [KeyValuePair.Create("Gcp__ApiKey", FakeGcp.ApiKey)])),
            ["azure"] = Service("Azure.Pricing", "azure-pricing", ProviderSettings("Azure", FakeAzure.BaseUrl, [])),
        };
        await Task.WhenAll(Providers.Values.Select(p => p.StartAsync(ct)));

        Quotes = [.. Enumerable.Range(1, Prod.QuotesReplicas).Select(i => Service("Quotes", $"quotes-{i}", Common(new Dictionary<string, string>
        {
            ["ConnectionStrings__redis"] = Redis.ConnectionString,
            ["Quotes__ReplicaId"] = $"quotes-{i}",
        }.Concat(Providers.Select(p => KeyValuePair.Create($"Quotes__Providers__{p.Key}", p.Value.Address))))))];
        await Task.WhenAll(Quotes.Select(q => q.StartAsync(ct)));

        // The Dashboard reads Quotes through one address (the Service in k8s); here the first replica, which no fault kills.
        Dashboard = Service("Dashboard", "dashboard", Common(new Dictionary<string, string> { ["Dashboard__QuotesUrl"] = Quotes[0].Address }
            .Concat(Providers.Select(p => KeyValuePair.Create($"Dashboard__Providers__{p.Key}", p.Value.Address)))));
        await Dashboard.StartAsync(ct);
        StartedIn = clock.Elapsed;
    }

    /// <summary>The Dashboard's price matrix answers (with a read token, as an authenticating proxy would send it) with every provider in it.</summary>
    public async Task AssertDashboardServesAsync(CancellationToken ct)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        using var request = TestTokenIssuer.Request(HttpMethod.Get, $"{Dashboard.Address}/", Tokens.Mint(TestTokenIssuer.ReadScope, "cluster-dashboard"));
        using var response = await http.SendAsync(request, ct);
        var page = await response.Content.ReadAsStringAsync(ct);
        Assert.True(response.IsSuccessStatusCode, $"the Dashboard answered {(int)response.StatusCode}: {page[..Math.Min(page.Length, 500)]}");
        foreach (var provider in ProviderNames)
        {
            Assert.Contains(provider, page, StringComparison.OrdinalIgnoreCase);
        }
    }

    private ServiceProcess Service(string project, string instance, IEnumerable<KeyValuePair<string, string>> settings)
    {
        var service = new ServiceProcess(RepositoryRoot, project, instance, Root, settings.ToDictionary());
        _owned.Add(service);
        return service;
    }

    /// <summary>What every deployable gets in prod: the broker's node list and its user, and the auth key.</summary>
    private IEnumerable<KeyValuePair<string, string>> Common(IEnumerable<KeyValuePair<string, string>> own) => own.Concat(new Dictionary<string, string>
    {
        ["ConnectionStrings__rabbitmq"] = Rabbit.ConnectionString,
        ["RabbitMq__ClusterNodes"] = Rabbit.ClusterNodes,
        ["Auth__SigningKey"] = Tokens.SigningKeyBase64,
    });

    /// <summary>A provider reading its (fake) live API, as the overlay's {Provider}__Source=Http; scraped on demand by the tests.</summary>
    private IEnumerable<KeyValuePair<string, string>> ProviderSettings(string section, Uri baseUrl, IEnumerable<KeyValuePair<string, string>> own) =>
        Common(own.Concat(new Dictionary<string, string>
        {
            [$"{section}__Source"] = "Http",
            [$"{section}__BaseUrl"] = baseUrl.ToString(),
            ["Scrape__StateDirectory"] = Path.Combine(Root, $"state-{section.ToLowerInvariant()}"),
            // The tests scrape several times a minute (the default allows one on-demand scrape per 30 s).
            ["Scrape__OnDemandMinInterval"] = "00:00:01",
        }));

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        // Services first (they would reconnect to the servers meanwhile), then the servers, then the fakes.
        for (var i = _owned.Count - 1; i >= 0; i--)
        {
            try
            {
                await _owned[i].DisposeAsync();
            }
            catch (Exception ex)
            {
                Console.Error.WriteLine($"Cluster.Tests: stopping {_owned[i].GetType().Name} failed: {ex.Message}");
            }
        }

        try
        {
            // The services' and servers' logs of the last run stay in the clone (.test-servers/cluster-logs), the data goes.
            var logs = Path.Combine(RepositoryRoot, ".test-servers", "cluster-logs");
            if (Directory.Exists(logs))
            {
                Directory.Delete(logs, recursive: true);
            }

            Directory.CreateDirectory(logs);
            foreach (var log in Directory.EnumerateFiles(Root, "*.log", SearchOption.AllDirectories))
            {
                File.Copy(log, Path.Combine(logs, Path.GetRelativePath(Root, log).Replace('/', '_')), overwrite: true);
            }

            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Pricing.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"no Pricing.slnx above {AppContext.BaseDirectory}");
    }
}
