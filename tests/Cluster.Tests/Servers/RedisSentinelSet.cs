using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using StackExchange.Redis;

namespace Cluster.Tests.Servers;

/// <summary>One redis-server process of <see cref="RedisSentinelSet"/> (a data node or a Sentinel).</summary>
public sealed class RedisProcess(string name, int port, string directory, IReadOnlyList<string> arguments)
{
    private Process? _process;

    public string Name { get; } = name;

    public int Port { get; } = port;

    public string Directory { get; } = directory;

    public string LogFile => Path.Combine(Directory, "redis.log");

    public string Endpoint => $"127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}";

    public bool IsRunning => _process is { HasExited: false };

    public int Pid => _process?.Id ?? 0;

    public async Task StartAsync(string password, CancellationToken ct, IReadOnlyList<string>? extraArguments = null)
    {
        if (OsProcesses.PortInUse(Port))
        {
            throw OsProcesses.StartFailure($"{Name} cannot start: port {Port} is already in use (a server left over from an earlier run? stop it by its pid).");
        }

        System.IO.Directory.CreateDirectory(Directory);
        var start = new ProcessStartInfo("redis-server") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in arguments.Concat(extraArguments ?? []))
        {
            start.ArgumentList.Add(a);
        }

        _process?.Dispose();
        _process = Process.Start(start) ?? throw OsProcesses.StartFailure($"could not run redis-server for {Name}");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!await PingsAsync(password))
        {
            if (_process.HasExited || DateTime.UtcNow > deadline)
            {
                throw OsProcesses.StartFailure($"{Name} (redis-server on {Port}) did not start{(_process.HasExited ? $": exited {_process.ExitCode}" : "")}.{Environment.NewLine}{OsProcesses.Tail(LogFile)}");
            }

            await Task.Delay(50, ct);
        }
    }

    private async Task<bool> PingsAsync(string password)
    {
        var (code, output) = await OsProcesses.RunAsync("redis-cli", ["-h", "127.0.0.1", "-p", Port.ToString(CultureInfo.InvariantCulture), "--no-auth-warning", "-a", password, "ping"]);
        return code == 0 && output.Contains("PONG", StringComparison.Ordinal);
    }

    /// <summary>SIGKILL: gone at once, nothing flushed on the way out.</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false } p)
        {
            p.Kill();
            await p.WaitForExitAsync();
        }
    }

    public async Task StopAsync()
    {
        if (_process is { HasExited: false } p)
        {
            await OsProcesses.StopAsync(p.Id, TimeSpan.FromSeconds(10));
            await p.WaitForExitAsync();
        }
    }
}

/// <summary>
/// Redis as the prod overlay runs it, from Debian's redis-server on loopback: a primary (6401) and one replica (6402),
/// both with the overlay's persistence (AOF, everysec), a password and masterauth, and three Sentinels (26401-26403,
/// <c>redis-server --sentinel</c>) monitoring the primary as service "pricing" with the overlay's quorum and timings.
/// </summary>
public sealed class RedisSentinelSet : IAsyncDisposable
{
    private readonly ProdOverlay _prod;

    private RedisSentinelSet(string root, ProdOverlay prod)
    {
        _prod = prod;
        Data = [DataNode("redis-primary", 6401, root, replicaOf: null), DataNode("redis-replica", 6402, root, replicaOf: 6401)];
        Sentinels = [.. Enumerable.Range(1, 3).Select(i => SentinelNode(i, root))];
    }

