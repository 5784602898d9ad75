using Grpc.Core;
using Pricing.Contracts;
using Pricing.Contracts.Events;
using Pricing.Contracts.V1;
using Pricing.Quoting;
using Quotes.History;
using Quotes.Sync;

namespace Quotes.Grpc;

/// <summary>
/// Price-change subscriptions over gRPC (history replay, then live), history queries and the view's versions.
/// Requests are read by <see cref="PriceChangesRequestMapping"/>; failures become statuses in <see cref="PriceChangesErrorInterceptor"/>.
/// </summary>
public sealed class PriceChangesGrpcService(PriceChangeFeed feed, PriceView view, CatalogSyncWorker sync, PriceHistoryOptions historyOptions, TimeProvider time) : PriceChanges.PriceChangesBase
{
    /// <summary>At most this many notices are buffered before a flush: what one flush may hold back from the client.</summary>
    private const int MaxCoalescedWrites = 256;

    private static readonly WriteOptions Buffered = new(WriteFlags.BufferHint);

    public override async Task WatchPriceChanges(WatchPriceChangesRequest request, IServerStreamWriter<PriceChangeNotice> responseStream, ServerCallContext context)
    {
        var selector = PriceChangesRequestMapping.SelectorOf(request);

        // Subscribe before reading the history, so nothing lands between the two; what lands in both is sent once.
        using var watcher = feed.Watch(selector, request.ResumeAfter);
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
            await foreach (var change in feed.Store.ReadAfterAsync(provider, after, context.CancellationToken))
            {
                if (selector.Matches(change))
                {
                    sent.Add(PriceChangeJson.IdentityOf(change));
                    await responseStream.WriteAsync(Notice(change, replayed: true, receivedAt: null), context.CancellationToken);
                }
            }
        }

        try
        {
            // Writes are coalesced: whatever has queued up since the last flush (a consumed batch's fan-out) is written
            // with BufferHint and flushed once, with its last message, instead of one flush (one HTTP/2 frame write) per change.
            var reader = watcher.Changes;
            var ready = new List<PriceChangeNotice>(MaxCoalescedWrites);
            while (await reader.WaitToReadAsync(context.CancellationToken))
            {
                while (ready.Count < MaxCoalescedWrites && reader.TryRead(out var live))
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

                    ready.Add(Notice(live.Change, replayed: false, live.ReceivedAt));
                }

                for (var i = 0; i < ready.Count; i++)
                {
                    responseStream.WriteOptions = i < ready.Count - 1 ? Buffered : null;
                    await responseStream.WriteAsync(ready[i], context.CancellationToken);
                }

                ready.Clear();
            }
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            // The client went away.
        }
    }

    public override async Task<GetPriceHistoryResponse> GetPriceHistory(GetPriceHistoryRequest request, ServerCallContext context)
    {
        var page = await feed.Store.QueryAsync(PriceChangesRequestMapping.QueryOf(request), context.CancellationToken);
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
    /// trimmed, or there are more of them than one call may replay. The client is told to resync from a snapshot.
    /// </summary>
    private async Task CheckResumableAsync(string provider, long after, CancellationToken cancellationToken)
    {
        var window = await feed.Store.ResumeWindowAsync(provider, after, cancellationToken);
        var limit = historyOptions.MaxResumeChanges;
        string? why = !window.Retained(after)
            ? $"The history no longer holds every change of {provider} after version {after} (it keeps the newest {historyOptions.MaxChangesPerProvider}; versions up to {window.TrimmedThrough} were trimmed)."
            : window.Changes > limit
                ? $"{window.Changes} changes of {provider} lie after version {after}, more than one resume replays ({limit})."
                : null;
        if (why is not null)
        {
            throw new ResyncRequiredException(provider, why);
        }
    }

    private PriceChangeNotice Notice(AcceleratorPriceChanged change, bool replayed, DateTimeOffset? receivedAt) => new()
    {
        Change = change.ToProto(),
        RoutingKey = change.RoutingKey,
        Replayed = replayed,
        ReceivedAt = (receivedAt ?? time.GetUtcNow()).ToProtoTimestamp(),
    };
}
