using System.Diagnostics;
using Pricing.FakeProviders;
using Pricing.Testing;

namespace PriceChanges.Tests;

/// <summary>
/// The contract of docs/events.md, tested from outside: examples/PriceChangeSubscriber (plain RabbitMQ.Client,
/// no project code) runs as its own process, binds its own queue with a routing-key pattern, and must receive
/// exactly the changes that pattern selects.
/// </summary>
public sealed class ExternalSubscriberTests(RabbitMqTestServer rabbit) : IClassFixture<RabbitMqTestServer>
{
    [Fact]
    public async Task A_subscriber_in_another_process_bound_with_a_pattern_receives_exactly_the_matching_changes()
    {
        rabbit.SkipIfUnavailable();
        // Region 5 holds offers 5, 15, 25, …: odd, so all spot (SyntheticPriceSource); 30 of the 300 match.
        await SubscriberContract.RunAsync(rabbit, $"subscriber-{Guid.NewGuid():N}", "*.region-5.nvidia-h100-80gb.spot",
            i => SyntheticPriceSource.RegionOf(i) == "region-5" && SyntheticPriceSource.PricingModelOf(i) == "spot",
            StartSubscriber, TestContext.Current.CancellationToken);
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
