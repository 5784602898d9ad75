using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Pricing.Contracts.V1;
using Pricing.ServiceDefaults;
using Pricing.Standalone;

[assembly: AssemblyFixture(typeof(Quotes.Tests.StandaloneServer))]

namespace Quotes.Tests;

/// <summary>
/// The embedded default (every service in one process, bundled snapshots, in-memory bus) on a loopback port,
/// started once for the test assembly and asked over gRPC like any client would.
/// </summary>
public sealed class StandaloneServer : IAsyncLifetime
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(60);

    private WebApplication? _app;
    private GrpcChannel? _channel;

    public string Address { get; private set; } = "";

    public GrpcChannel Channel => _channel ?? throw new InvalidOperationException("The server is not started.");

    public TrainingQuotes.TrainingQuotesClient Quotes => new(Channel);

    public ProviderCatalog.ProviderCatalogClient Catalog => new(Channel);

    public IServiceProvider Services => _app?.Services ?? throw new InvalidOperationException("The server is not started.");

    public static QuoteTrainingRunRequest H100Request() => new()
    {
        Parameters = 70e9,
        Tokens = 1.4e12,
        AcceleratorIds = { "nvidia-h100-80gb" },
    };

    public async ValueTask InitializeAsync()
    {
        _app = StandaloneHost.Build([], b =>
        {
            b.UseFreeLoopbackPort();
            b.Logging.SetMinimumLevel(LogLevel.Warning);
        });
        await _app.StartAsync(TestContext.Current.CancellationToken);
        await _app.WaitForAllCatalogsAsync(ReadyTimeout, TestContext.Current.CancellationToken);
        Address = _app.BoundAddress();
        _channel = GrpcChannel.ForAddress(Address);
    }

    public async ValueTask DisposeAsync()
    {
        _channel?.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync(CancellationToken.None);
            await _app.DisposeAsync();
        }
    }
}
