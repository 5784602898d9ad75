using Grpc.Core;
using Grpc.Net.ClientFactory;
using Microsoft.Extensions.Options;
using Pricing.Contracts.V1;

namespace Dashboard;

/// <summary>One provider as its service reports it, or the reason it could not be asked.</summary>
public sealed record ProviderState(string Provider, ScrapeStatus? Status, string? Error, string ClientName)
{
    public bool Reachable => Status is not null;
}

/// <summary>One provider's offers (current catalog version), or why they are missing.</summary>
public sealed record ProviderOffers(ProviderState State, long CatalogVersion, IReadOnlyList<Offer> Offers, string? Error);

/// <summary>Everything the dashboard reads, through the services' gRPC APIs only.</summary>
public sealed class PricingBackend(GrpcClientFactory clients, DashboardEndpoints endpoints, IOptions<DashboardOptions> options)
{
    private DateTime Deadline => DateTime.UtcNow + options.Value.CallTimeout;

    public TrainingQuotes.TrainingQuotesClient Quotes => clients.CreateClient<TrainingQuotes.TrainingQuotesClient>(DashboardEndpoints.QuotesClientName + "-quotes");

    public PriceChanges.PriceChangesClient Changes => clients.CreateClient<PriceChanges.PriceChangesClient>(DashboardEndpoints.QuotesClientName + "-changes");

    /// <summary>Scrape status of every provider, asked at each endpoint (in parallel).</summary>
    public async Task<IReadOnlyList<ProviderState>> GetProvidersAsync(CancellationToken cancellationToken)
    {
        var asked = await Task.WhenAll(endpoints.Providers.Select(e => AskStatusAsync(e, cancellationToken)));
        return [.. asked.SelectMany(s => s).OrderBy(s => s.Provider, StringComparer.Ordinal)];
    }

    private async Task<IReadOnlyList<ProviderState>> AskStatusAsync(ProviderEndpoint endpoint, CancellationToken cancellationToken)
    {
        var label = endpoint.Provider ?? "(all hosted)";
        try
        {
            var client = clients.CreateClient<ProviderCatalog.ProviderCatalogClient>(endpoint.ClientName);
            var response = await client.GetScrapeStatusAsync(new GetScrapeStatusRequest { Provider = endpoint.Provider ?? "" }, deadline: Deadline, cancellationToken: cancellationToken);
            return [.. response.Providers.Select(p => new ProviderState(p.Provider, p, null, endpoint.ClientName))];
        }
        catch (RpcException ex)
        {
            return [new ProviderState(label, null, $"{ex.StatusCode}: {ex.Status.Detail}", endpoint.ClientName)];
        }
    }

    /// <summary>The current offers of every reachable provider, optionally of one accelerator only.</summary>
    public async Task<IReadOnlyList<ProviderOffers>> GetOffersAsync(string? acceleratorId, CancellationToken cancellationToken)
    {
        var providers = await GetProvidersAsync(cancellationToken);
        return await Task.WhenAll(providers.Select(p => ListAsync(p, acceleratorId, cancellationToken)));
    }

    private async Task<ProviderOffers> ListAsync(ProviderState state, string? acceleratorId, CancellationToken cancellationToken)
    {
        if (!state.Reachable)
        {
            return new ProviderOffers(state, 0, [], state.Error);
        }

        try
        {
            var client = clients.CreateClient<ProviderCatalog.ProviderCatalogClient>(state.ClientName);
            var request = new ListOffersRequest { Provider = state.Provider };
            if (!string.IsNullOrEmpty(acceleratorId))
            {
                request.AcceleratorIds.Add(acceleratorId);
            }

            var response = await client.ListOffersAsync(request, deadline: Deadline, cancellationToken: cancellationToken);
            return new ProviderOffers(state, response.CatalogVersion, response.Offers, null);
        }
        catch (RpcException ex)
        {
            return new ProviderOffers(state, 0, [], $"{ex.StatusCode}: {ex.Status.Detail}");
        }
    }

    public async Task<TrainingQuote> QuoteAsync(QuoteTrainingRunRequest request, CancellationToken cancellationToken) =>
        await Quotes.QuoteTrainingRunAsync(request, deadline: Deadline, cancellationToken: cancellationToken);

    /// <summary>PlanForBudget runs the engine some 20 times: it gets four call timeouts.</summary>
    public async Task<BudgetPlan> PlanForBudgetAsync(PlanForBudgetRequest request, CancellationToken cancellationToken) =>
        await Quotes.PlanForBudgetAsync(request, deadline: DateTime.UtcNow + 4 * options.Value.CallTimeout, cancellationToken: cancellationToken);

    public async Task<GetPriceHistoryResponse> GetHistoryAsync(string acceleratorId, CancellationToken cancellationToken) =>
        await Changes.GetPriceHistoryAsync(new GetPriceHistoryRequest { AcceleratorId = acceleratorId, Limit = 5000 }, deadline: Deadline, cancellationToken: cancellationToken);

    public async Task<ViewStatus> GetViewStatusAsync(CancellationToken cancellationToken) =>
        await Changes.GetViewStatusAsync(new GetViewStatusRequest(), deadline: Deadline, cancellationToken: cancellationToken);
}
