using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Pricing.Testing;

namespace Dashboard.Tests;

/// <summary>
/// Runs <c>browser/dashboard.mjs</c> (playwright-core driving Debian's Chromium) as a child process and reads the
/// JSON lines it prints. Installs playwright-core into the output folder with <c>npm ci</c> the first time.
/// No node, npm or Chromium: a loud skip on a developer machine, a failure when CI is set.
/// </summary>
public static class BrowserRunner
{
    private static readonly SemaphoreSlim InstallGate = new(1, 1);
    private static string? _node;

    public static string ScreenshotDirectory => Path.Combine(AppContext.BaseDirectory, "screenshots");

    private static string BrowserDirectory => Path.Combine(AppContext.BaseDirectory, "browser");

    public static string ChromiumPath =>
        Environment.GetEnvironmentVariable("PRICING_TEST_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    /// <summary>
    /// Runs one scenario and returns its result object. <paramref name="onReady"/> runs when the script prints
    /// <c>{"event":"ready"}</c> (the page is waiting for the test to act).
    /// </summary>
    public static async Task<JsonElement> RunAsync(string scenario, string baseUrl, object? arguments, Func<Task>? onReady, TimeSpan timeout, CancellationToken ct)
    {
        var node = await EnsureAvailableAsync(ct);
        var start = new ProcessStartInfo(node)
        {
            WorkingDirectory = BrowserDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("dashboard.mjs");
        start.ArgumentList.Add(scenario);
        start.ArgumentList.Add(baseUrl);
        start.ArgumentList.Add(ScreenshotDirectory);
        start.ArgumentList.Add(JsonSerializer.Serialize(arguments ?? new { }));
        start.Environment["PRICING_TEST_CHROMIUM"] = ChromiumPath;

        using var process = Process.Start(start) ?? throw new InvalidOperationException("node did not start.");
        var stderr = new StringBuilder();
        var stderrTask = Task.Run(async () =>
        {
            while (await process.StandardError.ReadLineAsync(ct) is { } line)
            {
                stderr.AppendLine(line);
            }
        }, ct);

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        JsonElement? result = null;
        string? error = null;
        var lines = new List<string>();
        try
        {
            while (await process.StandardOutput.ReadLineAsync(deadline.Token) is { } line)
            {
                lines.Add(line);
                if (!line.StartsWith('{'))
                {
                    continue;
                }

                using var doc = JsonDocument.Parse(line);
                var root = doc.RootElement.Clone();
                switch (root.GetProperty("event").GetString())
                {
                    case "ready" when onReady is not null:
                        await onReady();
                        break;
                    case "result":
                        result = root;
                        break;
                    case "error":
                        error = root.GetProperty("message").GetString();
                        break;
                }
            }

            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            error = $"the browser scenario '{scenario}' did not finish within {timeout}";
        }
        finally
        {
            if (!process.HasExited)
            {
                // Only the node process this method started, and the Chromium it launched.
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync(CancellationToken.None);
            }
        }

        await stderrTask.WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None).ContinueWith(_ => { }, TaskScheduler.Default);
        if (error is not null || result is null)
        {
            Assert.Fail($"Browser scenario '{scenario}' failed: {error ?? $"no result (exit code {process.ExitCode})"}\nstdout:\n{string.Join('\n', lines)}\nstderr:\n{stderr}");
        }

        return result!.Value;
    }

    private static async Task<string> EnsureAvailableAsync(CancellationToken ct)
    {
        await InstallGate.WaitAsync(ct);
        try
        {
            if (_node is not null)
            {
                return _node;
            }

            var node = FindOnPath("node") ?? Unavailable("node", "Install Node.js 18+ (Debian: apt-get install nodejs npm).");
            if (!File.Exists(ChromiumPath))
            {
                Unavailable($"Chromium at {ChromiumPath}", "Install it with `apt-get install chromium`, or set PRICING_TEST_CHROMIUM to a Chromium binary.");
            }

            if (!File.Exists(Path.Combine(BrowserDirectory, "node_modules", "playwright-core", "package.json")))
            {
                var npm = FindOnPath("npm") ?? Unavailable("npm", "Install npm (Debian: apt-get install npm).");
                var (exit, output) = await RunToEndAsync(npm, ["ci", "--no-audit", "--no-fund", "--loglevel=error"], BrowserDirectory, TimeSpan.FromMinutes(5), ct);
                if (exit != 0)
                {
                    Unavailable("npm package playwright-core", $"`npm ci` in {BrowserDirectory} failed (exit {exit}): {output}");
                }
            }

            _node = node;
            return node;
        }
        finally
        {
            InstallGate.Release();
        }
    }

    private static string Unavailable(string what, string fix)
    {
        var message = $"{what} is NOT AVAILABLE, so the dashboard browser tests cannot run. {fix}";
        if (TestInfrastructure.IsCI)
        {
            throw new InvalidOperationException(message + " CI is set, so this fails instead of skipping.");
        }

        Console.Error.WriteLine($"*** {message} The tests are SKIPPED. ***");
        Assert.Skip(message);
        return "";
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);

    private static async Task<(int Exit, string Output)> RunToEndAsync(string file, string[] arguments, string directory, TimeSpan timeout, CancellationToken ct)
    {
        var start = new ProcessStartInfo(file) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{file} did not start.");
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            process.Kill(entireProcessTree: true);
            return (-1, $"timed out after {timeout}");
        }

        return (process.ExitCode, (await stdout) + (await stderr));
    }
}
