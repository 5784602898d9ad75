using System.Collections;
using System.Diagnostics;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Trace;
using StatusCode = Grpc.Core.StatusCode;
using Pricing.Contracts.V1;
using Pricing.ServiceDefaults;
using Pricing.Standalone;

[assembly: AssemblyFixture(typeof(Observability.Tests.ObservedServer))]

namespace Observability.Tests;

/// <summary>
/// The embedded default in the Production environment on two loopback ports: the gRPC one (HTTP/2 prior knowledge)
/// and an HTTP/1.1 one (/metrics, /health, JSON transcoding), with every finished span kept in memory.
/// </summary>
public sealed class ObservedServer : IAsyncLifetime
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(60);

    private WebApplication? _app;
    private GrpcChannel? _channel;

    /// <summary>Every span the host finished, in order (the in-memory exporter adds them as they end).</summary>
    public SpanLog Spans { get; } = new();

    public string GrpcAddress { get; private set; } = "";

    public string Http1Address { get; private set; } = "";

    public GrpcChannel Channel => _channel ?? throw new InvalidOperationException("The server is not started.");

    public TrainingQuotes.TrainingQuotesClient Quotes => new(Channel);

    public HttpClient Http { get; } = new() { DefaultRequestVersion = new Version(1, 1), DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };

    public static QuoteTrainingRunRequest H100Request() => new()
    {
        Parameters = 70e9,
        Tokens = 1.4e12,
        AcceleratorIds = { "nvidia-h100-80gb" },
    };

    public async ValueTask InitializeAsync()
    {
        _app = StandaloneHost.Build(["--environment", "Production", $"--{ServiceDefaultsExtensions.TracingKey}=true"], b =>
        {
            b.UseFreeLoopbackPort();
            b.UseFreeLoopbackHttp1Port();
            b.Logging.SetMinimumLevel(LogLevel.Warning);
            b.Services.ConfigureOpenTelemetryTracerProvider(t => t.AddInMemoryExporter(Spans));
            b.Services.AddSingleton<System.Diagnostics.Metrics.IMeterFactory, IsolatedMeterFactory>();
        });
        await _app.StartAsync(TestContext.Current.CancellationToken);
        await _app.WaitForAllCatalogsAsync(ReadyTimeout, TestContext.Current.CancellationToken);
        GrpcAddress = _app.BoundAddress();
        Http1Address = _app.BoundHttp1Address();
        Http.BaseAddress = new Uri(Http1Address);
        _channel = GrpcChannel.ForAddress(GrpcAddress);
    }

    public string EnvironmentName => _app?.Environment.EnvironmentName ?? "";

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        _channel?.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync(CancellationToken.None);
            await _app.DisposeAsync();
        }
    }
}

/// <summary>A thread-safe span list for the in-memory exporter (it may export from several threads).</summary>
public sealed class SpanLog : ICollection<Activity>
{
    private readonly List<Activity> _spans = [];
    private readonly Lock _lock = new();

    public IReadOnlyList<Activity> Snapshot()
    {
        lock (_lock)
        {
            return [.. _spans];
        }
    }

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _spans.Count;
            }
        }
    }

    public bool IsReadOnly => false;

    public void Add(Activity item)
    {
        lock (_lock)
        {
            _spans.Add(item);
        }
    }

    public void Clear()
    {
        lock (_lock)
        {
            _spans.Clear();
        }
    }

    public bool Contains(Activity item)
    {
        lock (_lock)
        {
            return _spans.Contains(item);
        }
    }

    public void CopyTo(Activity[] array, int arrayIndex)
    {
        lock (_lock)
        {
            _spans.CopyTo(array, arrayIndex);
        }
    }

    public bool Remove(Activity item)
    {
        lock (_lock)
        {
            return _spans.Remove(item);
        }
    }

    public IEnumerator<Activity> GetEnumerator() => Snapshot().GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
