using Grpc.Core;
using Pricing.Contracts;
using Pricing.Contracts.V1;
using Pricing.Quoting;
using Microsoft.Extensions.Options;
using Quotes.PastPrices;
using Quotes.Sync;

namespace Quotes.Grpc;

/// <summary>
/// gRPC <c>OfferCatalog</c>: the offers of the price view (or of the catalogs as of a past time, rebuilt by
/// <see cref="CatalogAsOfReader"/>), filtered and cheapest per accelerator-hour first, and one provider's whole catalog
/// as of a time. Requests are read by <see cref="OfferCatalogRequestMapping"/>; a time the history cannot vouch for
/// becomes OUT_OF_RANGE in <see cref="AsOfErrorInterceptor"/>.
/// </summary>
public sealed class OfferCatalogGrpcService(PriceView view, CatalogAsOfReader pastPrices, TimeProvider time, IOptions<QuotesOptions> options)
    : OfferCatalog.OfferCatalogBase
{
    public override async Task<ListCatalogOffersResponse> ListCatalogOffers(ListCatalogOffersRequest request, ServerCallContext context)
    {
        var now = time.GetUtcNow();
        var filter = OfferCatalogRequestMapping.FilterOf(request, now);
        var (prices, warnings) = filter.AsOf is { } asOf
            ? await pastPrices.GetViewAsOfAsync(asOf, filter.Providers, context.CancellationToken)
            : (new PriceViewSnapshot([.. view.Current.Catalogs.Where(c => filter.Providers.Count == 0 || filter.Providers.Contains(c.Provider))]), []);
        var reference = filter.AsOf ?? now;

        // Cheapest per accelerator-hour, then per instance-hour, then by key: the same order on every call.
        var matched = prices.Catalogs
            .SelectMany(c => c.Offers.Values.Where(filter.Matches).Select(o => (Catalog: c, Offer: o)))
            .OrderBy(e => e.Offer.PricePerAcceleratorHour)
            .ThenBy(e => e.Offer.PricePerInstanceHour)
            .ThenBy(e => e.Offer.OfferKey, StringComparer.Ordinal)
            .ToList();
        var response = new ListCatalogOffersResponse
        {
            Matched = matched.Count,
            Truncated = matched.Count > filter.Limit,
            AsOf = reference.ToProtoTimestamp(),
        };
        response.Offers.AddRange(matched.Take(filter.Limit).Select(e => new CatalogOffer
        {
            Offer = e.Offer.ToProto(),
            CatalogVersion = e.Catalog.Version,
            CatalogAsOf = e.Catalog.AsOf.ToProtoTimestamp(),
            PriceAgeSeconds = AgeSeconds(reference, e.Catalog.AsOf),
        }));
        response.CatalogVersions.AddRange(CatalogVersionsProto.Used(prices.Catalogs, reference, options.Value.StaleAfter));
        response.Warnings.AddRange(warnings);
        return response;
    }

    public override async Task<GetCatalogAsOfResponse> GetCatalogAsOf(GetCatalogAsOfRequest request, ServerCallContext context)
    {
        var page = OfferCatalogRequestMapping.PageOf(request, time.GetUtcNow());
        var rebuilt = await pastPrices.GetCatalogAsOfAsync(page.Provider, page.AsOf, context.CancellationToken)
            ?? throw new RpcException(new Status(StatusCode.NotFound, $"No catalog of provider '{Echo(page.Provider)}' is loaded."));
        var ordered = rebuilt.Catalog.Offers.Values
            .Where(o => page.AfterKey is null || string.CompareOrdinal(o.OfferKey, page.AfterKey) > 0)
            .OrderBy(o => o.OfferKey, StringComparer.Ordinal)
            .Take(page.Size + 1)
            .ToList();
        var response = new GetCatalogAsOfResponse
        {
            Provider = rebuilt.Catalog.Provider,
            CatalogVersion = rebuilt.Catalog.Version,
            AsOf = rebuilt.AsOf.ToProtoTimestamp(),
            TotalOffers = rebuilt.Catalog.Offers.Count,
            ChangesUndone = rebuilt.ChangesUndone,
        };
        response.Offers.AddRange(ordered.Take(page.Size).Select(o => o.ToProto()));
        if (ordered.Count > page.Size)
        {
            response.NextPageToken = OfferCatalogRequestMapping.TokenOf(ordered[page.Size - 1].OfferKey);
        }

        response.Warnings.AddRange(rebuilt.Warnings);
        return response;
    }

    private static long AgeSeconds(DateTimeOffset reference, DateTimeOffset asOf) => CatalogVersionsProto.AgeSeconds(reference, asOf);

    private static string Echo(string value) => value.Length <= 32 ? value : value[..32] + "…";
}
