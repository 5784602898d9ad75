using System.Diagnostics;
using System.Globalization;
using System.Reflection;

namespace Cluster.Tests.Servers;

/// <summary>
/// One deployable as its own process: its built DLL (services/{Name}/bin/{Configuration}/{TargetFramework}) run with
/// <c>dotnet</c>, configured only through environment variables (as a container is), gRPC on one free loopback port and
/// HTTP/1.1 (probes, /admin, /metrics) on another, its output in a log file. Killed by its pid.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private static readonly HttpClient Probe = new() { Timeout = TimeSpan.FromSeconds(5) };

    private readonly string _dll;
    private readonly IReadOnlyDictionary<string, string> _settings;
    private Process? _process;

    public ServiceProcess(string repositoryRoot, string project, string instance, string logDirectory, IReadOnlyDictionary<string, string> settings)
    {
        var attributes = typeof(ServiceProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().ToDictionary(a => a.Key, a => a.Value);
        _dll = Path.Combine(repositoryRoot, "services", project, "bin", attributes["Configuration"]!, attributes["TargetFramework"]!, $"{project}.dll");
        Name = instance;
        _settings = settings;
        LogFile = Path.Combine(logDirectory, $"{instance}.log");
    }

    public string Name { get; }

    public string LogFile { get; }

    public int GrpcPort { get; private set; }

    public int Http1Port { get; private set; }

    public string Address => $"http://127.0.0.1:{GrpcPort.ToString(CultureInfo.InvariantCulture)}";

    public string Http1Address => $"http://127.0.0.1:{Http1Port.ToString(CultureInfo.InvariantCulture)}";

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>Starts the process (on the same ports as before when restarted) and waits until /health/ready says 200.</summary>
    public async Task StartAsync(CancellationToken ct, TimeSpan? timeout = null)
    {
        if (!File.Exists(_dll))
        {
            throw OsProcesses.StartFailure($"{Name}: {_dll} is not built.");
        }

        if (GrpcPort == 0)
        {
            GrpcPort = OsProcesses.FreePort();
            Http1Port = OsProcesses.FreePort();
        }

        var workingDirectory = Path.Combine(Path.GetDirectoryName(LogFile)!, Name);
        Directory.CreateDirectory(workingDirectory);
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, WorkingDirectory = workingDirectory };
        foreach (var a in new[] { "exec", _dll })
        {
            start.ArgumentList.Add(a);
        }

        // Nothing from the test run's own environment that a deployable would read (the test settings, ASP.NET's).
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("PRICING_", StringComparison.Ordinal) || k.StartsWith("ASPNETCORE_", StringComparison.Ordinal)
                     || k.StartsWith("DOTNET_ENVIRONMENT", StringComparison.Ordinal) || k.StartsWith("RABBITMQ_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(key);
        }

        start.Environment["ASPNETCORE_URLS"] = Address;
        start.Environment["Http1Urls"] = Http1Address;
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        start.Environment["Logging__Console__FormatterName"] = "simple";
        foreach (var (key, value) in _settings)
        {
            start.Environment[key] = value;
        }

        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        _process?.Dispose();
        _process = Process.Start(start) ?? throw OsProcesses.StartFailure($"could not run dotnet {_dll}");
        var log = new StreamWriter(LogFile, append: true) { AutoFlush = true };
        var gate = new Lock();
        void Write(string? line)
        {
            if (line is not null)
            {
                lock (gate)
                {
                    log.WriteLine(line);
                }
            }
        }

        _process.OutputDataReceived += (_, e) => Write(e.Data);
        _process.ErrorDataReceived += (_, e) => Write(e.Data);
        _process.Exited += (_, _) => log.Dispose();
        _process.EnableRaisingEvents = true;
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(120));
        while (!await ReadyAsync(ct))
        {
            if (_process.HasExited || DateTime.UtcNow > deadline)
            {
                throw OsProcesses.StartFailure($"{Name} did not become ready{(_process.HasExited ? $" (exited {_process.ExitCode})" : "")}.{Environment.NewLine}{OsProcesses.Tail(LogFile)}");
            }

            await Task.Delay(200, ct);
        }
    }

    public async Task<bool> ReadyAsync(CancellationToken ct)
    {
        try
        {
            using var response = await Probe.GetAsync(new Uri($"{Http1Address}/health/ready"), ct);
            return response.IsSuccessStatusCode;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    /// <summary>SIGKILL by pid: the process is gone at once, nothing drained.</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false } p)
        {
            p.Kill();
            await p.WaitForExitAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false } p)
        {
            await OsProcesses.StopAsync(p.Id, TimeSpan.FromSeconds(15));
            await p.WaitForExitAsync();
        }

        _process?.Dispose();
    }
}
