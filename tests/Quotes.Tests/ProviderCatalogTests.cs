using Google.Rpc;
using Grpc.Core;
using Pricing.Contracts;
using Pricing.Contracts.V1;

namespace Quotes.Tests;

/// <summary>gRPC <c>ProviderCatalog</c> of the embedded default, which hosts the Azure catalog on its bundled snapshot.</summary>
public sealed class ProviderCatalogTests(StandaloneServer server)
{
    private const string H100 = "nvidia-h100-80gb";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<BadRequest> RefusedAsync(Func<Task> call)
    {
        var ex = await Assert.ThrowsAsync<RpcException>(call);
        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        var badRequest = ex.GetRpcStatus()?.GetDetail<BadRequest>();
        Assert.NotNull(badRequest);
        return badRequest;
    }

    [Fact]
    public async Task ListOffers_filters_by_accelerator_and_pricing_model()
    {
        var all = await server.Catalog.ListOffersAsync(new ListOffersRequest { Provider = "azure" }, cancellationToken: Ct);
        var request = new ListOffersRequest { Provider = "azure", AcceleratorIds = { H100 }, PricingModels = { "on_demand" } };

        var filtered = await server.Catalog.ListOffersAsync(request, cancellationToken: Ct);

        Assert.Equal("azure", filtered.Provider);
        Assert.True(filtered.CatalogVersion >= 1);
        Assert.NotEmpty(filtered.Offers);
        Assert.All(filtered.Offers, o =>
        {
            Assert.Equal(H100, o.AcceleratorId);
            Assert.Equal("on_demand", o.PricingModel);
        });
        // Exactly the matching subset of the whole catalog.
        Assert.Equal(
            all.Offers.Where(o => o.AcceleratorId == H100 && o.PricingModel == "on_demand").Select(o => o.OfferKey).Order(StringComparer.Ordinal),
            filtered.Offers.Select(o => o.OfferKey).Order(StringComparer.Ordinal));
        Assert.Contains(all.Offers, o => o.AcceleratorId != H100);
        Assert.Contains(all.Offers, o => o.PricingModel != "on_demand");

        var eastus = Assert.Single(filtered.Offers, o => o.Region == "eastus" && o.InstanceType == "Standard_ND96isr_H100_v5");
        Assert.Equal(98.32m, eastus.PricePerInstanceHour.ToDecimal());
        Assert.Equal(98.32m / 8, eastus.PricePerAcceleratorHour.ToDecimal());
        Assert.Equal(8, eastus.AcceleratorsPerInstance);
    }

    [Fact]
    public async Task ListOffers_orders_by_price_per_accelerator_hour_and_honours_the_limit()
    {
        var all = await server.Catalog.ListOffersAsync(new ListOffersRequest { Provider = "azure" }, cancellationToken: Ct);
        var top3 = await server.Catalog.ListOffersAsync(new ListOffersRequest { Provider = "azure", Limit = 3 }, cancellationToken: Ct);

        var prices = all.Offers.Select(o => o.PricePerAcceleratorHour.ToDecimal()).ToList();
        Assert.Equal(prices.Order(), prices);
        Assert.Equal(all.Offers.Take(3).Select(o => o.OfferKey), top3.Offers.Select(o => o.OfferKey));
    }

