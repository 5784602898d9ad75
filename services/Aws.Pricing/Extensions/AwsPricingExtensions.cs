using Aws.Pricing.Notifications;
using Pricing.Sources;

namespace Aws.Pricing.Extensions;

public static class AwsPricingExtensions
{
    /// <summary>
    /// An offer file is one response of hundreds of MB, read whole inside each attempt: spooled to disk, and with longer
    /// timeouts than the shared 30 s per attempt and 3 min in all, which would cut us-east-1 off on any ordinary link.
    /// </summary>
    public static readonly PriceProvider Provider = new PriceProvider<AwsPricingOptions, AwsPriceListSource, AwsSnapshotSource>(AwsPricingOptions.Section, AwsPriceListSource.HttpClientName)
    {
        HttpDefaults = new Dictionary<string, string> { ["AttemptTimeout"] = "00:10:00", ["TotalTimeout"] = "00:30:00" },
        Bodies = ResponseBodies.SpooledToDisk,
    };

    /// <summary>
    /// The Aws.Pricing deployable: Program.cs and the end-to-end tests both build it here. With
    /// <c>Aws:Notifications:Enabled</c>, it also takes the Price List change notifications (Amazon SNS) and scrapes the
    /// regions they name at once; the scheduled scrape stays the fallback.
    /// </summary>
    public static WebApplication BuildAwsPricingApp(this WebApplicationBuilder builder)
    {
        builder.AddAwsPriceListNotifications();
        return builder.BuildPriceProviderApp(Provider).MapAwsPriceListNotifications();
    }

    /// <summary>The AWS provider: the live Price List Bulk API and spot feed when <c>Aws:Source=Http</c>, else the bundled snapshot.</summary>
    public static IHostApplicationBuilder AddAwsPricing(this IHostApplicationBuilder builder) =>
        builder.AddPriceProvider(Provider);
}
