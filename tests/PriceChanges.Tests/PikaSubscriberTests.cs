using System.Diagnostics;
using Pricing.Contracts.Events;
using Pricing.FakeProviders;
using Pricing.Sources;
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
    private const int Offers = 300;
    private const string Pattern = "*.*.nvidia-h100-80gb.spot";

    [Fact]
    public async Task A_python_pika_subscriber_bound_to_every_H100_spot_price_receives_exactly_those_changes_once()
    {
        rabbit.SkipIfUnavailable();
        SkipOrFailWithoutPika();
        var ct = TestContext.Current.CancellationToken;
        var vhost = await rabbit.CreateVirtualHostAsync($"pika-{Guid.NewGuid():N}");
        await using var provider = await SyntheticProviderHost.StartAsync(new Dictionary<string, string?>
        {
            ["ConnectionStrings:rabbitmq"] = vhost,
            ["Synthetic:Offers"] = Offers.ToString(System.Globalization.CultureInfo.InvariantCulture),
        }, ct);
        Assert.Equal(ScrapeResultKind.Published, (await provider.Catalog().ScrapeOnceAsync(ct)).Kind);
        await provider.Catalog().SubscribersPublished;

        using var subscriber = Start(Python, Script(), vhost, Pattern);
        var ready = await subscriber.StandardOutput.ReadLineAsync(ct).AsTask().WaitAsync(TimeSpan.FromSeconds(60), ct);
        Assert.StartsWith("READY", ready);

        provider.Source().Bump();
        var v2 = await provider.Catalog().ScrapeOnceAsync(ct);
        Assert.Equal(Offers, v2.Changes);

        // Every synthetic offer is an H100; the odd ones are spot: 150 of the 300, in every region.
        var expected = Enumerable.Range(0, Offers)
            .Where(i => SyntheticPriceSource.PricingModelOf(i) == "spot")
            .ToDictionary(i => Pricing.Catalog.OfferKey.Format("synthetic", SyntheticPriceSource.RegionOf(i), null, $"synthetic.{i}", "spot"), i => i);
        var lines = await ReadLinesAsync(subscriber, expected.Count, ct);

        Assert.Equal(expected.Count, lines.Count);
        foreach (var line in lines)
        {
            // <routing key> <provider> <version> <kind> <offer key> <old> <new>
            var f = line.Split(' ');
            Assert.True(TopicPattern.Matches(Pattern, f[0]), line);
            Assert.Equal(("synthetic", v2.Version.ToString(System.Globalization.CultureInfo.InvariantCulture), "Changed"), (f[1], f[2], f[3]));
            Assert.True(expected.Remove(f[4], out var index), $"unexpected or duplicate: {line}");
            Assert.Equal(SyntheticPriceSource.PriceOf(index, 0), decimal.Parse(f[5], System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(SyntheticPriceSource.PriceOf(index, 1), decimal.Parse(f[6], System.Globalization.CultureInfo.InvariantCulture));
        }

        Assert.Empty(expected);
    }

    /// <summary>Every expected line, then a quiet second in which an unexpected extra (a duplicate) would show up; then stops the subscriber.</summary>
    private static async Task<List<string>> ReadLinesAsync(Process subscriber, int count, CancellationToken ct)
    {
        var lines = new List<string>();
        using (var window = CancellationTokenSource.CreateLinkedTokenSource(ct))
        {
            window.CancelAfter(TimeSpan.FromSeconds(30));
            while (lines.Count < count && await subscriber.StandardOutput.ReadLineAsync(window.Token) is { } line)
            {
                lines.Add(line);
            }

            var extra = subscriber.StandardOutput.ReadLineAsync(ct).AsTask();
            if (await Task.WhenAny(extra, Task.Delay(1000, ct)) == extra && await extra is { } unexpected)
            {
                lines.Add(unexpected);
            }
        }

        subscriber.StandardInput.Close();
        await subscriber.WaitForExitAsync(ct).WaitAsync(TimeSpan.FromSeconds(10), ct);
        return lines;
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
