using Pricing.Catalog;

namespace Dashboard.Pages;

/// <summary>
/// When the Dashboard calls a provider's prices stale: older than the one StaleAfter setting (Quotes:StaleAfter,
/// default <see cref="PriceAge.DefaultStaleAfter"/>), the rule behind every catalog version's <c>stale</c> in a quote.
/// The embedded default shares its configuration with Quotes; a separate Dashboard reads the same key. A provider's
/// <c>ScrapeStatus.stale</c> is something else, shown as "last scrape failed".
/// </summary>
public sealed class PriceStaleness(IConfiguration configuration)
{
    /// <summary>The setting's key, as Quotes binds it.</summary>
    public const string Key = "Quotes:StaleAfter";

    /// <summary>Prices older than this are stale.</summary>
    public TimeSpan StaleAfter { get; } = configuration.GetValue(Key, PriceAge.DefaultStaleAfter);

    /// <summary>True when prices <paramref name="ageSeconds"/> old are past <see cref="StaleAfter"/>.</summary>
    public bool IsStale(long ageSeconds) => TimeSpan.FromSeconds(ageSeconds) > StaleAfter;

    /// <summary>The badge text of stale prices: "stale: older than 7 days".</summary>
    public string Label => "stale: older than " + Format.Age(StaleAfter);
}
