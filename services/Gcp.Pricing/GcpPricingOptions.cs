namespace Gcp.Pricing;

/// <summary>Settings of the GCP provider, section <c>Gcp</c>.</summary>
public sealed class GcpPricingOptions
{
    public const string Section = "Gcp";

    /// <summary>"Snapshot" (the bundled recording; the default, works offline) or "Http" (the live Cloud Billing Catalog API).</summary>
    public string Source { get; set; } = "Snapshot";

    /// <summary>Base URL of the Cloud Billing API (default: the providers.json row); point it at a fake or a proxy to test.</summary>
    public Uri BaseUrl { get; set; } = global::Pricing.Catalog.CloudProviders.Get(GcpOfferComposer.Provider).DefaultEndpoint;

    /// <summary>
    /// API key for the Catalog API (Http only). Comes from configuration (an environment variable <c>Gcp__ApiKey</c>
    /// or a secret store), never from a committed file; it is sent as the <c>key</c> query parameter and never logged.
    /// </summary>
    public string? ApiKey { get; set; }

    /// <summary>SKUs per page; the API allows at most 5000.</summary>
    public int PageSize { get; set; } = 5000;

    /// <summary>ISO 4217 code of the prices the API returns (it converts from USD).</summary>
    public string CurrencyCode { get; set; } = "USD";

    /// <summary>Compute Engine: GPUs, VM cores and RAM, and TPU v5e/v5p/v6e chips.</summary>
    public string ComputeEngineServiceId { get; set; } = "6F81-5844-456A";

    /// <summary>Cloud TPU (older TPU generations); empty to skip it.</summary>
    public string TpuServiceId { get; set; } = "E000-3F24-B8AA";

    /// <summary>Only these regions (e.g. <c>us-central1</c>); empty for all.</summary>
    public string[] Regions { get; set; } = [];

    /// <summary>A guard against a paging loop (a nextPageToken that never ends), per service.</summary>
    public int MaxPagesPerService { get; set; } = 1000;

    /// <summary>The services to read, in order, without blanks or repeats.</summary>
    public IReadOnlyList<string> ServiceIds() =>
        new[] { ComputeEngineServiceId, TpuServiceId }.Where(id => !string.IsNullOrWhiteSpace(id)).Distinct(StringComparer.Ordinal).ToList();
}
