using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Pricing.Sources;

namespace Azure.Pricing;

public sealed class AzurePricingOptions
{
    public const string Section = "Azure";

    /// <summary>"Snapshot" (the bundled recording; the default, works offline) or "Http" (the live API).</summary>
    public string Source { get; set; } = "Snapshot";

    /// <summary>Base URL of the Retail Prices API (default: the providers.json row); point it at a fake or a proxy to test.</summary>
    public Uri BaseUrl { get; set; } = global::Pricing.Catalog.CloudProviders.Get(AzureOfferMapper.Provider).DefaultEndpoint;

    public string ApiVersion { get; set; } = "2023-01-01-preview";

    /// <summary>
    /// OData filter. Values are case-sensitive from api-version 2023-01-01-preview on. The N family carries the GPUs;
    /// the Dsv5 sizes are the CPU family the quote's data processing is priced with (the mapper skips other D sizes).
    /// </summary>
    public string Filter { get; set; } = DefaultFilter;

    public const string DefaultFilter =
        "serviceName eq 'Virtual Machines' and (contains(armSkuName, 'Standard_N') or (contains(armSkuName, 'Standard_D') and contains(armSkuName, 's_v5')))";

    /// <summary>A guard against a paging loop (a NextPageLink that never ends).</summary>
    public int MaxPages { get; set; } = 2000;
}

/// <summary>Reads the live Azure Retail Prices API, following <c>NextPageLink</c> until it is null.</summary>
public sealed class AzureRetailPriceSource(IHttpClientFactory httpClients, IOptions<AzurePricingOptions> options, TimeProvider time, ILogger<AzureRetailPriceSource> logger) : IPriceSource
{
    public const string HttpClientName = "azure-retail-prices";

    private readonly AzureOfferMapper _mapper = new(AzureVmSizeMap.Default);

    public string Provider => AzureOfferMapper.Provider;

    public string Description => $"http {options.Value.BaseUrl}";

    public async Task<SourceScrape> ScrapeAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        var http = httpClients.CreateClient(HttpClientName);
        var url = new Uri(o.BaseUrl, $"api/retail/prices?api-version={Uri.EscapeDataString(o.ApiVersion)}&$filter={Uri.EscapeDataString(o.Filter)}").ToString();
        var items = new List<AzureRetailPriceItem>();
        var malformed = new List<string>();
        var pages = 0;
        while (url is not null)
        {
            if (++pages > o.MaxPages)
            {
                throw new InvalidDataException($"More than {o.MaxPages} pages: NextPageLink does not end.");
            }

            // The body is already buffered inside the resilience pipeline (BufferedBodyHandler), so a page that
            // stalls or breaks off mid-body has hit the attempt timeout and been retried by now.
            using var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            response.EnsureSuccessStatusCode();
            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            var page = await AzureRetailPricePageParser.ParseAsync(body, cancellationToken);
            items.AddRange(page.Items);
            malformed.AddRange(page.MalformedItems);
            url = page.NextPageLink;
        }

        logger.LogInformation("Azure Retail Prices: {Items} items on {Pages} pages", items.Count, pages);
        return ScrapeBuilder.Build(time.GetUtcNow(), _mapper.Map(items), AzureOfferMapper.Malformed(malformed));
    }
}
