using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Cluster.Tests.Servers;

/// <summary>
/// Three RabbitMQ nodes from Debian's rabbitmq-server on loopback (rabbit-c1..c3@localhost, AMQP 5681-5683, management
/// 15681-15683, distribution 25681-25683), each with its own data, logs and configuration under <c>root</c> and one
/// Erlang cookie of this run passed explicitly (the machine's cookie files are the shared broker's, never touched),
/// clustered at boot (classic peer discovery) with the prod overlay's additional configuration, then given the overlay's
/// user, permission and policies. Nodes are killed, stopped and started by the pid in their pid files.
/// </summary>
public sealed class RabbitCluster : IAsyncDisposable
{
    public const string Server = "/usr/lib/rabbitmq/bin/rabbitmq-server";
    public const string User = "pricing";

    private readonly string _cookie = Convert.ToHexString(RandomNumberGenerator.GetBytes(20));
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly IReadOnlySet<int> _epmdBefore;
    private readonly ProdOverlay _prod;

    private RabbitCluster(string root, ProdOverlay prod)
    {
        _prod = prod;
        _epmdBefore = OsProcesses.OwnProcessesNamed("epmd");
        Nodes = [.. Enumerable.Range(1, 3).Select(i => new RabbitNode(i, $"rabbit-c{i}@localhost", 5680 + i, 15680 + i, 25680 + i, Path.Combine(root, $"rabbit-c{i}")))];
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.ASCII.GetBytes("guest:guest")));
    }

    public IReadOnlyList<RabbitNode> Nodes { get; }

    public string Password { get; } = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));

    /// <summary>The services' connection string (prod: amqp://$(RABBITMQ_USER):$(RABBITMQ_PASSWORD)@rabbitmq:5672/).</summary>
    public string ConnectionString => $"amqp://{User}:{Password}@{Nodes[0].Endpoint}/";

    /// <summary>RabbitMq:ClusterNodes, as the overlay lists its three pods.</summary>
    public string ClusterNodes => string.Join(',', Nodes.Select(n => n.Endpoint));

    public static async Task<RabbitCluster> StartAsync(string root, ProdOverlay prod, CancellationToken ct)
    {
        var cluster = new RabbitCluster(root, prod);
        foreach (var node in cluster.Nodes)
        {
            foreach (var port in new[] { node.AmqpPort, node.ManagementPort, node.DistPort })
            {
                if (OsProcesses.PortInUse(port))
                {
                    throw OsProcesses.StartFailure($"RabbitMQ node {node.Name} cannot start: port {port} is already in use (a node left over from an earlier run? stop it by its pid).");
                }
            }

            cluster.WriteConfiguration(node);
        }

        await Task.WhenAll(cluster.Nodes.Select(n => cluster.StartNodeAsync(n, ct)));
        await cluster.WaitForMembersAsync(cluster.Nodes, ct);
        await cluster.DeclareOverlayTopologyAsync(ct);
        return cluster;
    }

    private void WriteConfiguration(RabbitNode node)
    {
        Directory.CreateDirectory(Path.Combine(node.Directory, "mnesia"));
        Directory.CreateDirectory(Path.Combine(node.Directory, "log"));
        var cookie = Path.Combine(node.Directory, ".erlang.cookie");
        File.WriteAllText(cookie, _cookie);
        File.SetUnixFileMode(cookie, UnixFileMode.UserRead);
        var config = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"listeners.tcp.default = {node.Endpoint}")
            .AppendLine("management.tcp.ip = 127.0.0.1")
            .AppendLine(CultureInfo.InvariantCulture, $"management.tcp.port = {node.ManagementPort}")
            .AppendLine("cluster_formation.peer_discovery_backend = classic_config");
        foreach (var peer in Nodes)
        {
            config.AppendLine(CultureInfo.InvariantCulture, $"cluster_formation.classic_config.nodes.{peer.Index} = {peer.Name}");
        }

        // The overlay's RabbitmqCluster additionalConfig (pause_minority, disk limit), as the operator writes it.
        foreach (var line in _prod.RabbitConfigLines)
        {
            config.AppendLine(line);
        }

        File.WriteAllText(Path.Combine(node.Directory, "rabbitmq.conf"), config.ToString());
        File.WriteAllText(Path.Combine(node.Directory, "enabled_plugins"), "[rabbitmq_management].\n");
    }

    private Dictionary<string, string> EnvironmentOf(RabbitNode node) => new()
    {
        ["HOME"] = node.Directory,
        ["RABBITMQ_NODENAME"] = node.Name,
        ["RABBITMQ_NODE_IP_ADDRESS"] = "127.0.0.1",
        ["RABBITMQ_NODE_PORT"] = node.AmqpPort.ToString(CultureInfo.InvariantCulture),
        ["RABBITMQ_DIST_PORT"] = node.DistPort.ToString(CultureInfo.InvariantCulture),
        ["RABBITMQ_MNESIA_BASE"] = Path.Combine(node.Directory, "mnesia"),
        ["RABBITMQ_LOG_BASE"] = Path.Combine(node.Directory, "log"),
        ["RABBITMQ_CONFIG_FILE"] = Path.Combine(node.Directory, "rabbitmq.conf"),
        ["RABBITMQ_ENABLED_PLUGINS_FILE"] = Path.Combine(node.Directory, "enabled_plugins"),
        ["RABBITMQ_PID_FILE"] = node.PidFile,
        // The cookie explicitly, and distribution on loopback only.
        ["RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS"] = $"-setcookie {_cookie} -kernel inet_dist_use_interface {{127,0,0,1}}",
    };

    /// <summary>Starts (or restarts, on its data) one node and waits until its management API answers.</summary>
    /// <summary>When a node was last started (the cluster's own start included).</summary>
    public DateTime LastNodeStartUtc { get; private set; } = DateTime.UtcNow;

    /// <summary>
    /// Waits until <paramref name="quiet"/> has passed since a node was last started. A quorum-queue leader SIGKILLed
    /// within seconds of a rolling restart's last node coming back left the catalog-versions fanout nacking publishes
    /// for minutes (2 of 6 runs, every member reported online): the members that had just rejoined were still catching
    /// up. docs/reliability.md lists it among what the cluster does not promise.
    /// </summary>
    public async Task SettleAsync(TimeSpan quiet, CancellationToken ct)
    {
        var wait = LastNodeStartUtc + quiet - DateTime.UtcNow;
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, ct);
        }
    }

    public async Task StartNodeAsync(RabbitNode node, CancellationToken ct)
    {
        LastNodeStartUtc = DateTime.UtcNow;
        File.Delete(node.PidFile);
        var environment = EnvironmentOf(node);
        // Through sh so the detached node's output goes to a file, not to a pipe this process would wait on.
        var start = new System.Diagnostics.ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        foreach (var a in new[] { "-c", "exec \"$0\" -detached >>\"$1\" 2>&1", Server, node.StartLog })
        {
            start.ArgumentList.Add(a);
        }

        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("RABBITMQ_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(key);
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        using (var process = System.Diagnostics.Process.Start(start) ?? throw OsProcesses.StartFailure($"could not run {Server}"))
        {
            await process.WaitForExitAsync(ct);
            if (process.ExitCode != 0)
            {
                throw OsProcesses.StartFailure($"{Server} -detached for {node.Name} exited {process.ExitCode}.{Environment.NewLine}{OsProcesses.Tail(node.StartLog)}");
            }
        }

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
        while (!await AnswersAsync(node, ct))
        {
            if (DateTime.UtcNow > deadline || (File.Exists(node.PidFile) && PidOf(node) is { } pid && !OsProcesses.IsAlive(pid)))
            {
                throw OsProcesses.StartFailure($"RabbitMQ node {node.Name} did not start (management API on {node.ManagementPort} not answering).{Environment.NewLine}"
                    + $"{OsProcesses.Tail(node.StartLog)}{Environment.NewLine}{OsProcesses.Tail(node.LogFile)}");
            }

            await Task.Delay(200, ct);
        }
    }

    public int? PidOf(RabbitNode node)
    {
        try
        {
            return int.TryParse(File.ReadAllText(node.PidFile).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    public bool IsRunning(RabbitNode node) => PidOf(node) is { } pid && OsProcesses.IsAlive(pid);

    /// <summary>SIGKILL by pid: the node is gone at once, as in a crash or an OOM kill.</summary>
    public async Task KillAsync(RabbitNode node)
    {
        var pid = PidOf(node) ?? throw new InvalidOperationException($"{node.Name} has no pid file");
        Assert.True(await OsProcesses.SignalAndWaitAsync(pid, OsProcesses.SigKill, TimeSpan.FromSeconds(30)), $"{node.Name} (pid {pid}) outlived SIGKILL");
    }

    /// <summary>SIGTERM by pid, as an orchestrator stops a pod: the node leaves the cluster cleanly.</summary>
    public async Task StopAsync(RabbitNode node)
    {
        var pid = PidOf(node) ?? throw new InvalidOperationException($"{node.Name} has no pid file");
        Assert.True(await OsProcesses.SignalAndWaitAsync(pid, OsProcesses.SigTerm, TimeSpan.FromSeconds(60)), $"{node.Name} (pid {pid}) still running 60 s after SIGTERM");
    }

    /// <summary>
    /// Waits until every one of <paramref name="members"/> runs in the cluster (as a surviving node sees it) and every
    /// quorum queue has all three members online again: a restarted node has rejoined and caught up.
    /// </summary>
    public async Task WaitForMembersAsync(IEnumerable<RabbitNode> members, CancellationToken ct, TimeSpan? timeout = null)
    {
        var names = members.Select(m => m.Name).ToHashSet(StringComparer.Ordinal);
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(120));
        string last = "";
        while (true)
        {
            try
            {
                var api = Nodes.First(IsRunning);
                using var nodes = await GetAsync(api, "nodes", ct);
                var running = nodes.RootElement.EnumerateArray().Where(n => n.GetProperty("running").GetBoolean())
                    .Select(n => n.GetProperty("name").GetString()!).ToHashSet(StringComparer.Ordinal);
                using var queues = await GetAsync(api, "queues/%2F", ct);
                var lagging = queues.RootElement.EnumerateArray()
                    .Where(q => q.TryGetProperty("type", out var type) && type.GetString() == "quorum")
                    .Where(q => !q.TryGetProperty("online", out var online) || online.GetArrayLength() < Nodes.Count)
                    .Select(q => q.GetProperty("name").GetString()!).ToList();
                if (names.IsSubsetOf(running) && lagging.Count == 0)
                {
                    return;
                }

                last = $"running: {string.Join(',', running)}; quorum queues without all members online: {string.Join(',', lagging)}";
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException or InvalidOperationException or KeyNotFoundException)
            {
                last = ex.Message;
            }

            Assert.True(DateTime.UtcNow < deadline, $"the cluster did not take back {string.Join(',', names)}: {last}");
            await Task.Delay(250, ct);
        }
    }

    /// <summary>The node that leads <paramref name="queue"/> (a quorum queue), as a running node reports it.</summary>
    public async Task<RabbitNode> LeaderOfAsync(string queue, CancellationToken ct)
    {
        var api = Nodes.First(IsRunning);
        using var found = await GetAsync(api, $"queues/%2F/{Uri.EscapeDataString(queue)}", ct);
        var leader = found.RootElement.GetProperty("leader").GetString();
        return Nodes.Single(n => n.Name == leader);
    }

    /// <summary>The quorum queues (name, leader node) as a running node reports them.</summary>
    public async Task<IReadOnlyList<(string Queue, string Leader)>> QuorumQueuesAsync(CancellationToken ct)
    {
        var api = Nodes.First(IsRunning);
        using var queues = await GetAsync(api, "queues/%2F", ct);
        return queues.RootElement.EnumerateArray()
            .Where(q => q.TryGetProperty("type", out var type) && type.GetString() == "quorum")
            .Select(q => (q.GetProperty("name").GetString()!, q.TryGetProperty("leader", out var leader) ? leader.GetString() ?? "" : ""))
            .ToList();
    }

    /// <summary>The overlay's User (with its password), Permission on "/" and Policies, through the management API.</summary>
    private async Task DeclareOverlayTopologyAsync(CancellationToken ct)
    {
        var api = Nodes[0];
        await PutAsync(api, $"users/{User}", new JsonObject { ["password"] = Password, ["tags"] = "" }, ct);
        await PutAsync(api, $"permissions/%2F/{User}", new JsonObject { ["configure"] = ".*", ["write"] = ".*", ["read"] = ".*" }, ct);
        foreach (var policy in _prod.Policies)
        {
            var definition = new JsonObject();
            foreach (var (key, value) in policy.Definition)
            {
                definition[key] = JsonValue.Create(value);
            }

            await PutAsync(api, $"policies/{Uri.EscapeDataString(policy.VirtualHost)}/{policy.Name}", new JsonObject
            {
                ["pattern"] = policy.Pattern,
                ["apply-to"] = policy.ApplyTo,
                ["priority"] = policy.Priority,
                ["definition"] = definition,
            }, ct);
        }
    }

    private async Task<bool> AnswersAsync(RabbitNode node, CancellationToken ct)
    {
        try
        {
            using var response = await _http.GetAsync(new Uri($"http://127.0.0.1:{node.ManagementPort}/api/overview"), ct);
            return response.IsSuccessStatusCode;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    /// <summary>A management API answer (as a document: RabbitMQ 3.10 repeats "online" in a quorum queue's object).</summary>
    public async Task<JsonDocument> GetAsync(RabbitNode node, string path, CancellationToken ct) =>
        JsonDocument.Parse(await _http.GetStringAsync(new Uri($"http://127.0.0.1:{node.ManagementPort}/api/{path}"), ct));

    private async Task PutAsync(RabbitNode node, string path, JsonObject body, CancellationToken ct)
    {
        using var response = await _http.PutAsJsonAsync(new Uri($"http://127.0.0.1:{node.ManagementPort}/api/{path}"), body, ct);
        if (!response.IsSuccessStatusCode)
        {
            throw OsProcesses.StartFailure($"PUT /api/{path} on {node.Name}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(Nodes.Select(async n =>
        {
            if (PidOf(n) is { } pid && OsProcesses.IsAlive(pid))
            {
                await OsProcesses.StopAsync(pid, TimeSpan.FromSeconds(20));
            }
        }));
        // An epmd the nodes started (none was running as this user before): stopped by its pid, never the shared one.
        foreach (var epmd in OsProcesses.OwnProcessesNamed("epmd").Except(_epmdBefore))
        {
            await OsProcesses.StopAsync(epmd, TimeSpan.FromSeconds(5));
        }

        _http.Dispose();
    }
}
