using Google.Protobuf.WellKnownTypes;
using Pricing.Catalog;
using Pricing.Contracts;
using Pricing.Contracts.Events;
using Pricing.Contracts.V1;
using Pricing.ServiceDefaults;
using Quotes.History;

namespace Quotes.Grpc;

/// <summary>
/// The reading of PriceChanges' requests: proto into the feed's selector and the history's query, every field
/// checked at once (InvalidArgument with one BadRequest field violation per problem).
/// </summary>
public static class PriceChangesRequestMapping
{
    public const int DefaultHistoryLimit = 1000;
    public const int MaxHistoryLimit = 100_000;

    /// <summary>The changes a watch asks for; its resume points are checked too (they are read from the request).</summary>
    public static PriceChangeSelector SelectorOf(WatchPriceChangesRequest request)
    {
        var violations = new List<FieldViolation>();
        var selector = SelectorOf(request.Filter, "filter", violations);
        foreach (var (provider, version) in request.ResumeAfter)
        {
            if (string.IsNullOrWhiteSpace(provider) || provider.Length > PriceEventRules.MaxWordLength)
            {
                violations.Add(new FieldViolation("resume_after", $"Provider names must be 1 to {PriceEventRules.MaxWordLength} characters."));
                continue;
            }

            if (version < 0)
            {
                violations.Add(new FieldViolation($"resume_after[{provider}]", $"Version {version} is negative."));
            }
        }

        return violations.Count > 0 ? throw GrpcValidation.InvalidArgument(violations) : selector;
    }

    public static PriceHistoryQuery QueryOf(GetPriceHistoryRequest request)
    {
        var violations = new List<FieldViolation>();
        var hasOffer = request.OfferKey.Length > 0;
        var hasAccelerator = request.AcceleratorId.Length > 0;
        if (hasOffer == hasAccelerator)
        {
            violations.Add(new FieldViolation(hasOffer ? "accelerator_id" : "offer_key", "Give exactly one of offer_key and accelerator_id."));
        }

        if (hasOffer && !Pricing.Catalog.OfferKey.TryParse(request.OfferKey, out _))
        {
            violations.Add(new FieldViolation("offer_key", $"Not an offer key: {Pricing.Catalog.OfferKey.Shape}."));
        }

        var from = TimeOf(request.From, "from", violations);
        var to = TimeOf(request.To, "to", violations);
        if (from is not null && to is not null && from > to)
        {
            violations.Add(new FieldViolation("to", $"The range ends ({to:O}) before it starts ({from:O})."));
        }

        HistoryCursor? before = null;
        if (request.PageToken.Length > 0 && (before = HistoryCursor.TryParse(request.PageToken)) is null)
        {
            violations.Add(new FieldViolation("page_token", "Not a page token from a previous response's next_page_token."));
        }

        if (request.Limit is < 0 or > MaxHistoryLimit)
        {
            violations.Add(new FieldViolation("limit", $"Limit {request.Limit} is outside 0..{MaxHistoryLimit}."));
        }

        if (violations.Count > 0)
        {
            throw GrpcValidation.InvalidArgument(violations);
        }

        return new PriceHistoryQuery(
            hasOffer ? request.OfferKey : null,
            hasAccelerator ? request.AcceleratorId : null,
            NullIfEmpty(request.Provider),
            NullIfEmpty(request.PricingModel),
            from,
            to,
            request.Limit > 0 ? request.Limit : DefaultHistoryLimit,
            before);
    }

    /// <summary>A timestamp as a time; one outside 0001..9999 or with nanos outside 0..999,999,999 is a field violation.</summary>
    private static DateTimeOffset? TimeOf(Timestamp? timestamp, string field, List<FieldViolation> violations)
    {
        if (timestamp is null)
        {
            return null;
        }

        // Timestamp's own range (RFC 3339 years 0001..9999), which ToDateTimeOffset throws outside of.
        const long MinSeconds = -62_135_596_800L;
        const long MaxSeconds = 253_402_300_799L;
        if (timestamp.Seconds is < MinSeconds or > MaxSeconds || timestamp.Nanos is < 0 or > 999_999_999)
        {
            violations.Add(new FieldViolation(field, "Not a valid timestamp: seconds must lie within years 0001..9999 and nanos within 0..999999999."));
            return null;
        }

        return timestamp.ToDateTimeOffset();
    }

    /// <summary>The filter as a selector; a malformed routing pattern is a field violation.</summary>
    private static PriceChangeSelector SelectorOf(PriceChangeFilter? filter, string field, List<FieldViolation> violations)
    {
        if (filter is null)
        {
            return PriceChangeSelector.All;
        }

        var pattern = NullIfEmpty(filter.RoutingPattern);
        if (pattern is not null && !TopicPattern.IsValid(pattern))
        {
            violations.Add(new FieldViolation($"{field}.routing_pattern",
                $"'{pattern}' is not a topic pattern: dot-separated words, each a name, '*' (one word) or '#' (any words)."));
        }

        return new PriceChangeSelector(NullIfEmpty(filter.Provider), NullIfEmpty(filter.Region), NullIfEmpty(filter.AcceleratorId), NullIfEmpty(filter.PricingModel), pattern);
    }

    private static string? NullIfEmpty(string value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
