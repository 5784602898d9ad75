using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Pricing.Testing;

namespace Resilience.Tests;

/// <summary>
/// The RabbitMQ node ./test.sh started, controlled by pid: stopped with SIGTERM as an operator or an orchestrator
/// would, and started again with the same node name and data, so durable queues and their messages survive.
/// Needs PRICING_TEST_RABBITMQ_PIDFILE (set by ./test.sh only when it started the node itself).
/// </summary>
public static class RabbitMqNode
{
    public const string PidFileVariable = "PRICING_TEST_RABBITMQ_PIDFILE";

    public static string PidFileOrSkip()
    {
        var pidFile = TestInfrastructure.Variable(PidFileVariable);
        if (pidFile is null || !File.Exists(pidFile))
        {
            var reason = $"{PidFileVariable} is not set to the pid file of a RabbitMQ node this run started; run ./test.sh, which starts one.";
            if (TestInfrastructure.IsCI)
            {
                Assert.Fail(reason);
            }

            Assert.Skip("FAULT TEST NOT RUN: " + reason);
        }

        return pidFile;
    }

    public static async Task StopAsync(string pidFile, CancellationToken ct)
    {
        var pid = int.Parse((await File.ReadAllTextAsync(pidFile, ct)).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        await RunAsync("kill", ["-TERM", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)], ct);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (Directory.Exists($"/proc/{pid}") && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100, ct);
        }

        Assert.False(Directory.Exists($"/proc/{pid}"), $"RabbitMQ (pid {pid}) still running 60 s after SIGTERM");
    }

    public static async Task StartAsync(string pidFile, CancellationToken ct)
    {
        // ./test.sh exported RABBITMQ_NODENAME and RABBITMQ_NODE_IP_ADDRESS; the child inherits them.
        await RunAsync("rabbitmq-server", ["-detached"], ct);
        await RunAsync("rabbitmqctl", ["wait", "--timeout", "120", pidFile], ct);
    }

    internal static async Task RunAsync(string file, string[] args, CancellationToken ct)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        start.Environment["PATH"] = Environment.GetEnvironmentVariable("PATH") + ":/usr/local/sbin:/usr/sbin:/sbin";
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not run {file}");
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        Assert.True(process.ExitCode == 0, $"{file} {string.Join(' ', args)} exited {process.ExitCode}: {await stdout} {await stderr}");
    }
}

/// <summary>
/// A Redis server of this test's own (redis-server from the machine, on a free loopback port, no persistence),
/// so stopping it disturbs no other test. Kill stops it by pid; Start brings it back on the same port, empty.
/// </summary>
public sealed class PrivateRedis : IAsyncDisposable
{
    private Process? _process;

    private PrivateRedis(int port) => Port = port;

    public int Port { get; }

    public string ConnectionString => $"127.0.0.1:{Port}";

    public static async Task<PrivateRedis> StartOrSkipAsync(CancellationToken ct)
    {
        var binary = new[] { "/usr/bin/redis-server", "/usr/local/bin/redis-server" }.FirstOrDefault(File.Exists);
        if (binary is null)
        {
            const string Reason = "redis-server is not installed, so the Redis fault test cannot run (./test.sh installs it).";
            if (TestInfrastructure.IsCI)
            {
                Assert.Fail(Reason);
            }

            Assert.Skip("FAULT TEST NOT RUN: " + Reason);
        }

        var redis = new PrivateRedis(FreePort());
        await redis.StartAsync(ct);
        return redis;
    }

    public async Task StartAsync(CancellationToken ct)
    {
        var start = new ProcessStartInfo("redis-server") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no" })
        {
            start.ArgumentList.Add(a);
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException("could not start redis-server");
        _process.OutputDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!await AcceptsAsync())
        {
            Assert.True(DateTime.UtcNow < deadline, "redis-server did not start listening");
            await Task.Delay(50, ct);
        }
    }

    /// <summary>SIGKILL by pid: the server is gone at once, as in a crash.</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process?.Dispose();
    }

    private async Task<bool> AcceptsAsync()
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, Port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
