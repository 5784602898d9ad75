using System.Diagnostics;
using System.Globalization;
using Pricing.Contracts.Events;
using Pricing.FakeProviders;
using Pricing.Sources;
using Pricing.Testing;

namespace PriceChanges.Tests;

/// <summary>
/// One scenario for every outside subscriber of the topic contract (the .NET example, the Python one): a synthetic
/// provider publishes version 1 (creating the exchange), the subscriber binds its pattern and says READY, version 2
/// changes every offer, and the subscriber must print exactly the changes its pattern selects, once each.
/// </summary>
internal static class SubscriberContract
{
    public const int Offers = 300;

    /// <summary>Runs the scenario; <paramref name="start"/> starts the subscriber on a vhost URI and the pattern.</summary>
    public static async Task RunAsync(RabbitMqTestServer rabbit, string vhostName, string pattern, Func<int, bool> selects,
        Func<string, string, Process> start, CancellationToken ct)
    {
        var vhost = await rabbit.CreateVirtualHostAsync(vhostName);
        await using var provider = await SyntheticProviderHost.StartAsync(new Dictionary<string, string?>
        {
            ["ConnectionStrings:rabbitmq"] = vhost,
            ["Synthetic:Offers"] = Offers.ToString(CultureInfo.InvariantCulture),
        }, ct);
        Assert.Equal(ScrapeResultKind.Published, (await provider.Catalog().ScrapeOnceAsync(ct)).Kind);
        await provider.Catalog().SubscribersPublished;

        using var subscriber = start(vhost, pattern);
        var ready = await subscriber.StandardOutput.ReadLineAsync(ct).AsTask().WaitAsync(TimeSpan.FromSeconds(60), ct);
        Assert.StartsWith("READY", ready);

        provider.Source().Bump();
        var v2 = await provider.Catalog().ScrapeOnceAsync(ct);
        Assert.Equal(Offers, v2.Changes);

        var expected = Enumerable.Range(0, Offers).Where(selects).ToDictionary(
            i => Pricing.Catalog.OfferKey.Format("synthetic", SyntheticPriceSource.RegionOf(i), null, $"synthetic.{i}", SyntheticPriceSource.PricingModelOf(i)),
            i => i);
        Assert.NotEmpty(expected);
        var lines = await ReadLinesAsync(subscriber, expected.Count, ct);

        Assert.Equal(expected.Count, lines.Count);
        foreach (var line in lines)
        {
            // <routing key> <provider> <version> <kind> <offer key> <old> <new>
            var f = line.Split(' ');
            Assert.True(TopicPattern.Matches(pattern, f[0]), line);
            Assert.Equal(("synthetic", v2.Version.ToString(CultureInfo.InvariantCulture), "Changed"), (f[1], f[2], f[3]));
            Assert.True(expected.Remove(f[4], out var index), $"unexpected or duplicate: {line}");
            Assert.Equal(SyntheticPriceSource.PriceOf(index, 0), decimal.Parse(f[5], CultureInfo.InvariantCulture));
            Assert.Equal(SyntheticPriceSource.PriceOf(index, 1), decimal.Parse(f[6], CultureInfo.InvariantCulture));
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
}
