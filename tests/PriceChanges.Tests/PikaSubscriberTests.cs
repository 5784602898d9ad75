using System.Diagnostics;
using Pricing.FakeProviders;
using Pricing.Testing;

namespace PriceChanges.Tests;

/// <summary>
/// The per-change topic contract from a client that is not .NET at all: Debian's python3-pika
/// (<c>Subscribers/pika_subscriber.py</c>) binds <c>*.*.nvidia-h100-80gb.spot</c> and must receive exactly the matching
/// changes of a scrape, once each, although Quotes itself now takes the version as one message. Without pika the
/// test skips loudly, or fails when CI is set (./test.sh installs python3-pika where it is missing).
/// </summary>
public sealed class PikaSubscriberTests(RabbitMqTestServer rabbit) : IClassFixture<RabbitMqTestServer>
{
    [Fact]
    public async Task A_python_pika_subscriber_bound_to_every_H100_spot_price_receives_exactly_those_changes_once()
    {
        rabbit.SkipIfUnavailable();
        SkipOrFailWithoutPika();
        // Every synthetic offer is an H100; the odd ones are spot: 150 of the 300, in every region.
        await SubscriberContract.RunAsync(rabbit, $"pika-{Guid.NewGuid():N}", "*.*.nvidia-h100-80gb.spot",
            i => SyntheticPriceSource.PricingModelOf(i) == "spot",
            (vhost, pattern) => Start(Python, Script(), vhost, pattern), TestContext.Current.CancellationToken);
    }

    private static void SkipOrFailWithoutPika()
    {
        using var probe = Start(Python, "-c", "import pika");
        probe.StandardInput.Close();
        var found = probe.WaitForExit(TimeSpan.FromSeconds(30)) && probe.ExitCode == 0;
        if (found)
        {
            return;
        }

        var missing = $"{Python} with pika (Debian's python3-pika) is not installed; ./test.sh installs it with apt-get.";
        if (TestInfrastructure.IsCI)
        {
            Assert.Fail($"{missing} CI is set, so this fails instead of skipping.");
        }

        Console.Error.WriteLine($"*** {missing} The pika subscriber test is SKIPPED. ***");
        Assert.Skip($"*** {missing} ***");
    }

    /// <summary>Debian's interpreter, whose packages python3-pika installs into (a pyenv or venv python3 on the PATH would not see it).</summary>
    private static string Python => File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";

    private static string Script()
    {
        var script = Path.Combine(AppContext.BaseDirectory, "Subscribers", "pika_subscriber.py");
        Assert.True(File.Exists(script), $"subscriber script not copied to {script}");
        return script;
    }

    private static Process Start(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardInput = true, RedirectStandardError = false, UseShellExecute = false };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        try
        {
            return Process.Start(start) ?? throw new InvalidOperationException($"could not start {file}");
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            // No python3 at all: the same as no pika.
            return Process.Start(new ProcessStartInfo("sh") { ArgumentList = { "-c", "exit 127" }, RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false })
                ?? throw new InvalidOperationException($"could not start {file}: {ex.Message}");
        }
    }
}
