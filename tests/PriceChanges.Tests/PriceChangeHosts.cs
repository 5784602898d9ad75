using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Pricing.Contracts.V1;
using Pricing.FakeProviders;
using Pricing.ServiceDefaults;
using Pricing.Testing;
using Quotes.Extensions;

namespace PriceChanges.Tests;

/// <summary>
/// A synthetic provider and a Quotes service as separate hosts on one fresh RabbitMQ vhost and one fresh Redis
/// key prefix: they meet only through the broker, Redis and gRPC, as deployed.
/// </summary>
public sealed class PriceChangeHosts : IAsyncDisposable
{
    private PriceChangeHosts(WebApplication provider, WebApplication quotes, GrpcChannel channel, string vhost)
    {
        Provider = provider;
        Quotes = quotes;
        Channel = channel;
        VirtualHost = vhost;
    }

    public WebApplication Provider { get; }

    public WebApplication Quotes { get; }

    public GrpcChannel Channel { get; }

    public string VirtualHost { get; }

    public Pricing.Contracts.V1.PriceChanges.PriceChangesClient Changes => new(Channel);

    public static async Task<PriceChangeHosts> StartAsync(RabbitMqTestServer rabbit, RedisTestServer redis, int offers, CancellationToken ct,
        IDictionary<string, string?>? providerSettings = null)
    {
        var vhost = await rabbit.CreateVirtualHostAsync($"changes-{Guid.NewGuid():N}");
        var settings = new Dictionary<string, string?>(providerSettings ?? new Dictionary<string, string?>())
        {
            ["ConnectionStrings:rabbitmq"] = vhost,
            ["Synthetic:Offers"] = offers.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        var provider = await SyntheticProviderHost.StartAsync(settings, ct);
        var quotes = await StartQuotesAsync(vhost, redis.ConnectionString, $"{redis.KeyPrefix}{Guid.NewGuid():N}:", provider.BoundAddress(), ct);
        var hosts = new PriceChangeHosts(provider, quotes, GrpcChannel.ForAddress(quotes.BoundAddress()), vhost);
        return hosts;
    }

    /// <summary>A synthetic provider with <paramref name="offers"/> offers publishing to <paramref name="vhost"/>.</summary>
    public static Task<WebApplication> StartProviderAsync(string vhost, int offers, CancellationToken ct) =>
        SyntheticProviderHost.StartAsync(new Dictionary<string, string?>
        {
            ["ConnectionStrings:rabbitmq"] = vhost,
            ["Synthetic:Offers"] = offers.ToString(System.Globalization.CultureInfo.InvariantCulture),
        }, ct);

    public static async Task<WebApplication> StartQuotesAsync(string vhost, string redis, string keyPrefix, string providerAddress, CancellationToken ct,
        TimeSpan? resyncGrace = null, IDictionary<string, string?>? settings = null)
    {
        var builder = WebApplication.CreateBuilder();
        builder.UseFreeLoopbackPort();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:rabbitmq"] = vhost,
            ["ConnectionStrings:redis"] = redis,
            ["Redis:KeyPrefix"] = keyPrefix,
            ["Quotes:Providers:synthetic"] = providerAddress,
            ["Quotes:QueueName"] = "quotes-changes-test",
            // Only events, never a resync, may bring new versions in these tests (unless a test asks for resyncs).
            ["Quotes:ResyncGrace"] = (resyncGrace ?? TimeSpan.FromMinutes(5)).ToString("c", System.Globalization.CultureInfo.InvariantCulture),
        });
        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }

        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var app = builder.BuildQuotesApp();
        await app.StartAsync(ct);
        return app;
    }

    /// <summary>Waits until Quotes' view holds <paramref name="version"/> of the synthetic provider.</summary>
    public async Task WaitForVersionAsync(long version, CancellationToken ct, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var status = await Changes.GetViewStatusAsync(new GetViewStatusRequest(), cancellationToken: ct);
            if (status.Providers.Any(p => p.Provider == "synthetic" && p.Version >= version))
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Quotes did not reach synthetic version {version}: {status}");
            }

            await Task.Delay(50, ct);
        }
    }

    /// <summary>
    /// Waits until Quotes has passed <paramref name="count"/> changes on to its watchers. A version can be visible
    /// before that (loaded from the provider's snapshot at start-up while its change events are still in flight), and
    /// a watcher opened in between would see the tail of that version live.
    /// </summary>
    public async Task WaitForChangesPassedOnAsync(long count, CancellationToken ct)
    {
        var feed = Quotes.Services.GetRequiredService<global::Quotes.History.PriceChangeFeed>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (feed.Received < count)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Quotes passed on {feed.Received} of {count} changes.");
            }

            await Task.Delay(20, ct);
        }
    }

    /// <summary>The name of the queue that is this Quotes replica's own (its view and watchers).</summary>
    public static string ReplicaQueueOf(WebApplication quotes) => quotes.Services.GetRequiredService<global::Quotes.Extensions.QuotesReplica>().QueueName;

    /// <summary>Waits until the history holds <paramref name="count"/> changes of the synthetic provider after <paramref name="afterVersion"/>.</summary>
    public static async Task WaitForHistoryAsync(WebApplication quotes, long afterVersion, int count, CancellationToken ct, TimeSpan? timeout = null)
    {
        var store = quotes.Services.GetRequiredService<global::Quotes.History.IPriceHistoryStore>();
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        long held = 0;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                held = (await store.ResumeWindowAsync("synthetic", afterVersion, ct)).Changes;
                if (held >= count)
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is StackExchange.Redis.RedisException or TimeoutException)
            {
                // Redis is down or loading (a fault test): keep waiting.
            }

            await Task.Delay(50, ct);
        }

        throw new TimeoutException($"The history holds {held} of {count} changes after version {afterVersion}.");
    }

    /// <summary>Reads notices until <paramref name="count"/> have arrived, then a further quiet period to catch extras.</summary>
    public static async Task<List<PriceChangeNotice>> ReadAsync(AsyncServerStreamingCall<PriceChangeNotice> call, int count, TimeSpan quiet, CancellationToken ct, TimeSpan? timeout = null)
    {
        var received = new List<PriceChangeNotice>();
        using var overall = CancellationTokenSource.CreateLinkedTokenSource(ct);
        overall.CancelAfter(timeout ?? TimeSpan.FromSeconds(60));
        var stream = call.ResponseStream;
        try
        {
            while (received.Count < count && await stream.MoveNext(overall.Token))
            {
                received.Add(stream.Current);
            }

            // Anything beyond the expected count is a duplicate or a wrong match: give it a chance to show up.
            using var extra = CancellationTokenSource.CreateLinkedTokenSource(ct);
            extra.CancelAfter(quiet);
            while (await stream.MoveNext(extra.Token))
            {
                received.Add(stream.Current);
            }
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.Cancelled)
        {
        }
        catch (OperationCanceledException)
        {
        }

        return received;
    }

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        await Quotes.StopAsync(CancellationToken.None);
        await Quotes.DisposeAsync();
        await Provider.StopAsync(CancellationToken.None);
        await Provider.DisposeAsync();
    }
}
