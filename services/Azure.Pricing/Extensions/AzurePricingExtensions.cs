using Pricing.Sources;

namespace Azure.Pricing.Extensions;

public static class AzurePricingExtensions
{
    public static readonly PriceProvider Provider = new PriceProvider<AzurePricingOptions, AzureRetailPriceSource, AzureSnapshotSource>(AzurePricingOptions.Section, AzureRetailPriceSource.HttpClientName);

    /// <summary>The Azure.Pricing deployable: Program.cs and the end-to-end tests both build it here.</summary>
    public static WebApplication BuildAzurePricingApp(this WebApplicationBuilder builder) => builder.BuildPriceProviderApp(Provider);

    /// <summary>The Azure provider: the live Retail Prices API when <c>Azure:Source=Http</c>, else the bundled snapshot.</summary>
    public static IHostApplicationBuilder AddAzurePricing(this IHostApplicationBuilder builder) =>
        builder.AddPriceProvider(Provider);
}
