using Google.Protobuf.WellKnownTypes;
using Pricing.Catalog;
using Pricing.Contracts.V1;
using Pricing.Quoting;

namespace Quotes.Grpc;

/// <summary>
/// A quote and a comparison as proto in the full view: the compute, the assumptions, each option
/// (<see cref="QuoteOptionProtoMapping"/>), the excluded offers one by one and grouped by reason, and the catalog
/// versions used (<see cref="CatalogVersionsProto"/>). <see cref="QuoteViews"/> cuts the full answer down to a view.
/// </summary>
public static class QuotePlanProtoMapping
{
    /// <summary>Excluded offers listed one by one in a full quote (the count is always exact).</summary>
    public const int MaxExcludedListed = 100;

    /// <summary>Examples per group of excluded offers.</summary>
    public const int MaxExamplesPerGroup = 3;

    public static TrainingQuote ToProto(QuoteResult result, PriceViewSnapshot prices, DateTimeOffset now, Precision precision, TimeSpan staleAfter)
    {
        var compute = result.Compute;
        var quote = new TrainingQuote
        {
            TotalFlops = compute.TotalFlops,
            DenseFlops = compute.DenseFlops,
            AttentionFlops = compute.AttentionFlops,
            Tokens = compute.Tokens,
            ChinchillaTokens = compute.ChinchillaTokens,
            ModelStateBytes = compute.ModelStateBytes,
            Precision = PrecisionName(precision),
            // Each option has its own accelerator-hours (they differ per accelerator type); this is the cheapest option's.
            AcceleratorHours = result.Options.Count > 0 ? result.Options[0].AcceleratorHours : 0,
            QuotedAt = Timestamp.FromDateTimeOffset(now),
            OptionsConsidered = result.OptionsConsidered,
            OptionsExcluded = result.Excluded.Count,
            View = QuoteView.Full,
        };
        quote.Warnings.AddRange(result.Warnings);
        quote.Assumptions.AddRange(result.Assumptions.Select(a => ToProto(a, precision)));
        var rank = 0;
        quote.Options.AddRange(result.Options.Select(o => QuoteOptionProtoMapping.ToProto(o, ++rank, now)));
        quote.Excluded.AddRange(result.Excluded.Take(MaxExcludedListed).Select(ToProto));
        quote.ExcludedGroups.AddRange(result.Excluded
            .GroupBy(e => (e.Kind, Reason: e.Summary ?? e.Reason))
            .OrderByDescending(g => g.Count())
            .Select(g => new ExcludedGroup { Kind = g.Key.Kind, Reason = g.Key.Reason, Count = g.Count(), Examples = { g.Take(MaxExamplesPerGroup).Select(Example) } }));
        quote.CatalogVersions.AddRange(CatalogVersionsProto.Used(prices.Catalogs, now, staleAfter));
        quote.Warnings.AddRange(CatalogVersionsProto.StaleWarnings(prices.Catalogs, now, staleAfter));
        return quote;
    }

    public static AcceleratorComparison ToProto(ComparisonResult result, PriceViewSnapshot prices, DateTimeOffset now, Precision precision, TimeSpan staleAfter)
    {
        var comparison = new AcceleratorComparison
        {
            TotalFlops = result.Compute.TotalFlops,
            Tokens = result.Compute.Tokens,
            QuotedAt = Timestamp.FromDateTimeOffset(now),
            View = QuoteView.Full,
        };
        comparison.Choices.AddRange(result.Choices.Select(c => new Pricing.Contracts.V1.AcceleratorChoice
        {
            AcceleratorId = c.AcceleratorId,
            OptionsConsidered = c.OptionsConsidered,
            OptionsExcluded = c.OptionsExcluded,
            ExcludedReason = c.ExcludedReason ?? "",
            Assumptions = c.Assumptions is { } a ? ToProto(a, precision) : null,
            Best = c.Best is { } best ? QuoteOptionProtoMapping.ToProto(best, 1, now) : null,
        }));
        comparison.CatalogVersions.AddRange(CatalogVersionsProto.Used(prices.Catalogs, now, staleAfter));
        comparison.Warnings.AddRange(result.Warnings);
        comparison.Warnings.AddRange(CatalogVersionsProto.StaleWarnings(prices.Catalogs, now, staleAfter));
        return comparison;
    }

    private static QuoteAssumptions ToProto(AcceleratorAssumptions a, Precision precision) => new()
    {
        AcceleratorId = a.AcceleratorId,
        PeakFlops = a.PeakFlops,
        Mfu = a.Mfu,
        MfuLow = a.MfuLow,
        MfuHigh = a.MfuHigh,
        MfuSource = a.MfuSource,
        Goodput = a.Goodput,
        GoodputSource = a.GoodputSource,
        Precision = PrecisionName(precision),
        MemoryGb = a.MemoryGb,
        ActivationAllowance = a.ActivationAllowance,
        MinAcceleratorsForMemory = a.MinAcceleratorsForMemory,
        TdpWatts = a.TdpWatts ?? 0,
        EnergyUtilisation = a.EnergyUtilisation,
        BytesPerParameter = a.BytesPerParameter,
        ActivationBytesPerAccelerator = a.ActivationBytesPerAccelerator,
        GlobalBatchTokens = a.GlobalBatchTokens,
        GlobalBatchSource = a.GlobalBatchSource,
    };

    private static ExcludedOption ToProto(ExcludedOffer e) => new()
    {
        OfferKey = e.Offer.OfferKey,
        Provider = e.Offer.Provider,
        Region = e.Offer.Region,
        InstanceType = e.Offer.InstanceType,
        AcceleratorId = e.Offer.AcceleratorId,
        PricingModel = e.Offer.PricingModel,
        Reason = e.Reason,
    };

    /// <summary>An excluded offer in its group: its offer key names it (provider, region, zone, instance type, pricing
    /// model) and the group holds the reason, so nothing else is repeated.</summary>
    private static ExcludedOption Example(ExcludedOffer e) => new() { OfferKey = e.Offer.OfferKey, Reason = e.Reason };

    private static string PrecisionName(Precision precision) => precision.ToString().ToLowerInvariant();
}