    public string Password { get; } = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));

    public IReadOnlyList<RedisProcess> Data { get; }

    public IReadOnlyList<RedisProcess> Sentinels { get; }

    /// <summary>Quotes' ConnectionStrings:redis as the overlay builds it: $(REDIS_ENDPOINTS),password=$(REDIS_PASSWORD).</summary>
    public string ConnectionString =>
        $"{string.Join(',', Sentinels.Select(s => s.Endpoint))},serviceName={_prod.SentinelServiceName},password={Password}";

    public static async Task<RedisSentinelSet> StartAsync(string root, ProdOverlay prod, CancellationToken ct)
    {
        if (!File.Exists("/usr/bin/redis-server"))
        {
            throw OsProcesses.StartFailure("redis-server is not installed (./test.sh installs Debian's redis-server).");
        }

        var set = new RedisSentinelSet(root, prod);
        foreach (var node in set.Data)
        {
            await node.StartAsync(set.Password, ct);
        }

        await Task.WhenAll(set.Sentinels.Select(s => s.StartAsync(set.Password, ct)));
        await set.WaitForReplicaAsync(set.Data[1], set.Data[0], ct);
        return set;
    }

    private RedisProcess DataNode(string name, int port, string root, int? replicaOf)
    {
        var dir = Path.Combine(root, name);
        List<string> args = ["--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", dir, "--logfile", Path.Combine(dir, "redis.log"),
            "--save", "", .. _prod.RedisArguments, "--requirepass", Password, "--masterauth", Password];
        if (replicaOf is { } primary)
        {
            args.AddRange(["--replicaof", "127.0.0.1", primary.ToString(CultureInfo.InvariantCulture)]);
        }

        return new RedisProcess(name, port, dir, args);
    }

    private RedisProcess SentinelNode(int index, string root)
    {
        var dir = Path.Combine(root, $"redis-sentinel-{index}");
        var port = 26400 + index;
        System.IO.Directory.CreateDirectory(dir);
        // Sentinel rewrites its file: one per Sentinel, in its own directory (as the overlay's sentinel.sh writes it).
        var conf = Path.Combine(dir, "sentinel.conf");
        File.WriteAllLines(conf,
        [
            $"port {port}",
            "bind 127.0.0.1",
            $"dir {dir}",
            $"logfile {Path.Combine(dir, "redis.log")}",
            $"requirepass {Password}",
            $"sentinel monitor {_prod.SentinelServiceName} 127.0.0.1 6401 {_prod.Sentinel("quorum")}",
            $"sentinel auth-pass {_prod.SentinelServiceName} {Password}",
            $"sentinel down-after-milliseconds {_prod.SentinelServiceName} {_prod.Sentinel("down-after-milliseconds")}",
            $"sentinel failover-timeout {_prod.SentinelServiceName} {_prod.Sentinel("failover-timeout")}",
            $"sentinel parallel-syncs {_prod.SentinelServiceName} {_prod.Sentinel("parallel-syncs")}",
        ]);
        return new RedisProcess($"redis-sentinel-{index}", port, dir, [conf, "--sentinel"]);
    }

    /// <summary>The data node the Sentinels name as primary now.</summary>
    public async Task<RedisProcess> PrimaryAsync()
    {
        foreach (var sentinel in Sentinels.Where(s => s.IsRunning))
        {
            var (code, output) = await OsProcesses.RunAsync("redis-cli", ["-p", sentinel.Port.ToString(CultureInfo.InvariantCulture), "--no-auth-warning", "-a", Password,
                "sentinel", "get-master-addr-by-name", _prod.SentinelServiceName]);
            var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (code == 0 && lines.Length >= 2 && int.TryParse(lines[1], CultureInfo.InvariantCulture, out var port))
            {
                return Data.Single(d => d.Port == port);
            }
        }

        throw new InvalidOperationException("no Sentinel named a primary");
    }

    /// <summary>Waits until the Sentinels name a data node other than <paramref name="old"/> as primary; that node.</summary>
    public async Task<RedisProcess> WaitForPromotionAsync(RedisProcess old, CancellationToken ct, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var primary = await PrimaryAsync();
            if (primary != old)
            {
                return primary;
            }

            Assert.True(DateTime.UtcNow < deadline, $"the Sentinels did not promote a replica within {timeout.TotalSeconds} s of {old.Name} going");
            await Task.Delay(100, ct);
        }
    }

    /// <summary>Waits until <paramref name="replica"/> replicates from <paramref name="primary"/> with its link up.</summary>
    public async Task WaitForReplicaAsync(RedisProcess replica, RedisProcess primary, CancellationToken ct, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            var (_, info) = await OsProcesses.RunAsync("redis-cli", ["-p", replica.Port.ToString(CultureInfo.InvariantCulture), "--no-auth-warning", "-a", Password, "info", "replication"], ct: ct);
            if (info.Contains("role:slave", StringComparison.Ordinal) && info.Contains($"master_port:{primary.Port}", StringComparison.Ordinal)
                && info.Contains("master_link_status:up", StringComparison.Ordinal))
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"{replica.Name} did not replicate from {primary.Name}: {info}");
            await Task.Delay(200, ct);
        }
    }

    /// <summary>
    /// Starts a data node again on its data, as the overlay's redis.sh does: it asks the Sentinels who is primary and,
    /// unless it is itself, replicates from that one.
    /// </summary>
    public async Task RestartAsync(RedisProcess node, CancellationToken ct)
    {
        var primary = await PrimaryAsync();
        var replicaOf = primary == node ? [] : new[] { "--replicaof", "127.0.0.1", primary.Port.ToString(CultureInfo.InvariantCulture) };
        await node.StartAsync(Password, ct, replicaOf);
        if (primary != node)
        {
            await WaitForReplicaAsync(node, primary, ct);
        }
    }

    /// <summary>A direct connection to one data node (not through the Sentinels), for checks.</summary>
    public Task<ConnectionMultiplexer> ConnectAsync(RedisProcess node) =>
        ConnectionMultiplexer.ConnectAsync($"{node.Endpoint},password={Password},abortConnect=false");

    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(Sentinels.Concat(Data).Select(p => p.StopAsync()));
    }
}
