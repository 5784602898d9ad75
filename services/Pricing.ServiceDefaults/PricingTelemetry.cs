using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Reflection;
using Pricing.Catalog;

namespace Pricing.ServiceDefaults;

/// <summary>
/// The project's own traces and metrics: ActivitySource and Meter "Pricing". <see cref="ServiceDefaultsExtensions.AddServiceDefaults"/>
/// subscribes to both; the Prometheus endpoint (<c>/metrics</c>) shows the instruments under the names in
/// <see cref="PrometheusNames"/> (OpenTelemetry's Prometheus exporter turns dots into underscores, appends the unit
/// "s" as <c>_seconds</c> and <c>_total</c> to counters). deploy/grafana/pricing-dashboard.json queries exactly these.
/// </summary>
public static class PricingTelemetry
{
    public const string Name = "Pricing";

    public static readonly ActivitySource ActivitySource = new(Name);

    public static readonly Meter Meter = new(Name);

    /// <summary>Seconds: a scrape takes from milliseconds (snapshot) to minutes (AWS bulk offer files).</summary>
    public static readonly Histogram<double> ScrapeDuration = Meter.CreateHistogram(
        "pricing.scrape.duration", "s", "Duration of one provider scrape cycle (read, validate, commit, publish).",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600] });

    public static readonly Gauge<long> CatalogOffers = Meter.CreateGauge<long>(
        "pricing.catalog.offers", description: "Offers in the provider's last committed catalog version.");

    public static readonly Gauge<long> CatalogVersion = Meter.CreateGauge<long>(
        "pricing.catalog.version", description: "The provider's last committed catalog version.");

    public static readonly Gauge<long> QuarantinedRows = Meter.CreateGauge<long>(
        "pricing.quarantined.rows", description: "Rows quarantined by the provider's last scrape, per validation rule.");

    public static readonly Counter<long> EventsPublished = Meter.CreateCounter<long>(
        "pricing.events.published", description: "Price-change events published (AcceleratorPriceChanged, CatalogPublished).");

    public static readonly Counter<long> EventsConsumed = Meter.CreateCounter<long>(
        "pricing.events.consumed", description: "Price-change events consumed by a price view.");

    /// <summary>Seconds, from request to answer (cache or engine).</summary>
    public static readonly Histogram<double> QuoteDuration = Meter.CreateHistogram(
        "pricing.quote.duration", "s", "Time to answer a training-run quote or comparison.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5] });

    public static readonly Counter<long> QuoteCacheRequests = Meter.CreateCounter<long>(
        "pricing.quote.cache.requests", description: "Quote cache lookups by result: hit_l1 (in process), hit_l2 (Redis) or miss (computed).");

    /// <summary>The Prometheus names of the instruments above (what the Grafana dashboard queries).</summary>
    public static class PrometheusNames
    {
        public const string ScrapeDuration = "pricing_scrape_duration_seconds";
        public const string CatalogOffers = "pricing_catalog_offers";
        public const string CatalogVersion = "pricing_catalog_version";
        public const string QuarantinedRows = "pricing_quarantined_rows";
        public const string EventsPublished = "pricing_events_published_total";
        public const string EventsConsumed = "pricing_events_consumed_total";
        public const string QuoteDuration = "pricing_quote_duration_seconds";
        public const string QuoteCacheRequests = "pricing_quote_cache_requests_total";
    }

    public static class CacheResults
    {
        public const string HitL1 = "hit_l1";
        public const string HitL2 = "hit_l2";
        public const string Miss = "miss";
    }

    private static readonly string[] KnownQuarantineRules = [.. typeof(QuarantineRules)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.IsLiteral && f.FieldType == typeof(string))
        .Select(f => (string)f.GetRawConstantValue()!)];

    // Rules seen per provider, so a rule that no longer quarantines anything drops to 0 instead of keeping its old value.
    private static readonly ConcurrentDictionary<string, ConcurrentDictionary<string, byte>> QuarantineRulesSeen = new(StringComparer.Ordinal);

    /// <summary>Records one scrape's outcome: duration, and for a committed version its offers and quarantined rows.</summary>
    public static void RecordScrape(string provider, string outcome, TimeSpan duration)
    {
        ScrapeDuration.Record(duration.TotalSeconds, new KeyValuePair<string, object?>("provider", provider), new KeyValuePair<string, object?>("outcome", outcome));
    }

    public static void RecordCatalog(string provider, long version, int offers, IEnumerable<string> quarantinedRules)
    {
        var providerTag = new KeyValuePair<string, object?>("provider", provider);
        CatalogOffers.Record(offers, providerTag);
        CatalogVersion.Record(version, providerTag);
        // Every known rule is reported (0 when it quarantined nothing), so the series exist before the first bad row.
        var seen = QuarantineRulesSeen.GetOrAdd(provider, _ => new ConcurrentDictionary<string, byte>(KnownQuarantineRules.Select(r => KeyValuePair.Create(r, (byte)0)), StringComparer.Ordinal));
        var counts = quarantinedRules.GroupBy(r => r, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.LongCount(), StringComparer.Ordinal);
        foreach (var rule in counts.Keys)
        {
            seen.TryAdd(rule, 0);
        }

        foreach (var rule in seen.Keys)
        {
            QuarantinedRows.Record(counts.GetValueOrDefault(rule), providerTag, new KeyValuePair<string, object?>("rule", rule));
        }
    }

    public static void RecordPublished(string provider, string eventType) =>
        EventsPublished.Add(1, new KeyValuePair<string, object?>("provider", provider), new KeyValuePair<string, object?>("event", eventType));

    public static void RecordConsumed(string provider, string eventType) =>
        EventsConsumed.Add(1, new KeyValuePair<string, object?>("provider", provider), new KeyValuePair<string, object?>("event", eventType));

    public static void RecordQuote(string operation, TimeSpan duration, string outcome) =>
        QuoteDuration.Record(duration.TotalSeconds, new KeyValuePair<string, object?>("operation", operation), new KeyValuePair<string, object?>("outcome", outcome));

    public static void RecordCacheRequest(string result) =>
        QuoteCacheRequests.Add(1, new KeyValuePair<string, object?>("result", result));

    /// <summary>Starts the span of one provider scrape; MassTransit's publish spans (and so the consumers') become its children.</summary>
    public static Activity? StartScrape(string provider)
    {
        var activity = ActivitySource.StartActivity($"scrape {provider}", ActivityKind.Internal);
        activity?.SetTag("pricing.provider", provider);
        return activity;
    }

    /// <summary>Starts a quote span linked to the traces that delivered the catalog versions it uses (see <see cref="CatalogTraceLinks"/>).</summary>
    public static Activity? StartQuote(string operation, IEnumerable<ActivityLink> links) =>
        ActivitySource.HasListeners() ? ActivitySource.StartActivity(ActivityKind.Internal, links: links, name: operation) : null;
}
