using Pricing.Sources;

namespace Gcp.Pricing.Extensions;

public static class GcpPricingExtensions
{
    public static readonly PriceProvider Provider = new PriceProvider<GcpPricingOptions, GcpCloudBillingSource, GcpSnapshotSource>(GcpPricingOptions.Section, GcpCloudBillingSource.HttpClientName);

    /// <summary>The Gcp.Pricing deployable: Program.cs and the end-to-end tests both build it here.</summary>
    public static WebApplication BuildGcpPricingApp(this WebApplicationBuilder builder) => builder.BuildPriceProviderApp(Provider);

    /// <summary>The GCP provider: the live Cloud Billing Catalog API when <c>Gcp:Source=Http</c>, else the bundled snapshot.</summary>
    public static IHostApplicationBuilder AddGcpPricing(this IHostApplicationBuilder builder) =>
        builder.AddPriceProvider(Provider);
}
