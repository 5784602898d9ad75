namespace Pricing.Contracts.Events;

/// <summary>The broker names every publisher and subscriber agrees on (documented in docs/events.md).</summary>
public static class PriceChangeTopology
{
    /// <summary>Durable topic exchange carrying <see cref="AcceleratorPriceChanged"/>.</summary>
    public const string ExchangeName = "pricing.price-changes";

    /// <summary>Fanout exchange carrying <see cref="CatalogPublished"/>.</summary>
    public const string CatalogPublishedExchangeName = "pricing.catalog-published";

    /// <summary>Fanout exchange carrying <see cref="CatalogVersionChanges"/>: a version's changes in one message (or a few parts).</summary>
    public const string CatalogVersionsExchangeName = "pricing.catalog-versions";

    /// <summary>
    /// <c>{provider}.{region}.{accelerator}.{pricing_model}</c>. Dots inside a segment would split it
    /// into two topic words, so they are replaced with '_'.
    /// </summary>
    public static string RoutingKey(string provider, string region, string acceleratorId, string pricingModel) =>
        string.Join('.', Word(provider), Word(region), Word(acceleratorId), Word(pricingModel));

    private static string Word(string value) => string.IsNullOrEmpty(value) ? "_" : value.Replace('.', '_');
}
