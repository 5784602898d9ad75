using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Pricing.Testing;

namespace Quotes.Tests;

/// <summary>
/// A redis-server process of this test's own (never the shared test Redis, which other test projects use in
/// parallel), so a test can stop it mid-run and start it again on the same port.
/// </summary>
public sealed class PrivateRedisServer : IDisposable
{
    private const string Binary = "/usr/bin/redis-server";

    private Process? _process;

    private PrivateRedisServer(int port) => Port = port;

    public int Port { get; }

    public string ConnectionString => $"127.0.0.1:{Port}";

    /// <summary>Starts one, or skips the test loudly when the binary is absent (fails instead when CI is set).</summary>
    public static async Task<PrivateRedisServer> StartAsync()
    {
        if (!File.Exists(Binary))
        {
            var reason = $"*** {Binary} is NOT INSTALLED: the Redis fault test is SKIPPED. *** Install redis-server (./test.sh does).";
            if (TestInfrastructure.IsCI)
            {
                Assert.Fail(reason.Replace("SKIPPED", "FAILING because CI is set", StringComparison.Ordinal));
            }

            Console.Error.WriteLine(reason);
            Assert.Skip(reason);
        }

        var server = new PrivateRedisServer(FreePort());
        await server.RestartAsync();
        return server;
    }

    public async Task RestartAsync()
    {
        _process = Process.Start(new ProcessStartInfo(Binary)
        {
            ArgumentList = { "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        }) ?? throw new InvalidOperationException("redis-server did not start.");
        _process.OutputDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, Port, TestContext.Current.CancellationToken);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && !_process.HasExited)
            {
                await Task.Delay(50, TestContext.Current.CancellationToken);
            }
        }
    }

    /// <summary>Kills this server by its own pid.</summary>
    public void Stop()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            _process.WaitForExit(10_000);
        }

        _process?.Dispose();
        _process = null;
    }

    public void Dispose() => Stop();

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
