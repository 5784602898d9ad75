using System.Security.Cryptography;
using System.Text;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Pricing.Catalog;
using Pricing.Contracts;
using Pricing.Contracts.V1;
using Pricing.Quoting;
using Pricing.ServiceDefaults;
using Quotes.Caching;

namespace Quotes.Grpc;

/// <summary>gRPC <c>TrainingQuotes</c>: validates, then answers from the cache or the engine over the current price view.</summary>
public sealed class TrainingQuotesGrpcService(
    PriceView view,
    QuoteEngine engine,
    QuoteCache cache,
    AcceleratorRegistry registry,
    TimeProvider time) : TrainingQuotes.TrainingQuotesBase
{
    private const string CacheKeyVersion = "quote:v1";

    public override async Task<TrainingQuote> QuoteTrainingRun(QuoteTrainingRunRequest request, ServerCallContext context)
    {
        var spec = ToSpec(request, registry);
        var prices = view.Current;
        if (prices.Catalogs.Count == 0)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, "No provider catalog is loaded yet; retry shortly."));
        }

        var key = $"{CacheKeyVersion}:{Hash(spec.Normalized())}:{prices.VersionKey}";
        var quote = await cache.GetOrComputeAsync(key, () => ToProto(engine.Quote(spec, prices), prices, time.GetUtcNow(), spec.Precision), context.CancellationToken);
        return quote;
    }

    /// <summary>Checks every field at once; any problem is InvalidArgument with one BadRequest violation per field.</summary>
    public static QuoteSpec ToSpec(QuoteTrainingRunRequest r, AcceleratorRegistry registry)
    {
        var violations = QuoteRequestRules.Check(r.Parameters, r.ActiveParameters, r.Tokens, r.Precision, r.AcceleratorIds,
            r.AcceleratorCount, r.Mfu, r.Clouds, r.PricingModels, r.MaxOptions, registry);
        if (violations.Count > 0)
        {
            throw GrpcValidation.InvalidArgument(violations);
        }

        return new QuoteSpec(r.Parameters, r.ActiveParameters, r.Tokens, QuoteRequestRules.ParsePrecision(r.Precision)!.Value,
            [.. r.AcceleratorIds], r.AcceleratorCount, r.Mfu > 0 ? r.Mfu : null, [.. r.Clouds], [.. r.Regions], [.. r.PricingModels], r.MaxOptions);
    }

    public static TrainingQuote ToProto(QuoteResult result, PriceViewSnapshot prices, DateTimeOffset now, Precision precision)
    {
        var quote = new TrainingQuote
        {
            TotalFlops = result.TotalFlops,
            AcceleratorHours = result.Options.Count > 0 ? result.Options[0].AcceleratorHours : 0,
            QuotedAt = Timestamp.FromDateTimeOffset(now),
            OptionsConsidered = result.OptionsConsidered,
        };
        quote.Warnings.AddRange(result.Warnings);
        quote.Assumptions.AddRange(result.Assumptions.Select(a => new QuoteAssumptions
        {
            AcceleratorId = a.AcceleratorId,
            PeakFlops = a.PeakFlops,
            Mfu = a.Mfu,
            MfuSource = a.MfuSource,
            Goodput = a.Goodput,
            Precision = precision.ToString().ToLowerInvariant(),
        }));
        var rank = 0;
        quote.Options.AddRange(result.Options.Select(o => new QuoteOption
        {
            Rank = ++rank,
            Provider = o.Offer.Provider,
            Region = o.Offer.Region,
            Zone = o.Offer.Zone ?? "",
            InstanceType = o.Offer.InstanceType,
            AcceleratorId = o.Offer.AcceleratorId,
            PricingModel = o.Offer.PricingModel,
            PricePerAcceleratorHour = o.Offer.PricePerAcceleratorHour.ToMoney(o.Offer.Currency),
            PricePerInstanceHour = o.Offer.PricePerInstanceHour.ToMoney(o.Offer.Currency),
            AcceleratorHours = o.AcceleratorHours,
            TotalCost = o.TotalCost.ToMoney(o.Offer.Currency),
            Accelerators = o.Accelerators,
            Instances = o.Instances,
            WallClockHours = o.WallClockHours,
            CatalogVersion = o.CatalogVersion,
            PriceAgeSeconds = (long)Math.Max(0, (now - o.CatalogAsOf).TotalSeconds),
            OfferKey = o.Offer.OfferKey,
        }));
        quote.CatalogVersions.AddRange(prices.Catalogs.Select(c => new CatalogVersionUsed
        {
            Provider = c.Provider,
            Version = c.Version,
            AsOf = c.AsOf.ToProtoTimestamp(),
            AgeSeconds = (long)Math.Max(0, (now - c.AsOf).TotalSeconds),
        }));
        foreach (var stale in prices.Catalogs.Where(c => now - c.AsOf > TimeSpan.FromDays(7)))
        {
            quote.Warnings.Add($"{stale.Provider} prices are {(now - stale.AsOf).TotalDays:F0} days old (catalog version {stale.Version}).");
        }

        return quote;
    }

    private static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..32];
}