    [Fact]
    public async Task GetScrapeStatus_shows_azure_on_its_snapshot_with_quarantined_rows_and_reasons()
    {
        var response = await server.Catalog.GetScrapeStatusAsync(new GetScrapeStatusRequest(), cancellationToken: Ct);

        var azure = Assert.Single(response.Providers, p => p.Provider == "azure");
        Assert.True(azure.CatalogVersion >= 1, $"azure catalog version {azure.CatalogVersion}.");
        Assert.StartsWith("snapshot:", azure.Source, StringComparison.Ordinal);
        Assert.True(azure.LastAttemptSucceeded);
        Assert.True(azure.OfferCount > 0);
        Assert.NotEmpty(azure.Quarantined);
        Assert.Equal(azure.Quarantined.Count, azure.QuarantinedCount);
        Assert.All(azure.Quarantined, q =>
        {
            Assert.Equal("azure", q.Provider);
            Assert.False(string.IsNullOrWhiteSpace(q.Rule));
            Assert.False(string.IsNullOrWhiteSpace(q.Reason));
            Assert.False(string.IsNullOrWhiteSpace(q.Row));
        });
        var rules = azure.Quarantined.Select(q => q.Rule).ToHashSet(StringComparer.Ordinal);
        Assert.Contains("unknown_accelerator", rules);
        Assert.Contains("conflicting_duplicate", rules);
        // The GPU size the map does not know is quarantined, not dropped.
        Assert.Contains(azure.Quarantined, q => q.Rule == "unknown_accelerator" && q.Row.Contains("Standard_ND96is_H100_v5", StringComparison.Ordinal));
    }

    [Fact]
    public async Task GetScrapeStatus_for_azure_by_name_matches_the_catalog()
    {
        var status = Assert.Single((await server.Catalog.GetScrapeStatusAsync(new GetScrapeStatusRequest { Provider = "azure" }, cancellationToken: Ct)).Providers);
        var offers = await server.Catalog.ListOffersAsync(new ListOffersRequest { Provider = "azure" }, cancellationToken: Ct);

        Assert.Equal(offers.CatalogVersion, status.CatalogVersion);
        Assert.Equal(offers.Offers.Count, status.OfferCount);
    }

    [Fact]
    public async Task GetScrapeStatus_for_an_unknown_provider_is_InvalidArgument_on_provider()
    {
        var badRequest = await RefusedAsync(() => server.Catalog.GetScrapeStatusAsync(new GetScrapeStatusRequest { Provider = "oracle" }, cancellationToken: Ct).ResponseAsync);

        var violation = Assert.Single(badRequest.FieldViolations);
        Assert.Equal("provider", violation.Field);
        Assert.Contains("oracle", violation.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListOffers_for_an_unknown_provider_is_InvalidArgument_on_provider()
    {
        var badRequest = await RefusedAsync(() => server.Catalog.ListOffersAsync(new ListOffersRequest { Provider = "oracle" }, cancellationToken: Ct).ResponseAsync);

        Assert.Equal("provider", Assert.Single(badRequest.FieldViolations).Field);
    }

    [Fact]
    public async Task ListOffers_with_a_negative_limit_and_an_unknown_provider_names_both()
    {
        var badRequest = await RefusedAsync(() => server.Catalog.ListOffersAsync(new ListOffersRequest { Provider = "oracle", Limit = -1 }, cancellationToken: Ct).ResponseAsync);

        Assert.Equal(["limit", "provider"], badRequest.FieldViolations.Select(v => v.Field).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task StreamCatalogSnapshot_delivers_the_whole_catalog_at_one_version()
    {
        var offers = await server.Catalog.ListOffersAsync(new ListOffersRequest { Provider = "azure" }, cancellationToken: Ct);
        using var call = server.Catalog.StreamCatalogSnapshot(new StreamCatalogSnapshotRequest { Provider = "azure", ChunkSize = 7 }, cancellationToken: Ct);

        var chunks = new List<CatalogSnapshotChunk>();
        while (await call.ResponseStream.MoveNext(Ct))
        {
            chunks.Add(call.ResponseStream.Current);
        }

        Assert.All(chunks, c => Assert.Equal(offers.CatalogVersion, c.CatalogVersion));
        Assert.All(chunks, c => Assert.True(c.Offers.Count <= 7));
        Assert.True(chunks[^1].Last);
        Assert.All(chunks.SkipLast(1), c => Assert.False(c.Last));
        Assert.Equal(
            offers.Offers.Select(o => o.OfferKey).Order(StringComparer.Ordinal),
            chunks.SelectMany(c => c.Offers).Select(o => o.OfferKey).Order(StringComparer.Ordinal));
        Assert.All(chunks, c => Assert.Equal(offers.Offers.Count, c.TotalOffers));
    }
}
