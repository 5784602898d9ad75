using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Pricing.Sources;

namespace Aws.Pricing;

/// <summary>
/// Reads the live AWS Price List Bulk API: the offer index → EC2's region index → each configured region's
/// current offer file (streamed through <see cref="AwsOfferFileParser"/>), the spot feed, and the Savings Plans
/// index → each scraped region's rate file (streamed through <see cref="AwsSavingsPlanFileParser"/>); Capacity
/// Block rates come from the cited data file (<see cref="AwsCapacityBlockRates"/>), AWS publishing them nowhere in the API. Every request
/// goes through the provider HTTP pipeline (retries honouring Retry-After, timeouts, circuit breaker) with the
/// body spooled to disk inside it (<see cref="SpooledBodyHandler"/>). Any failed or incomplete read throws, so
/// the catalog keeps its last good version.
/// </summary>
public sealed class AwsPriceListSource(
    IHttpClientFactory httpClients,
    IOptions<AwsPricingOptions> options,
    TimeProvider time,
    ILogger<AwsPriceListSource> logger) : IRegionalPriceSource
{
    public const string HttpClientName = "aws-price-list";

    private readonly AwsInstanceTypeMap _map = AwsInstanceTypeMap.Default;

    public string Provider => AwsOfferMapper.Provider;

    public string Description => $"http {options.Value.BaseUrl}{(options.Value.SpotEnabled ? "" : " (spot disabled: no spot offers)")}"
        + (options.Value.SavingsPlansEnabled ? "" : " (savings plans disabled)");

    public Task<SourceScrape> ScrapeAsync(CancellationToken cancellationToken) => ScrapeAsync(options.Value.EffectiveRegions, cancellationToken);

    /// <summary>
    /// Only these regions' offer files (a price-list notification names the ones that changed), with the spot feed as
    /// usual; the catalog merges them into its last good version (see <see cref="ProviderPriceCatalog.ScrapeOnceAsync(IReadOnlySet{string}?, CancellationToken)"/>).
    /// </summary>
    public Task<SourceScrape> ScrapeRegionsAsync(IReadOnlySet<string> regions, CancellationToken cancellationToken) =>
        ScrapeAsync([.. options.Value.EffectiveRegions.Where(regions.Contains)], cancellationToken);

    private async Task<SourceScrape> ScrapeAsync(IReadOnlyList<string> regions, CancellationToken cancellationToken)
    {
        var o = options.Value;
        var http = httpClients.CreateClient(HttpClientName);

        // The spot feed first: it is small, and when it fails nothing large has been downloaded for nothing.
        AwsSpotFeed? spot = null;
        if (o.SpotEnabled)
        {
            using var response = await GetAsync(http, o.SpotFeedUrl, cancellationToken);
            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            spot = await AwsSpotFeedParser.ParseAsync(body, cancellationToken);
        }

        AwsOfferIndex offerIndex;
        using (var response = await GetAsync(http, new Uri(o.BaseUrl, AwsPriceListIndex.OfferIndexPath), cancellationToken))
        await using (var body = await response.Content.ReadAsStreamAsync(cancellationToken))
        {
            offerIndex = await AwsPriceListIndex.ReadOfferIndexAsync(body, cancellationToken);
        }

        IReadOnlyDictionary<string, string> offerUrls;
        using (var response = await GetAsync(http, new Uri(o.BaseUrl, offerIndex.RegionIndexUrl), cancellationToken))
        await using (var body = await response.Content.ReadAsStreamAsync(cancellationToken))
        {
            offerUrls = await AwsPriceListIndex.ReadRegionOfferUrlsAsync(body, cancellationToken);
        }

        var parser = new AwsOfferFileParser(new AwsProductFilter(_map));
        var files = new List<AwsRegionOfferFile>(regions.Count);
        foreach (var region in regions.Distinct(StringComparer.Ordinal))
        {
            if (!offerUrls.TryGetValue(region, out var path))
            {
                // A configured region that the index does not list is a configuration error, not an empty region.
                throw new InvalidDataException($"Region {region} is not in the EC2 region index ({offerUrls.Count} regions listed).");
            }

            using var response = await GetAsync(http, new Uri(o.BaseUrl, path), cancellationToken);
            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            var file = await parser.ParseAsync(body, cancellationToken);
            logger.LogInformation(
                "AWS offer file {Region} version {Version}: {Bytes} bytes, {Products} products, {Kept} kept, {Terms} terms kept",
                region, file.Version, file.Statistics.Bytes, file.Statistics.Products, file.Products.Count, file.Terms.Count);
            files.Add(new AwsRegionOfferFile(region, file));
        }

        var savingsPlans = o.SavingsPlansEnabled ? await ReadSavingsPlansAsync(http, o, offerIndex, files, cancellationToken) : null;
        return AwsOfferMapper.MapScrape(_map, files, spot, time.GetUtcNow(), savingsPlans, AwsCapacityBlockRates.Default);
    }

    /// <summary>
    /// The Savings Plans index chain: the offer index's <c>currentSavingsPlanIndexUrl</c> → the Savings Plans region index
    /// (an array of <c>{regionCode, versionUrl}</c>) → the rate file of each region whose offer file was read, streamed.
    /// A scraped region the index does not list has no plans to read (noted, not an error: not every region sells them).
    /// </summary>
    private async Task<List<AwsRegionSavingsPlanFile>> ReadSavingsPlansAsync(
        HttpClient http, AwsPricingOptions o, AwsOfferIndex offerIndex, IReadOnlyList<AwsRegionOfferFile> files, CancellationToken cancellationToken)
    {
        if (offerIndex.SavingsPlanIndexUrl is null)
        {
            throw new InvalidDataException($"The offer index has no offers.{AwsPriceListIndex.OfferCode}.currentSavingsPlanIndexUrl (set Aws:SavingsPlansEnabled=false to scrape without savings plans).");
        }

        IReadOnlyDictionary<string, string> planUrls;
        using (var response = await GetAsync(http, new Uri(o.BaseUrl, offerIndex.SavingsPlanIndexUrl), cancellationToken))
        await using (var body = await response.Content.ReadAsStreamAsync(cancellationToken))
        {
            planUrls = await AwsPriceListIndex.ReadSavingsPlanRegionUrlsAsync(body, cancellationToken);
        }

        var parser = new AwsSavingsPlanFileParser(_map);
        var plans = new List<AwsRegionSavingsPlanFile>(files.Count);
        foreach (var region in files.Select(f => f.Region))
        {
            if (!planUrls.TryGetValue(region, out var path))
            {
                logger.LogWarning("The Savings Plans region index does not list {Region}: no savings plan offers there", region);
                continue;
            }

            using var response = await GetAsync(http, new Uri(o.BaseUrl, path), cancellationToken);
            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            var file = await parser.ParseAsync(body, cancellationToken);
            logger.LogInformation("AWS savings plan rate file {Region} version {Version}: {Bytes} bytes, {Plans} plans, {Rates} rates kept",
                region, file.Version, file.Bytes, file.Terms.Count, file.Terms.Sum(t => t.Rates.Count));
            plans.Add(new AwsRegionSavingsPlanFile(region, file));
        }

        return plans;
    }

    private static async Task<HttpResponseMessage> GetAsync(HttpClient http, Uri url, CancellationToken cancellationToken)
    {
        // The body is already read inside the resilience pipeline (SpooledBodyHandler) by the time this returns.
        var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        try
        {
            response.EnsureSuccessStatusCode();
            return response;
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }
}
