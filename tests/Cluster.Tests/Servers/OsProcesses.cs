using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Cluster.Tests.Servers;

/// <summary>
/// Signals by pid and the checks around them. Only ever aimed at a pid this suite started (a node's pid file, a
/// process it spawned): never at a process found by name.
/// </summary>
public static class OsProcesses
{
    public const int SigKill = 9;
    public const int SigTerm = 15;

    [DllImport("libc", EntryPoint = "kill")]
    private static extern int Kill(int pid, int signal);

    public static void Signal(int pid, int signal) => _ = Kill(pid, signal);

    /// <summary>Running and not a zombie (an exited daemon not yet reaped counts as gone).</summary>
    public static bool IsAlive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..][0] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return true;
        }
    }

    /// <summary>Sends <paramref name="signal"/> and waits until the process is gone; false when it outlived <paramref name="timeout"/>.</summary>
    public static async Task<bool> SignalAndWaitAsync(int pid, int signal, TimeSpan timeout)
    {
        Signal(pid, signal);
        var deadline = DateTime.UtcNow + timeout;
        while (IsAlive(pid))
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            await Task.Delay(50);
        }

        return true;
    }

    /// <summary>SIGTERM, then SIGKILL after <paramref name="grace"/>.</summary>
    public static async Task StopAsync(int pid, TimeSpan grace)
    {
        if (!await SignalAndWaitAsync(pid, SigTerm, grace))
        {
            await SignalAndWaitAsync(pid, SigKill, TimeSpan.FromSeconds(10));
        }
    }

    public static bool PortInUse(int port)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The pids of running processes named <paramref name="comm"/> owned by this user (to tell apart what a start added).</summary>
    public static IReadOnlySet<int> OwnProcessesNamed(string comm)
    {
        var uid = Getuid();
        var pids = new HashSet<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }

            try
            {
                if (File.ReadAllText(Path.Combine(dir, "comm")).Trim() == comm
                    && File.ReadAllLines(Path.Combine(dir, "status")).FirstOrDefault(l => l.StartsWith("Uid:", StringComparison.Ordinal))
                        ?.Split('\t', StringSplitOptions.RemoveEmptyEntries).ElementAtOrDefault(1) == uid.ToString(System.Globalization.CultureInfo.InvariantCulture))
                {
                    pids.Add(pid);
                }
            }
            catch (IOException)
            {
            }
        }

        return pids;
    }

    [DllImport("libc", EntryPoint = "getuid")]
    private static extern uint Getuid();

    /// <summary>The last <paramref name="lines"/> lines of a log, for an error message; empty when it cannot be read.</summary>
    public static string Tail(string path, int lines = 30)
    {
        try
        {
            var all = File.ReadAllLines(path);
            return $"---- last {Math.Min(lines, all.Length)} lines of {path} ----{Environment.NewLine}{string.Join(Environment.NewLine, all.TakeLast(lines))}";
        }
        catch (IOException ex)
        {
            return $"(no log at {path}: {ex.Message})";
        }
    }

    /// <summary>Runs a command to completion; its exit code and both outputs.</summary>
    public static async Task<(int Code, string Output)> RunAsync(string file, IEnumerable<string> args, IDictionary<string, string>? environment = null, CancellationToken ct = default)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not run {file}");
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        return (process.ExitCode, (await stdout) + (await stderr));
    }

    /// <summary>Writes a start failure to stderr (a CI log shows it even when the test framework folds the message) and returns it.</summary>
    public static InvalidOperationException StartFailure(string message)
    {
        Console.Error.WriteLine($"Cluster.Tests: {message}");
        return new InvalidOperationException(message);
    }
}
