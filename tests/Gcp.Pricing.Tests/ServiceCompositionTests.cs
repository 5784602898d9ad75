using Pricing.Catalog;
using Pricing.Sources;

namespace Gcp.Pricing.Tests;

/// <summary><c>AddGcpPricing</c> (through <c>AddPriceProvider</c>) wires the source <c>Gcp:Source</c> names into the provider catalog.</summary>
public sealed class ServiceCompositionTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_snapshot_source_serves_the_gcp_catalog_without_any_network()
    {
        var unreachable = new Uri("http://127.0.0.1:9/");
        await using var host = await GcpHost.StartAsync(unreachable, apiKey: null, Ct, source: "Snapshot");

        var outcome = await host.Catalog.ScrapeOnceAsync(Ct);

        Assert.Equal(ScrapeResultKind.Published, outcome.Kind);
        Assert.Equal("gcp", host.Catalog.Provider);
        Assert.Equal($"snapshot:{GcpSnapshotSource.SnapshotDate:yyyy-MM-dd}", host.Catalog.Status().Source);
        Assert.Equal(GcpSnapshotSource.SnapshotDate, host.Catalog.Current.AsOf);
        Assert.Contains(host.Catalog.Current.Offers.Values, o => o.InstanceType == "a3-highgpu-8g" && o.AcceleratorId == "nvidia-h100-80gb");
        Assert.Contains(host.Catalog.Current.Quarantined, r => r.Rule == QuarantineRules.ImplausiblePrice);
    }
}
