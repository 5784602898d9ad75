using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Pricing.ServiceDefaults;
using Quotes.Extensions;
using Pricing.Contracts.Events;
using StackExchange.Redis;

namespace Pricing.Benchmarks;

/// <summary>
/// A fresh RabbitMQ virtual host for one benchmark run, made through the management HTTP API with full permissions
/// for the amqp URI's user, deleted on dispose (with every queue and exchange in it).
/// </summary>
internal sealed class PropagationVirtualHost : IAsyncDisposable
{
    private readonly HttpClient _management;
    private readonly string _name;

    private PropagationVirtualHost(HttpClient management, string name, string uri)
    {
        _management = management;
        _name = name;
        Uri = uri;
    }

    /// <summary>The amqp URI of the new vhost.</summary>
    public string Uri { get; }

    public static async Task<PropagationVirtualHost> CreateAsync(string amqpUri, string managementUri, string name)
    {
        var amqp = new Uri(amqpUri);
        var management = new Uri(managementUri);
        var (user, _) = Credentials(amqp);
        var (managementUser, managementPassword) = Credentials(management);
        var http = new HttpClient
        {
            BaseAddress = new Uri(management.GetLeftPart(UriPartial.Authority) + "/"),
            Timeout = TimeSpan.FromSeconds(30),
        };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(
            "Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{managementUser}:{managementPassword}")));
        try
        {
            var vhostPath = $"api/vhosts/{System.Uri.EscapeDataString(name)}";
            using (var created = await http.PutAsync(vhostPath, Json("{}")))
            {
                await EnsureSuccessAsync(created, $"create vhost '{name}'");
            }

            var permissionsPath = $"api/permissions/{System.Uri.EscapeDataString(name)}/{System.Uri.EscapeDataString(user)}";
            using (var permitted = await http.PutAsync(permissionsPath, Json("""{"configure":".*","write":".*","read":".*"}""")))
            {
                await EnsureSuccessAsync(permitted, $"grant '{user}' permissions on vhost '{name}'");
            }
        }
        catch
        {
            http.Dispose();
            throw;
        }

        var uri = amqp.GetComponents(UriComponents.Scheme | UriComponents.UserInfo | UriComponents.HostAndPort, UriFormat.UriEscaped)
                  + "/" + System.Uri.EscapeDataString(name) + amqp.Query;
        return new PropagationVirtualHost(http, name, uri);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            using var deleted = await _management.DeleteAsync($"api/vhosts/{System.Uri.EscapeDataString(_name)}");
            if (!deleted.IsSuccessStatusCode && deleted.StatusCode != HttpStatusCode.NotFound)
            {
                Console.Error.WriteLine($"propagation: could not delete vhost '{_name}': {(int)deleted.StatusCode}");
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            Console.Error.WriteLine($"propagation: could not delete vhost '{_name}': {ex.Message}");
        }

        _management.Dispose();
    }

    private static (string User, string Password) Credentials(Uri uri)
    {
        if (string.IsNullOrEmpty(uri.UserInfo))
        {
            return ("guest", "guest");
        }

        var parts = uri.UserInfo.Split(':', 2);
        return (System.Uri.UnescapeDataString(parts[0]), parts.Length > 1 ? System.Uri.UnescapeDataString(parts[1]) : "");
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, string what)
    {
        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync();
            throw new InvalidOperationException($"RabbitMQ management API: could not {what}: {(int)response.StatusCode} {response.ReasonPhrase} {body}");
        }
    }
}

/// <summary>Where the propagation suites find their servers, and the figures both print.</summary>
internal static class PropagationMeasures
{
    /// <summary>
    /// <c>--part-size N</c>: changes per version part (<c>Scrape:VersionPartSize</c>), else the default, always given as a
    /// number (a setting present without a value would bind as 0).
    /// </summary>
    public static string PartSize(string[] args) =>
        QuoteThroughputSuite.Option(args, "--part-size", new Pricing.Sources.ScrapeOptions().VersionPartSize).ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary><c>--subscriber-delay-ms N</c>: <c>Scrape:SubscriberPublishDelay</c>, else the default.</summary>
    public static string SubscriberPublishDelay(string[] args) =>
        TimeSpan.FromMilliseconds(QuoteThroughputSuite.Option(args, "--subscriber-delay-ms", (int)new Pricing.Sources.ScrapeOptions().SubscriberPublishDelay.TotalMilliseconds))
            .ToString("c", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The broker, its management API and Redis: the test variables, else the local defaults.</summary>
    public static (string Amqp, string Management, string Redis) Servers() =>
        (Variable("PRICING_TEST_RABBITMQ") ?? "amqp://guest:guest@127.0.0.1:5672/",
         Variable("PRICING_TEST_RABBITMQ_MANAGEMENT") ?? "http://guest:guest@127.0.0.1:15672",
         Variable("PRICING_TEST_REDIS") ?? "127.0.0.1:6379");

    /// <summary>The 1/5/15-minute load averages (Linux), to judge how quiet the machine was.</summary>
    public static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    public static long Observed(Pricing.Contracts.V1.PriceChangeNotice n) => n.Change.ObservedAt.ToDateTimeOffset().UtcTicks;

    public static double Ms(long ticks) => ticks / (double)TimeSpan.TicksPerMillisecond;

    public static double Percentile(double[] samples, double q)
    {
        var sorted = samples.Order().ToArray();
        return sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)];
    }

    /// <summary>One markdown row: what, n, p50, p95, p99, max (ms).</summary>
    public static string Row(string what, double[] samples) =>
        samples.Length == 0
            ? $"| {what} | 0 | | | | |"
            : string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"| {what} | {samples.Length:N0} | {Percentile(samples, 0.50):F1} | {Percentile(samples, 0.95):F1} | {Percentile(samples, 0.99):F1} | {samples.Max():F1} |");

    private static string? Variable(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : null;
}

