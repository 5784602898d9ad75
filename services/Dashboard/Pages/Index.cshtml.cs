using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Pricing.Contracts.V1;

namespace Dashboard.Pages;

/// <summary>The price matrix: accelerator × provider, the cheapest price per accelerator-hour per pricing model.</summary>
public sealed class IndexModel(PricingBackend backend, IConfiguration configuration) : PageModel
{
    /// <summary>Age-staleness of each provider's prices, from the one StaleAfter setting.</summary>
    public PriceStaleness Staleness { get; } = new(configuration);

    public static readonly IReadOnlyList<string> ModelOrder = ["on_demand", "spot", "committed_1y", "committed_3y"];

    /// <summary>Pricing model to show; empty shows every model.</summary>
    [BindProperty(SupportsGet = true, Name = "model")]
    public string? Model { get; set; }

    public IReadOnlyList<ProviderOffers> Providers { get; private set; } = [];

    public IReadOnlyList<string> Models { get; private set; } = [];

    public IReadOnlyList<MatrixRow> Rows { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        Providers = await backend.GetOffersAsync(null, cancellationToken);
        var offers = Providers.SelectMany(p => p.Offers).ToList();
        Models = [.. offers.Select(o => o.PricingModel).Distinct(StringComparer.Ordinal).OrderBy(ModelRank).ThenBy(m => m, StringComparer.Ordinal)];
        var shown = string.IsNullOrEmpty(Model) ? Models : Models.Where(m => m == Model).ToList();
        Rows = [.. offers
            .Where(o => shown.Contains(o.PricingModel))
            .GroupBy(o => (o.AcceleratorId, o.PricingModel))
            .Select(g =>
            {
                var cheapest = g.GroupBy(o => o.Provider, StringComparer.Ordinal)
                    .ToDictionary(p => p.Key, p => p.MinBy(o => Format.ToDecimal(o.PricePerAcceleratorHour))!, StringComparer.Ordinal);
                var best = cheapest.Values.Min(o => Format.ToDecimal(o.PricePerAcceleratorHour));
                return new MatrixRow(g.Key.AcceleratorId, g.Key.PricingModel, cheapest, best);
            })
            .OrderBy(r => r.AcceleratorId, StringComparer.Ordinal)
            .ThenBy(r => ModelRank(r.PricingModel))
            .ThenBy(r => r.PricingModel, StringComparer.Ordinal)];
    }

    public static int ModelRank(string model)
    {
        var index = ModelOrder.ToList().IndexOf(model);
        return index < 0 ? ModelOrder.Count : index;
    }
}

/// <param name="AcceleratorId">The accelerator of the row.</param>
/// <param name="PricingModel">The pricing model of the row.</param>
/// <param name="Cheapest">Provider → its cheapest offer for this accelerator and pricing model.</param>
/// <param name="Best">The lowest price per accelerator-hour in the row.</param>
public sealed record MatrixRow(string AcceleratorId, string PricingModel, IReadOnlyDictionary<string, Offer> Cheapest, decimal Best);
