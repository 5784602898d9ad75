using Grpc.Core;
using Pricing.Catalog;
using Pricing.Contracts;
using Pricing.Contracts.V1;
using Pricing.ServiceDefaults;

namespace Pricing.Sources.Grpc;

/// <summary>gRPC <c>ProviderCatalog</c> over every provider catalog hosted in this process.</summary>
public sealed class ProviderCatalogGrpcService(IEnumerable<ProviderPriceCatalog> catalogs, TimeProvider time) : ProviderCatalog.ProviderCatalogBase
{
    private const int DefaultChunkSize = 500;

    /// <summary>Offers per snapshot chunk at most: bounds one response message (an offer is a few hundred bytes).</summary>
    public const int MaxChunkSize = 5000;
    private readonly IReadOnlyList<ProviderPriceCatalog> _catalogs = catalogs.ToList();

    public override Task<ListOffersResponse> ListOffers(ListOffersRequest request, ServerCallContext context)
    {
        var violations = new List<FieldViolation>();
        if (request.Limit < 0)
        {
            violations.Add(new FieldViolation("limit", "Must be 0 (no limit) or positive."));
        }

        var catalog = Resolve(request.Provider, "provider", violations);
        if (violations.Count > 0)
        {
            throw GrpcValidation.InvalidArgument(violations);
        }

        var snapshot = catalog!.Current;
        var offers = snapshot.Offers.Values
            .Where(o => request.Regions.Count == 0 || request.Regions.Contains(o.Region))
            .Where(o => request.AcceleratorIds.Count == 0 || request.AcceleratorIds.Contains(o.AcceleratorId))
            .Where(o => request.PricingModels.Count == 0 || request.PricingModels.Contains(o.PricingModel))
            .Where(o => request.InstanceTypes.Count == 0 || request.InstanceTypes.Contains(o.InstanceType))
            .OrderBy(o => o.PricePerAcceleratorHour)
            .ThenBy(o => o.OfferKey, StringComparer.Ordinal);
        var response = new ListOffersResponse
        {
            Provider = snapshot.Provider,
            CatalogVersion = snapshot.Version,
            CatalogAsOf = snapshot.AsOf.ToProtoTimestamp(),
        };
        response.Offers.AddRange((request.Limit > 0 ? offers.Take(request.Limit) : offers).Select(o => o.ToProto()));
        return Task.FromResult(response);
    }

    public override async Task StreamCatalogSnapshot(StreamCatalogSnapshotRequest request, IServerStreamWriter<CatalogSnapshotChunk> responseStream, ServerCallContext context)
    {
        var violations = new List<FieldViolation>();
        if (request.ChunkSize is < 0 or > MaxChunkSize)
        {
            violations.Add(new FieldViolation("chunk_size", $"Must be 0 (default, {DefaultChunkSize}) or 1..{MaxChunkSize}."));
        }

        var catalog = Resolve(request.Provider, "provider", violations);
        if (violations.Count > 0)
        {
            throw GrpcValidation.InvalidArgument(violations);
        }

        // One immutable snapshot for the whole stream: every chunk carries the same version.
        var snapshot = catalog!.Current;
        var chunkSize = request.ChunkSize > 0 ? request.ChunkSize : DefaultChunkSize;
        var offers = snapshot.Offers.Values.OrderBy(o => o.OfferKey, StringComparer.Ordinal).ToList();
        var index = 0;
        do
        {
            var chunk = new CatalogSnapshotChunk
            {
                Provider = snapshot.Provider,
                CatalogVersion = snapshot.Version,
                CatalogAsOf = snapshot.AsOf.ToProtoTimestamp(),
                TotalOffers = offers.Count,
            };
            chunk.Offers.AddRange(offers.Skip(index).Take(chunkSize).Select(o => o.ToProto()));
            index += chunkSize;
            chunk.Last = index >= offers.Count;
            await responseStream.WriteAsync(chunk, context.CancellationToken);
        }
        while (index < offers.Count);
    }

    public override Task<GetScrapeStatusResponse> GetScrapeStatus(GetScrapeStatusRequest request, ServerCallContext context)
    {
        var selected = _catalogs.Where(c => request.Provider.Length == 0 || c.Provider == request.Provider).ToList();
        if (selected.Count == 0)
        {
            throw GrpcValidation.InvalidArgument([UnknownProvider("provider", request.Provider)]);
        }

        var response = new GetScrapeStatusResponse();
        var now = time.GetUtcNow();
        foreach (var catalog in selected)
        {
            var status = catalog.Status();
            var proto = new ScrapeStatus
            {
                Provider = status.Provider,
                Source = status.Source,
                CatalogVersion = status.Snapshot.Version,
                CatalogAsOf = status.Snapshot.AsOf.ToProtoTimestamp(),
                LastAttemptSucceeded = status.LastAttemptSucceeded,
                LastError = status.LastError ?? "",
                Stale = status.Stale,
                AgeSeconds = status.Snapshot.Version == 0 ? 0 : (long)(now - status.Snapshot.AsOf).TotalSeconds,
                OfferCount = status.Snapshot.Offers.Count,
                QuarantinedCount = status.Snapshot.Quarantined.Count,
            };
            if (status.LastAttempt is { } attempt)
            {
                proto.LastAttempt = attempt.ToProtoTimestamp();
            }

            proto.Quarantined.AddRange(status.Snapshot.Quarantined.Select(q => q.ToProto()));
            response.Providers.Add(proto);
        }

        return Task.FromResult(response);
    }

    private ProviderPriceCatalog? Resolve(string provider, string field, List<FieldViolation> violations)
    {
        if (provider.Length == 0)
        {
            if (_catalogs.Count == 1)
            {
                return _catalogs[0];
            }

            violations.Add(new FieldViolation(field, $"This process hosts {_catalogs.Count} providers ({string.Join(", ", _catalogs.Select(c => c.Provider))}); name one."));
            return null;
        }

        var catalog = _catalogs.FirstOrDefault(c => c.Provider == provider);
        if (catalog is null)
        {
            violations.Add(UnknownProvider(field, provider));
        }

        return catalog;
    }

    private FieldViolation UnknownProvider(string field, string provider) =>
        new(field, $"Provider '{provider}' is not hosted here; hosted: {string.Join(", ", _catalogs.Select(c => c.Provider))}.");
}