/// <summary>A Quotes host for a propagation run: real RabbitMQ and Redis, one synthetic provider, events only (no resync).</summary>
internal static class PropagationQuotesHost
{
    /// <summary><paramref name="args"/> is accepted for the suites' sake; no option changes Quotes today.</summary>
    public static async Task<WebApplication> StartAsync(string rabbitUri, string redis, string keyPrefix, string providerAddress, string queueName, CancellationToken ct, string[]? args = null)
    {
        var builder = WebApplication.CreateBuilder();
        builder.UseFreeLoopbackPort();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:rabbitmq"] = rabbitUri,
            ["ConnectionStrings:redis"] = redis,
            ["Redis:KeyPrefix"] = keyPrefix,
            ["Quotes:Providers:synthetic"] = providerAddress,
            ["Quotes:QueueName"] = queueName,
            // Only events, never a resync, bring new versions in this run.
            ["Quotes:ResyncGrace"] = "00:05:00",
        });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var app = builder.BuildQuotesApp();
        await app.StartAsync(ct);
        return app;
    }
}

/// <summary>
/// Stamps taken on the hot path as one append each (a part's stamp covers all its changes), turned into a lookup by
/// (version, offer key) when first read, after the run: a dictionary insert per change at each stamp was ~4 % of the
/// process's CPU samples in a burst, counted against the code measured.
/// </summary>
internal sealed class ChangeStamps
{
    private readonly ConcurrentQueue<(CatalogVersionChanges? Part, AcceleratorPriceChanged? Change, long At)> _pending = new();
    private readonly ConcurrentDictionary<(long Version, string OfferKey), long> _byChange = new();

    public void Add(CatalogVersionChanges part, long at) => _pending.Enqueue((part, null, at));

    public void Add(AcceleratorPriceChanged change, long at) => _pending.Enqueue((null, change, at));

    /// <summary>The first stamp of each change, as a dictionary inserted into at each stamp would hold it.</summary>
    public ConcurrentDictionary<(long Version, string OfferKey), long> ByChange
    {
        get
        {
            while (_pending.TryDequeue(out var stamp))
            {
                if (stamp.Part is { } part)
                {
                    foreach (var change in part.Changes)
                    {
                        _byChange.TryAdd((change.CatalogVersion, change.OfferKey), stamp.At);
                    }
                }
                else
                {
                    _byChange.TryAdd((stamp.Change!.CatalogVersion, stamp.Change.OfferKey), stamp.At);
                }
            }

            return _byChange;
        }
    }
}

/// <summary>
/// Stamps (UTC ticks, the clock <c>ObservedAt</c> uses) what the provider's bus publishes, just before it enters the
/// publish pipeline and once the publish completed (with publisher confirms: once the broker had it): each change as
/// part of its version's <see cref="CatalogVersionChanges"/> (what Quotes consumes: <see cref="ChangeStarted"/>,
/// <see cref="ChangeConfirmed"/>), each per-change <see cref="AcceleratorPriceChanged"/> for topic subscribers, and each
/// <see cref="CatalogPublished"/>.
/// </summary>
internal sealed class PropagationPublishRecorder : IPublishObserver, Pricing.Sources.IDirectPublishObserver
{
    private readonly ChangeStamps _changeStarted = new();
    private readonly ChangeStamps _changeConfirmed = new();
    private readonly ChangeStamps _subscriberChangeStarted = new();
    private readonly ChangeStamps _subscriberChangeConfirmed = new();

    public ConcurrentDictionary<(long Version, string OfferKey), long> ChangeStarted => _changeStarted.ByChange;

    public ConcurrentDictionary<(long Version, string OfferKey), long> ChangeConfirmed => _changeConfirmed.ByChange;

    public ConcurrentDictionary<(long Version, string OfferKey), long> SubscriberChangeStarted => _subscriberChangeStarted.ByChange;

    public ConcurrentDictionary<(long Version, string OfferKey), long> SubscriberChangeConfirmed => _subscriberChangeConfirmed.ByChange;

    public ConcurrentDictionary<(string Provider, long Version), long> PublishedStarted { get; } = new();

    public ConcurrentDictionary<(string Provider, long Version), long> PublishedConfirmed { get; } = new();

