using Dashboard.Charts;
using Grpc.Core;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Pricing.Contracts.V1;

namespace Dashboard.Pages;

/// <summary>Every region and instance offering one accelerator, and how their prices moved.</summary>
public sealed class AcceleratorModel(PricingBackend backend, TimeProvider time) : PageModel
{
    private const int MaxSeries = 8;

    public string Id { get; private set; } = "";

    public IReadOnlyList<ProviderOffers> Providers { get; private set; } = [];

    public IReadOnlyList<Offer> Offers { get; private set; } = [];

    public IReadOnlyList<ChartSeries> History { get; private set; } = [];

    public int HistoryChanges { get; private set; }

    public string? HistoryError { get; private set; }

    public async Task OnGetAsync(string id, CancellationToken cancellationToken)
    {
        Id = id;
        Providers = await backend.GetOffersAsync(id, cancellationToken);
        Offers = [.. Providers.SelectMany(p => p.Offers).OrderBy(o => Format.ToDecimal(o.PricePerAcceleratorHour)).ThenBy(o => o.OfferKey, StringComparer.Ordinal)];
        try
        {
            var history = await backend.GetHistoryAsync(id, cancellationToken);
            HistoryChanges = history.Changes.Count;
            History = BuildSeries(history.Changes, Offers, time.GetUtcNow());
        }
        catch (RpcException ex)
        {
            HistoryError = $"{ex.StatusCode}: {ex.Status.Detail}";
        }
    }

    /// <summary>
    /// A step series per offer: offers whose price changed first (latest change first), then the cheapest, at most
    /// <see cref="MaxSeries"/>; each runs from its first recorded event to now at its current price.
    /// </summary>
    internal static IReadOnlyList<ChartSeries> BuildSeries(IEnumerable<AcceleratorPriceChangedEvent> changes, IReadOnlyList<Offer> current, DateTimeOffset now)
    {
        var byOffer = changes.GroupBy(c => c.OfferKey, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.OrderBy(c => c.CatalogVersion).ThenBy(c => c.ObservedAt?.ToDateTimeOffset()).ToList(), StringComparer.Ordinal);
        var currentByKey = current.ToDictionary(o => o.OfferKey, StringComparer.Ordinal);
        var chosen = byOffer
            .Where(p => p.Value.Any(c => c.Kind is PriceChangeKind.Changed or PriceChangeKind.Removed))
            .OrderByDescending(p => p.Value.Max(c => c.ObservedAt?.ToDateTimeOffset()))
            .Select(p => p.Key)
            .Concat(current.Select(o => o.OfferKey).Where(byOffer.ContainsKey))
            .Distinct(StringComparer.Ordinal)
            .Take(MaxSeries)
            .ToList();

        var series = new List<ChartSeries>();
        foreach (var key in chosen)
        {
            var points = new List<ChartPoint>();
            decimal? perAccelerator = null;
            double? acceleratorsPerInstance = null;
            foreach (var change in byOffer[key])
            {
                var at = (change.ObservedAt?.ToDateTimeOffset() ?? now).ToUnixTimeSeconds();
                acceleratorsPerInstance = change.Offer?.AcceleratorsPerInstance ?? acceleratorsPerInstance;
                if (change.Kind == PriceChangeKind.Removed)
                {
                    perAccelerator = null;
                    continue;
                }

                perAccelerator = change.Offer?.PricePerAcceleratorHour is { } p ? Format.ToDecimal(p)
                    : change.NewPricePerInstanceHour is { } n && acceleratorsPerInstance is > 0 ? Format.ToDecimal(n) / (decimal)acceleratorsPerInstance.Value : null;
                if (perAccelerator is { } value)
                {
                    points.Add(new ChartPoint(at, (double)value, $"{Format.Time(DateTimeOffset.FromUnixTimeSeconds(at))}: {Format.Price(value)}/accelerator-hour (v{change.CatalogVersion}, {KindName(change.Kind)})"));
                }
            }

            if (currentByKey.TryGetValue(key, out var offer))
            {
                var price = Format.ToDecimal(offer.PricePerAcceleratorHour);
                points.Add(new ChartPoint(now.ToUnixTimeSeconds(), (double)price, $"now: {Format.Price(price)}/accelerator-hour"));
            }

            if (points.Count > 0)
            {
                var name = Pricing.Catalog.OfferKey.TryParse(key, out var k) ? $"{k.Provider} {k.Region}{(k.Zone is { } zone ? "/" + zone : "")} {k.InstanceType} {k.PricingModel}" : key;
                series.Add(new ChartSeries(name, points));
            }
        }

        return series;
    }

    private static string KindName(PriceChangeKind kind) => kind switch
    {
        PriceChangeKind.Added => "added",
        PriceChangeKind.Changed => "changed",
        PriceChangeKind.Removed => "removed",
        _ => "unknown",
    };
}
