namespace Pricing.Sources;

public sealed class ScrapeOptions
{
    public const string Section = "Scrape";

    /// <summary>Time between scrapes. Provider price lists change at most a few times a day.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// A scrape with fewer offers than this fraction of the last good one is treated as partial:
    /// nothing is published and the last good catalog stays, marked stale.
    /// </summary>
    public double MinOfferRatio { get; set; } = 0.8;

    /// <summary>A whole scrape (every page) that takes longer than this fails, keeping the last good catalog.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>
    /// Changes of one version in flight to the broker at once (each awaiting its publisher confirm). The default holds a
    /// whole version of a typical provider (hundreds to a thousand offers change at once), so a version is one burst of
    /// publishes and one burst of confirms.
    /// </summary>
    public int PublishWindow { get; set; } = 1024;

    /// <summary>
    /// Changes per part of a version's <c>CatalogVersionChanges</c>, never more than <see cref="PublishWindow"/> (nor
    /// <c>PriceEventRules.MaxChangesPerPart</c>). Parts go out in order, each confirmed before the next, and Quotes passes
    /// each to its watchers as it arrives, so a large version's first changes reach them while its last are still on
    /// the way: parts of 256 took a lone 1,000-change version's median from 47 to 27 ms (docs/benchmarks.md).
    /// </summary>
    public int VersionPartSize { get; set; } = 256;

    /// <summary>What a part holds: <see cref="VersionPartSize"/>, within <see cref="PublishWindow"/> and <paramref name="max"/>.</summary>
    public int PartSize(int max) => Math.Clamp(Math.Min(VersionPartSize, PublishWindow), 1, max);

    /// <summary>
    /// Publish each version's per-change <c>AcceleratorPriceChanged</c> messages and its <c>CatalogPublished</c> for topic
    /// subscribers (docs/events.md), after its <c>CatalogVersionChanges</c>. The contract: on by default. Off only where
    /// nothing binds <c>pricing.price-changes</c> or <c>pricing.catalog-published</c> (Quotes takes whole versions), to
    /// save the broker and the provider one message per change; the propagation benchmark measures with it off too.
    /// </summary>
    public bool PublishChangesForSubscribers { get; set; } = true;

    /// <summary>
    /// How long after a version's parts are confirmed its per-change messages for topic subscribers may start (Quotes
    /// first): the broker routes each of those on its own (~30 µs of its CPU a change), and a version's thousand of them,
    /// published the moment its last part is confirmed, delayed that part on its way to Quotes' watchers by as much again.
    /// Versions still follow one another in order; a later version's wait overlaps the one before it, so the chain is
    /// never slowed by more than this once. Zero publishes at once.
    /// </summary>
    public TimeSpan SubscriberPublishDelay { get; set; } = TimeSpan.FromMilliseconds(25);

    /// <summary>
    /// Who writes the per-change messages on RabbitMQ: <c>RabbitMQ</c> (RabbitMQ.Client, <c>RabbitSubscriberChangePublisher</c>)
    /// or <c>MassTransit</c> (its publish pipeline). Either way the version parts go through RabbitMQ.Client, on a
    /// connection of their own.
    /// </summary>
    public string SubscriberPublisher { get; set; } = "RabbitMQ";

    /// <summary>True when <see cref="SubscriberPublisher"/> asks for MassTransit's publish pipeline.</summary>
    public bool PerChangeViaMassTransit => string.Equals(SubscriberPublisher, "MassTransit", StringComparison.OrdinalIgnoreCase);

    /// <summary>How long one publish may wait for the broker's confirm before it counts as failed and is sent again.</summary>
    public TimeSpan PublishTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>First wait before republishing after the broker refused or lost a publish; doubles up to the maximum.</summary>
    public TimeSpan PublishRetryMinDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan PublishRetryMaxDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Where each provider's last good catalog size is kept (<see cref="ScrapeState"/>), so the partial-scrape guard
    /// survives a restart. Unset: kept in memory only (tests, the embedded default); the deployables set it.
    /// </summary>
    public string? StateDirectory { get; set; }

    /// <summary>
    /// On-demand scrapes (<c>POST /admin/scrape</c>) of one provider start at most this often; a request while one runs
    /// joins it, one sooner after it gets 429 with Retry-After.
    /// </summary>
    public TimeSpan OnDemandMinInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a requested scrape (<see cref="ScrapeTrigger"/>, e.g. from a provider's change notifications) waits for
    /// the rest of its burst: every request inside the window joins one scrape of the union of their regions.
    /// </summary>
    public TimeSpan TriggerCoalesceWindow { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Set false to scrape only on demand (tests, or an operator-driven deployment).</summary>
    public bool RunOnSchedule { get; set; } = true;

    /// <summary>
    /// The version of this process's first committed catalog: a number, or <see cref="ClockVersions"/> for the Unix
    /// time in seconds at start. Versions must only grow across restarts of a provider, because consumers drop a
    /// version they have already passed and deduplicate history by (provider, version, offer); the deployable
    /// provider services use the clock. "1" suits a process whose consumers restart with it (the embedded default
    /// without Redis) and tests.
    /// </summary>
    public string FirstVersion { get; set; } = "1";

    public const string ClockVersions = "clock";

    /// <summary>
    /// <see cref="FirstVersion"/> as a number. The clock keeps versions growing across restarts as long as the
    /// process committed fewer versions than seconds it ran (scrapes run hourly).
    /// </summary>
    public long ResolveFirstVersion(TimeProvider time)
    {
        if (string.Equals(FirstVersion, ClockVersions, StringComparison.OrdinalIgnoreCase))
        {
            return time.GetUtcNow().ToUnixTimeSeconds();
        }

        return long.TryParse(FirstVersion, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var version) && version >= 1
            ? version
            : throw new InvalidOperationException($"{Section}:FirstVersion is '{FirstVersion}'; use a whole number of at least 1 or '{ClockVersions}'.");
    }
}
