using System.Globalization;
using Gcp.Pricing.Extensions;
using Pricing.FakeProviders;

namespace Gcp.Pricing.Tests;

/// <summary>The GCP service's composition on <see cref="ProviderHttpHost"/> with an API key and small pages, so the snapshot spans several.</summary>
internal static class GcpHost
{
    public const int PageSize = 25;

    /// <summary>A host reading the fake with <paramref name="apiKey"/> (none when null); <paramref name="source"/> "Snapshot" reads no fake.</summary>
    public static Task<ProviderHttpHost> StartAsync(Uri baseUrl, string? apiKey, CancellationToken cancellationToken, string source = "Http") =>
        ProviderHttpHost.StartAsync(GcpPricingExtensions.Provider, baseUrl, cancellationToken, new Dictionary<string, string?>
        {
            ["Gcp:Source"] = source,
            ["Gcp:ApiKey"] = apiKey,
            ["Gcp:PageSize"] = PageSize.ToString(CultureInfo.InvariantCulture),
        });
}