    public Task PrePublish<T>(PublishContext<T> context)
        where T : class
    {
        Stamp(context.Message, DateTime.UtcNow.Ticks, _changeStarted, _subscriberChangeStarted, PublishedStarted);
        return Task.CompletedTask;
    }

    public Task PostPublish<T>(PublishContext<T> context)
        where T : class
    {
        Stamp(context.Message, DateTime.UtcNow.Ticks, _changeConfirmed, _subscriberChangeConfirmed, PublishedConfirmed);
        return Task.CompletedTask;
    }

    public void Publishing(object message) => Stamp(message, DateTime.UtcNow.Ticks, _changeStarted, _subscriberChangeStarted, PublishedStarted);

    public void Confirmed(object message) => Stamp(message, DateTime.UtcNow.Ticks, _changeConfirmed, _subscriberChangeConfirmed, PublishedConfirmed);

    public Task PublishFault<T>(PublishContext<T> context, Exception exception)
        where T : class => Task.CompletedTask;

    private static void Stamp(object message, long now, ChangeStamps inVersion, ChangeStamps alone, ConcurrentDictionary<(string, long), long> announced)
    {
        switch (message)
        {
            case CatalogVersionChanges part:
                inVersion.Add(part, now);
                break;
            case AcceleratorPriceChanged change:
                alone.Add(change, now);
                break;
            case CatalogPublished published:
                announced.TryAdd((published.Provider, published.CatalogVersion), now);
                break;
        }
    }
}

/// <summary>
/// Stamps each change as Quotes' consumer has its <see cref="CatalogVersionChanges"/> part (delivered by the broker and
/// read) and once the consumer is done with it (watchers told; with a shared history its write and the view follow behind):
/// from <see cref="Quotes.Consumers.VersionPartObservers"/> on RabbitMQ, from MassTransit's consume observer otherwise.
/// </summary>
internal sealed class PropagationConsumeRecorder : IConsumeObserver, Quotes.Consumers.IVersionPartObserver
{
    private readonly ChangeStamps _delivered = new();
    private readonly ChangeStamps _consumed = new();

    public void PartDelivered(CatalogVersionChanges part) => _delivered.Add(part, DateTime.UtcNow.Ticks);

    public void PartHandled(CatalogVersionChanges part) => _consumed.Add(part, DateTime.UtcNow.Ticks);

    public ConcurrentDictionary<(long Version, string OfferKey), long> Delivered => _delivered.ByChange;

    public ConcurrentDictionary<(long Version, string OfferKey), long> Consumed => _consumed.ByChange;

    public Task PreConsume<T>(ConsumeContext<T> context)
        where T : class
    {
        if (context.Message is CatalogVersionChanges part)
        {
            _delivered.Add(part, DateTime.UtcNow.Ticks);
        }

        return Task.CompletedTask;
    }

    public Task PostConsume<T>(ConsumeContext<T> context)
        where T : class
    {
        if (context.Message is CatalogVersionChanges part)
        {
            _consumed.Add(part, DateTime.UtcNow.Ticks);
        }

        return Task.CompletedTask;
    }

    public Task ConsumeFault<T>(ConsumeContext<T> context, Exception exception)
        where T : class => Task.CompletedTask;
}

/// <summary>
/// CPU time used so far by this process, by RabbitMQ (every <c>beam.smp</c>) and by Redis (every <c>redis-server</c>),
/// read from /proc (Linux; zero elsewhere). The servers are shared: on a busy machine their figures include other users' work.
/// </summary>
internal readonly record struct CpuTimes(TimeSpan Process, TimeSpan Broker, TimeSpan Redis)
{
    public static CpuTimes operator -(CpuTimes a, CpuTimes b) => new(a.Process - b.Process, a.Broker - b.Broker, a.Redis - b.Redis);

    public static CpuTimes Sample()
    {
        var broker = TimeSpan.Zero;
        var redis = TimeSpan.Zero;
        if (Directory.Exists("/proc"))
        {
            foreach (var dir in Directory.EnumerateDirectories("/proc"))
            {
                if (!int.TryParse(Path.GetFileName(dir), out _))
                {
                    continue;
                }

                try
                {
                    var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                    var open = stat.IndexOf('(');
                    var close = stat.LastIndexOf(')');
                    var name = stat[(open + 1)..close];
                    if (name is not ("beam.smp" or "redis-server"))
                    {
                        continue;
                    }

                    // After the name: state is field 3, utime 14 and stime 15, in clock ticks (USER_HZ, 100 on Linux).
                    var fields = stat[(close + 2)..].Split(' ');
                    var ticks = long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture) + long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture);
                    var used = TimeSpan.FromMilliseconds(ticks * 10);
                    if (name == "beam.smp")
                    {
                        broker += used;
                    }
                    else
                    {
                        redis += used;
                    }
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException or ArgumentOutOfRangeException)
                {
                    // A process that ended meanwhile, or one we may not read.
                }
            }
        }

        return new CpuTimes(System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime, broker, redis);
    }
}
