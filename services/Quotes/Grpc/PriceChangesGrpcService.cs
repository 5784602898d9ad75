using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
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
public sealed class PriceChangesGrpcService(PriceChangeFeed feed, PriceView view, CatalogSyncWorker sync, PriceHistoryOptions historyOptions, TimeProvider time) : PriceChanges.PriceChangesBase
{
    public const int DefaultHistoryLimit = 1000;
    public const int MaxHistoryLimit = 100_000;

    public override async Task WatchPriceChanges(WatchPriceChangesRequest request, IServerStreamWriter<PriceChangeNotice> responseStream, ServerCallContext context)
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

        if (violations.Count > 0)
        {
            throw GrpcValidation.InvalidArgument(violations);
        }

        // Subscribe before reading the history, so nothing lands between the two; what lands in both is sent once.
        using var watcher = feed.Watch(selector);
        var resumes = request.ResumeAfter.OrderBy(p => p.Key, StringComparer.Ordinal).ToList();
        foreach (var (provider, after) in resumes)
        {
            await CheckResumableAsync(provider, after, context.CancellationToken);
        }

        // Headers now, not with the first change: a client awaiting them knows its subscription is live.
        await context.WriteResponseHeadersAsync([]);
        var sent = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (provider, after) in resumes)
        {
            try
            {
                await foreach (var change in feed.Store.ReadAfterAsync(provider, after, context.CancellationToken))
                {
                    if (selector.Matches(change))
                    {
                        sent.Add(PriceChangeJson.IdentityOf(change));
                        await responseStream.WriteAsync(Notice(change, replayed: true, receivedAt: null), context.CancellationToken);
                    }
                }
            }
            catch (Exception ex) when (PriceChangeFeed.IsStoreOutage(ex))
            {
                throw HistoryUnavailable("the resume point cannot be served yet");
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
            throw new RpcException(new global::Grpc.Core.Status(StatusCode.ResourceExhausted, ex.Message));
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

        var query = new PriceHistoryQuery(
            hasOffer ? request.OfferKey : null,
            hasAccelerator ? request.AcceleratorId : null,
            NullIfEmpty(request.Provider),
            NullIfEmpty(request.PricingModel),
            from,
            to,
            request.Limit > 0 ? request.Limit : DefaultHistoryLimit,
            before);
        PriceHistoryPage page;
        try
        {
            page = await feed.Store.QueryAsync(query, context.CancellationToken);
        }
        catch (Exception ex) when (PriceChangeFeed.IsStoreOutage(ex))
        {
            throw HistoryUnavailable("try again shortly");
        }

        var response = new GetPriceHistoryResponse { Truncated = page.Truncated, NextPageToken = page.Next?.ToToken() ?? "" };
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

    /// <summary>
    /// Refuses a resume the history cannot serve whole, before anything is sent: the changes after the point have been
    /// trimmed, or there are more of them than one call may replay. The status says to resync from a snapshot.
    /// </summary>
    private async Task CheckResumableAsync(string provider, long after, CancellationToken cancellationToken)
    {
        ResumeWindow window;
        try
        {
            window = await feed.Store.ResumeWindowAsync(provider, after, cancellationToken);
        }
        catch (Exception ex) when (PriceChangeFeed.IsStoreOutage(ex))
        {
            throw HistoryUnavailable("the resume point cannot be served yet");
        }

        var limit = historyOptions.MaxResumeChanges;
        string? why = !window.Retained(after)
            ? $"The history no longer holds every change of {provider} after version {after} (it keeps the newest {historyOptions.MaxChangesPerProvider}; versions up to {window.TrimmedThrough} were trimmed)."
            : window.Changes > limit
                ? $"{window.Changes} changes of {provider} lie after version {after}, more than one resume replays ({limit})."
                : null;
        if (why is not null)
        {
            throw ResyncRequired(provider, why);
        }
    }

    /// <summary>FAILED_PRECONDITION with ErrorInfo (reason RESYNC_REQUIRED) and a PreconditionFailure on the resume point.</summary>
    public static RpcException ResyncRequired(string provider, string why)
    {
        var info = new ErrorInfo { Reason = ResyncRequiredReason, Domain = "pricing.v1.PriceChanges", Metadata = { ["provider"] = provider } };
        var precondition = new PreconditionFailure
        {
            Violations =
            {
                new PreconditionFailure.Types.Violation
                {
                    Type = "RESUME_POINT",
                    Subject = $"resume_after[{provider}]",
                    Description = why + " Load the provider's catalog snapshot (ProviderCatalog.StreamCatalogSnapshot) and watch live from its version.",
                },
            },
        };
        return new Google.Rpc.Status
        {
            Code = (int)Code.FailedPrecondition,
            Message = why + " Resync from a snapshot.",
            Details = { Any.Pack(info), Any.Pack(precondition) },
        }.ToRpcException();
    }

    public const string ResyncRequiredReason = Pricing.ServiceDefaults.ResyncRequired.Reason;

    private static RpcException HistoryUnavailable(string what) =>
        new(new global::Grpc.Core.Status(StatusCode.Unavailable, $"The price history is unreachable; {what}."));

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
