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

    /// <summary>SIGKILL by pid, as a crash or an OOM kill would: no clean shutdown, nothing flushed on the way out.</summary>
    public static async Task KillAsync(string pidFile, CancellationToken ct)
    {
        var pid = int.Parse((await File.ReadAllTextAsync(pidFile, ct)).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        await RunAsync("kill", ["-KILL", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)], ct);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (IsRunning(pid) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50, ct);
        }

        Assert.False(IsRunning(pid), $"RabbitMQ (pid {pid}) still running 30 s after SIGKILL");
        // The dead node's pid file would make `rabbitmqctl wait` watch the old pid.
        File.Delete(pidFile);
    }

    /// <summary>
    /// <c>rabbitmqctl</c> against the node this run started (RABBITMQ_NODENAME, exported by ./test.sh with the pid file),
    /// never another broker on the machine.
    /// </summary>
    public static Task CtlAsync(CancellationToken ct, params string[] args)
    {
        var node = TestInfrastructure.Variable("RABBITMQ_NODENAME")
            ?? throw new InvalidOperationException("RABBITMQ_NODENAME is not set; ./test.sh exports it for the node it started.");
        return RunAsync("rabbitmqctl", ["-n", node, .. args], ct);
    }

    /// <summary>True while the node this run started reports a resource alarm (memory or disk): publishers are blocked.</summary>
    public static async Task<bool> HasAlarmAsync(CancellationToken ct)
    {
        var node = TestInfrastructure.Variable("RABBITMQ_NODENAME")
            ?? throw new InvalidOperationException("RABBITMQ_NODENAME is not set; ./test.sh exports it for the node it started.");
        // check_alarms exits non-zero while an alarm is in effect.
        return await ExitCodeAsync("rabbitmq-diagnostics", ["-n", node, "check_alarms"], ct) != 0;
    }

    private static bool IsRunning(int pid) =>
        File.Exists($"/proc/{pid}/stat") && !File.ReadAllText($"/proc/{pid}/stat").Split(' ')[2].Equals("Z", StringComparison.Ordinal);

    public static async Task StartAsync(string pidFile, CancellationToken ct)
    {
        // ./test.sh exported RABBITMQ_NODENAME and RABBITMQ_NODE_IP_ADDRESS; the child inherits them.
        await RunAsync("rabbitmq-server", ["-detached"], ct);
        await RunAsync("rabbitmqctl", ["wait", "--timeout", "120", pidFile], ct);
    }

    internal static async Task RunAsync(string file, string[] args, CancellationToken ct)
    {
        var (code, stdout, stderr) = await RunCapturedAsync(file, args, ct);
        Assert.True(code == 0, $"{file} {string.Join(' ', args)} exited {code}: {stdout} {stderr}");
    }

    private static async Task<int> ExitCodeAsync(string file, string[] args, CancellationToken ct) => (await RunCapturedAsync(file, args, ct)).Code;

    private static async Task<(int Code, string Stdout, string Stderr)> RunCapturedAsync(string file, string[] args, CancellationToken ct)
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
        return (process.ExitCode, await stdout, await stderr);
    }
}

/// <summary>
/// A Redis server of this test's own (redis-server from the machine, on a free loopback port), so stopping it disturbs
/// no other test. Kill stops it by pid; Start brings it back on the same port: empty, or, with the append-only file
/// (<c>--appendonly yes --appendfsync everysec</c>, as deployments run it), with what it had acknowledged.
/// </summary>
public sealed class PrivateRedis : IAsyncDisposable
{
    private readonly DirectoryInfo? _dataDirectory;
    private Process? _process;

    private PrivateRedis(int port, bool appendOnly)
    {
        Port = port;
        _dataDirectory = appendOnly ? Directory.CreateTempSubdirectory("pricing-redis-aof-") : null;
    }

    public int Port { get; }

    public string ConnectionString => $"127.0.0.1:{Port}";

    public static async Task<PrivateRedis> StartOrSkipAsync(CancellationToken ct, bool appendOnly = false)
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

        var redis = new PrivateRedis(FreePort(), appendOnly);
        await redis.StartAsync(ct);
        return redis;
    }

    public async Task StartAsync(CancellationToken ct)
    {
        var start = new ProcessStartInfo("redis-server") { RedirectStandardOutput = true, RedirectStandardError = true };
        string[] persistence = _dataDirectory is { } dir
            ? ["--appendonly", "yes", "--appendfsync", "everysec", "--dir", dir.FullName]
            : ["--appendonly", "no"];
        foreach (var a in new[] { "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "" }.Concat(persistence))
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
        _dataDirectory?.Delete(recursive: true);
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
