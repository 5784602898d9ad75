using Grpc.Core;
using Pricing.Catalog;
using Pricing.Contracts;
using Pricing.Contracts.Events;
using Pricing.Contracts.V1;
using Pricing.Quoting;
using Pricing.ServiceDefaults;
using Quotes.History;
using Quotes.Sync;

namespace Quotes.Grpc;

/// <summary>Price-change subscriptions over gRPC (history replay, then live), history queries and the view's versions.</summary>
public sealed class PriceChangesGrpcService(PriceChangeFeed feed, PriceView view, CatalogSyncWorker sync, TimeProvider time) : PriceChanges.PriceChangesBase
{
    public const int DefaultHistoryLimit = 1000;
    public const int MaxHistoryLimit = 100_000;

    public override async Task WatchPriceChanges(WatchPriceChangesRequest request, IServerStreamWriter<PriceChangeNotice> responseStream, ServerCallContext context)
    {
        var violations = new List<FieldViolation>();
        var selector = SelectorOf(request.Filter, "filter", violations);
        foreach (var (provider, version) in request.ResumeAfter)
        {
            if (string.IsNullOrWhiteSpace(provider))
            {
                violations.Add(new FieldViolation("resume_after", "Provider names must not be empty."));
            }

            if (version < 0)
            {
                violations.Add(new FieldViolation($"resume_after[{provider}]", $"Version {version} is negative."));
            }
        }

        if (violations.Count > 0)
        {
            throw GrpcValidation.InvalidArgument(violations);
        }

        // Subscribe before reading the history, so nothing lands between the two; what lands in both is sent once.
        using var watcher = feed.Watch(selector);
        // Headers now, not with the first change: a client awaiting them knows its subscription is live.
        await context.WriteResponseHeadersAsync([]);
        var sent = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (provider, after) in request.ResumeAfter.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            IReadOnlyList<AcceleratorPriceChanged> recorded;
            try
            {
                recorded = await feed.Store.ReadAfterAsync(provider, after, context.CancellationToken);
            }
            catch (Exception ex) when (ex is StackExchange.Redis.RedisException or TimeoutException)
            {
                throw new RpcException(new Status(StatusCode.Unavailable, $"The price history is unreachable, so the resume point cannot be served yet: {ex.Message}"));
            }

            foreach (var change in recorded.Where(selector.Matches))
            {
                sent.Add(PriceChangeJson.IdentityOf(change));
                await responseStream.WriteAsync(Notice(change, replayed: true, receivedAt: null), context.CancellationToken);
            }
        }

        try
        {
            await foreach (var live in watcher.Changes.ReadAllAsync(context.CancellationToken))
            {
                if (sent.Count > 0 && sent.Remove(PriceChangeJson.IdentityOf(live.Change)))
                {
                    continue;
                }

                // A change at or before the client's resume point was seen before it reconnected, even when it is
                // still in flight here (not yet in the history it was replayed from): never send it twice.
                if (request.ResumeAfter.TryGetValue(live.Change.Provider, out var resumedAfter) && live.Change.CatalogVersion <= resumedAfter)
                {
                    continue;
                }

                await responseStream.WriteAsync(Notice(live.Change, replayed: false, live.ReceivedAt), context.CancellationToken);
            }
        }
        catch (WatcherTooSlowException ex)
        {
            throw new RpcException(new Status(StatusCode.ResourceExhausted, ex.Message));
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            // The client went away.
        }
    }

    public override async Task<GetPriceHistoryResponse> GetPriceHistory(GetPriceHistoryRequest request, ServerCallContext context)
    {
        var violations = new List<FieldViolation>();
        var hasOffer = request.OfferKey.Length > 0;
        var hasAccelerator = request.AcceleratorId.Length > 0;
        if (hasOffer == hasAccelerator)
        {
            violations.Add(new FieldViolation(hasOffer ? "accelerator_id" : "offer_key", "Give exactly one of offer_key and accelerator_id."));
        }

        if (hasOffer && request.OfferKey.Split('|').Length != 5)
        {
            violations.Add(new FieldViolation("offer_key", $"'{request.OfferKey}' is not an offer key (provider|region|zone|instance|model)."));
        }

        DateTimeOffset? from = request.From?.ToDateTimeOffset();
        DateTimeOffset? to = request.To?.ToDateTimeOffset();
        if (from is not null && to is not null && from > to)
        {
            violations.Add(new FieldViolation("to", $"The range ends ({to:O}) before it starts ({from:O})."));
        }

        if (request.Limit is < 0 or > MaxHistoryLimit)
        {
            violations.Add(new FieldViolation("limit", $"Limit {request.Limit} is outside 0..{MaxHistoryLimit}."));
        }

        if (violations.Count > 0)
        {
            throw GrpcValidation.InvalidArgument(violations);
        }

        var query = new PriceHistoryQuery(
            hasOffer ? request.OfferKey : null,
            hasAccelerator ? request.AcceleratorId : null,
            NullIfEmpty(request.Provider),
            NullIfEmpty(request.PricingModel),
            from,
            to,
            request.Limit > 0 ? request.Limit : DefaultHistoryLimit);
        PriceHistoryPage page;
        try
        {
            page = await feed.Store.QueryAsync(query, context.CancellationToken);
        }
        catch (Exception ex) when (ex is StackExchange.Redis.RedisException or TimeoutException)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, $"The price history is unreachable: {ex.Message}"));
        }

        var response = new GetPriceHistoryResponse { Truncated = page.Truncated };
        response.Changes.AddRange(page.Changes.Select(c => c.ToProto()));
        return response;
    }

    public override Task<ViewStatus> GetViewStatus(GetViewStatusRequest request, ServerCallContext context)
    {
        var status = new ViewStatus { Resyncs = sync.Resyncs, HistoryStore = feed.Store.Name };
        foreach (var catalog in view.Current.Catalogs)
        {
            status.Providers.Add(new ProviderViewStatus
            {
                Provider = catalog.Provider,
                Version = catalog.Version,
                AsOf = catalog.AsOf.ToProtoTimestamp(),
                Offers = catalog.Offers.Count,
            });
        }

        return Task.FromResult(status);
    }

    /// <summary>The filter as a selector; a malformed routing pattern is a field violation.</summary>
    public static PriceChangeSelector SelectorOf(PriceChangeFilter? filter, string field, List<FieldViolation> violations)
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

    private PriceChangeNotice Notice(AcceleratorPriceChanged change, bool replayed, DateTimeOffset? receivedAt) => new()
    {
        Change = change.ToProto(),
        RoutingKey = change.RoutingKey,
        Replayed = replayed,
        ReceivedAt = (receivedAt ?? time.GetUtcNow()).ToProtoTimestamp(),
    };

    private static string? NullIfEmpty(string value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
