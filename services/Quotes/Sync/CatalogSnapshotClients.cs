using Grpc.Net.Client;
using Microsoft.Extensions.Options;
using Pricing.Contracts;
using Pricing.Contracts.V1;
using Pricing.Quoting;

namespace Quotes.Sync;

public sealed class QuotesOptions
{
    public const string Section = "Quotes";

    /// <summary>Provider name → base URL of its gRPC ProviderCatalog (e.g. "azure": "http://azure-pricing:8080").</summary>
    public Dictionary<string, string> Providers { get; set; } = [];

    /// <summary>
    /// The durable queue every Quotes replica shares for the history (each catalog version part is written by whichever
    /// replica takes it, and acked once Redis has it). Each replica's own queue, for its price view and watchers, is named from it:
    /// <c>{QueueName}-replica-{ReplicaId}</c>.
    /// </summary>
    public string QueueName { get; set; } = "quotes-version-history";

    /// <summary>
    /// This replica's name in its queue's name (letters, digits, '-', '_', '.'): e.g. the pod name. Unset: the host
    /// name plus a random suffix, so two processes on one host never share a queue.
    /// </summary>
    public string? ReplicaId { get; set; }

    /// <summary>
    /// How long a replica's own queue outlives its last consumer (RabbitMQ <c>x-expires</c>): long enough to ride out
    /// a broker restart or a reconnect, short enough that a replica that is gone for good leaves nothing behind.
    /// </summary>
    public TimeSpan ReplicaQueueExpiry { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long an announced version may stay incomplete before it counts as a gap and the provider is resynced.</summary>
    public TimeSpan ResyncGrace { get; set; } = TimeSpan.FromSeconds(5);

    public TimeSpan SyncInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Longest one provider's snapshot load may take (the gRPC deadline of its <c>StreamCatalogSnapshot</c>): a stream that
    /// stalls fails and is retried on the next sync instead of holding the sync loop, and every other provider, forever.
    /// </summary>
    public TimeSpan SnapshotLoadTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Prices older than this are stale: each catalog version a quote, comparison or offer listing reports says so
    /// (<c>stale</c>), and a quote warns about it. The provider's own status (<c>ScrapeStatus.stale</c>, shown on the
    /// Dashboard as "last scrape failed") means something else: its last scrape failed.
    /// </summary>
    public TimeSpan StaleAfter { get; set; } = Pricing.Catalog.PriceAge.DefaultStaleAfter;

    /// <summary>How long a quote stays cached. Keys include catalog versions, so this only bounds memory.</summary>
    public TimeSpan QuoteCacheTtl { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// The in-process (L1) quote cache's bound, in bytes of serialized quotes (HybridCache sizes each entry by its
    /// payload). A quote over the three-provider catalog is tens of kilobytes.
    /// </summary>
    public long QuoteCacheMemoryBytes { get; set; } = 256L * 1024 * 1024;
}

/// <summary>Loads a provider's complete current catalog into the price view.</summary>
public interface ICatalogSnapshotClient
{
    IReadOnlyCollection<string> Providers { get; }

    Task LoadAsync(string provider, PriceView view, CancellationToken cancellationToken);
}

/// <summary>Reads each provider's <c>StreamCatalogSnapshot</c> over gRPC.</summary>
public sealed class GrpcCatalogSnapshotClient(IOptions<QuotesOptions> options, Pricing.ServiceDefaults.ServiceTokenSource tokens) : ICatalogSnapshotClient, IDisposable
{
    private readonly Dictionary<string, GrpcChannel> _channels = options.Value.Providers
        .ToDictionary(p => p.Key, p => GrpcChannel.ForAddress(p.Value, tokens.ChannelOptions()), StringComparer.Ordinal);

    public IReadOnlyCollection<string> Providers => _channels.Keys;

    public async Task LoadAsync(string provider, PriceView view, CancellationToken cancellationToken)
    {
        var client = new ProviderCatalog.ProviderCatalogClient(_channels[provider]);
        using var call = client.StreamCatalogSnapshot(new StreamCatalogSnapshotRequest { Provider = provider },
            deadline: DateTime.UtcNow.Add(options.Value.SnapshotLoadTimeout), cancellationToken: cancellationToken);
        var offers = new List<Pricing.Catalog.Offer>();
        CatalogSnapshotChunk? first = null;
        var sawLast = false;
        while (await call.ResponseStream.MoveNext(cancellationToken))
        {
            var chunk = call.ResponseStream.Current;
            first ??= chunk;
            if (chunk.CatalogVersion != first.CatalogVersion)
            {
                throw new InvalidDataException($"{provider} snapshot mixed versions {first.CatalogVersion} and {chunk.CatalogVersion}.");
            }

            offers.AddRange(chunk.Offers.Select(o => o.FromProto()));
            sawLast |= chunk.Last;
        }

        if (first is null || !sawLast || offers.Count != first.TotalOffers)
        {
            throw new InvalidDataException($"{provider} snapshot incomplete: {offers.Count} of {first?.TotalOffers} offers.");
        }

        // Version 0 is a provider that has not completed a scrape yet (it started after us, or is slow to): that is no
        // catalog, so the bootstrap is not done and is tried again, rather than holding an empty view until an event.
        if (first.CatalogVersion == 0)
        {
            throw new InvalidDataException($"{provider} has no catalog yet (no scrape completed).");
        }

        view.LoadSnapshot(provider, first.CatalogVersion, first.CatalogAsOf.ToDateTimeOffset(), offers);
    }

    public void Dispose()
    {
        foreach (var channel in _channels.Values)
        {
            channel.Dispose();
        }
    }
}
