using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Pricing.ServiceDefaults;
using Pricing.Standalone;

namespace Pricing.Cli;

/// <summary>
/// The embedded default every verb uses without <c>--server</c>: the whole system in this process on a loopback port,
/// asked over the same gRPC API as a remote server. Its log goes to stderr, never stdout, so stdout stays the
/// command's output (machine-readable with --json).
/// </summary>
internal sealed class EmbeddedServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private EmbeddedServer(WebApplication app) => _app = app;

    public string Address => _app.BoundAddress();

    public static async Task<EmbeddedServer> StartAsync(CancellationToken cancellationToken)
    {
        var app = StandaloneHost.Build([], b =>
        {
            b.UseFreeLoopbackPort();
            b.Logging.SetMinimumLevel(LogLevel.Warning);
            b.Services.Configure<ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
            // The command owns Ctrl+C and SIGTERM (it stops this host when it is done), not the host's console lifetime.
            b.Services.AddSingleton<IHostLifetime, CommandLifetime>();
        });
        try
        {
            await app.StartAsync(cancellationToken);
            await app.WaitForAllCatalogsAsync(TimeSpan.FromSeconds(60), cancellationToken);
            return new EmbeddedServer(app);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
    }

    /// <summary>One call against <paramref name="server"/> when given, else against the embedded default (started for it, then stopped).</summary>
    public static async Task<T> AskAsync<T>(string? server, string? token, Func<GrpcChannel, Task<T>> call, CancellationToken cancellationToken)
    {
        if (server is not null)
        {
            using var channel = ServerChannel.Open(server, token);
            return await call(channel);
        }

        await using var embedded = await StartAsync(cancellationToken);
        using var embeddedChannel = GrpcChannel.ForAddress(embedded.Address);
        return await WhenReadyAsync(() => call(embeddedChannel), cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }

    /// <summary>The catalogs load in the background at start: retry while the service says Unavailable (at most 30 s).</summary>
    private static async Task<T> WhenReadyAsync<T>(Func<Task<T>> call, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                return await call();
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.Unavailable && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100, cancellationToken);
            }
        }
    }

    private sealed class CommandLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
