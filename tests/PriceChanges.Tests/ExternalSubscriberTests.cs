using System.Diagnostics;
using Pricing.Contracts.Events;
using Pricing.FakeProviders;
using Pricing.Sources;
using Pricing.Testing;

namespace PriceChanges.Tests;

/// <summary>
/// The contract of docs/events.md, tested from outside: examples/PriceChangeSubscriber (plain RabbitMQ.Client,
/// no project code) runs as its own process, binds its own queue with a routing-key pattern, and must receive
/// exactly the changes that pattern selects.
/// </summary>
public sealed class ExternalSubscriberTests(RabbitMqTestServer rabbit) : IClassFixture<RabbitMqTestServer>
{
    private const int Offers = 300;

    [Fact]
    public async Task A_subscriber_in_another_process_bound_with_a_pattern_receives_exactly_the_matching_changes()
    {
        rabbit.SkipIfUnavailable();
        var ct = TestContext.Current.CancellationToken;
        var vhost = await rabbit.CreateVirtualHostAsync($"subscriber-{Guid.NewGuid():N}");
        await using var provider = await SyntheticProviderHost.StartAsync(new Dictionary<string, string?>
        {
            ["ConnectionStrings:rabbitmq"] = vhost,
            ["Synthetic:Offers"] = Offers.ToString(System.Globalization.CultureInfo.InvariantCulture),
        }, ct);
        // Version 1 creates the exchange (every offer added); the subscriber then watches version 2.
        Assert.Equal(ScrapeResultKind.Published, (await provider.Catalog().ScrapeOnceAsync(ct)).Kind);

        // Region 5 holds offers 5, 15, 25, …: odd, so all spot (SyntheticPriceSource); 30 of the 300 match.
        const string Pattern = "*.region-5.nvidia-h100-80gb.spot";
        using var subscriber = StartSubscriber(vhost, Pattern);
        var ready = await subscriber.StandardOutput.ReadLineAsync(ct).AsTask().WaitAsync(TimeSpan.FromSeconds(60), ct);
        Assert.StartsWith("READY", ready);

        provider.Source().Bump();
        var v2 = await provider.Catalog().ScrapeOnceAsync(ct);
        Assert.Equal(Offers, v2.Changes);

        var expected = Enumerable.Range(0, Offers)
            .Where(i => SyntheticPriceSource.RegionOf(i) == "region-5" && SyntheticPriceSource.PricingModelOf(i) == "spot")
            .ToDictionary(i => Pricing.Catalog.OfferKey.Format("synthetic", "region-5", null, $"synthetic.{i}", "spot"), i => i);
        Assert.NotEmpty(expected);
        var lines = new List<string>();
        using (var window = CancellationTokenSource.CreateLinkedTokenSource(ct))
        {
            // All expected lines, then a quiet second in which an unexpected extra line would show up.
            window.CancelAfter(TimeSpan.FromSeconds(30));
            while (lines.Count < expected.Count && await subscriber.StandardOutput.ReadLineAsync(window.Token) is { } line)
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

        Assert.Equal(expected.Count, lines.Count);
        foreach (var line in lines)
        {
            // <routing key> <provider> <version> <kind> <offer key> <old> <new>
            var f = line.Split(' ');
            Assert.True(TopicPattern.Matches(Pattern, f[0]), line);
            Assert.Equal("synthetic", f[1]);
            Assert.Equal("2", f[2]);
            Assert.Equal("Changed", f[3]);
            Assert.True(expected.Remove(f[4], out var index), $"unexpected or duplicate: {line}");
            Assert.Equal(SyntheticPriceSource.PriceOf(index, 0), decimal.Parse(f[5], System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(SyntheticPriceSource.PriceOf(index, 1), decimal.Parse(f[6], System.Globalization.CultureInfo.InvariantCulture));
        }

        Assert.Empty(expected);
    }

    private static Process StartSubscriber(string amqpUri, string pattern)
    {
        // Built next to this test assembly's configuration by the ProjectReference (ReferenceOutputAssembly=false).
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
        var dll = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..",
            "examples", "PriceChangeSubscriber", "bin", configuration, "net10.0", "PriceChangeSubscriber.dll"));
        Assert.True(File.Exists(dll), $"subscriber not built at {dll}");
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { dll, amqpUri, pattern },
            RedirectStandardOutput = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        return Process.Start(start) ?? throw new InvalidOperationException("could not start the subscriber");
    }
}
