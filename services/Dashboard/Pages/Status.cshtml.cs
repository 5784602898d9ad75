using Grpc.Core;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Pricing.Contracts.V1;

namespace Dashboard.Pages;

/// <summary>Per provider: last scrape, catalog version and age, offers, quarantined rows with reasons; and what Quotes holds.</summary>
public sealed class StatusModel(PricingBackend backend, IConfiguration configuration) : PageModel
{
    /// <summary>Age-staleness of each provider's prices, from the one StaleAfter setting.</summary>
    public PriceStaleness Staleness { get; } = new(configuration);

    public const int MaxQuarantinedShown = 500;

    public IReadOnlyList<ProviderState> Providers { get; private set; } = [];

    public ViewStatus? View { get; private set; }

    public string? ViewError { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        var providers = backend.GetProvidersAsync(cancellationToken);
        try
        {
            View = await backend.GetViewStatusAsync(cancellationToken);
        }
        catch (RpcException ex)
        {
            ViewError = $"{ex.StatusCode}: {ex.Status.Detail}";
        }

        Providers = await providers;
    }
}
