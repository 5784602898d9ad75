using System.Globalization;

namespace Pricing.Catalog;

/// <summary>
/// How old a price is, in words a person reads at a glance ("40 minutes old", "1 day old", "12 days old"), and when
/// it counts as stale: older than the one <c>StaleAfter</c> setting (Quotes:StaleAfter, default
/// <see cref="DefaultStaleAfter"/>), for every catalog version a quote, a comparison or an offer listing reports.
/// </summary>
public static class PriceAge
{
    /// <summary>A catalog whose prices are older than this is stale: a week, past any provider's usual price cadence.</summary>
    public static readonly TimeSpan DefaultStaleAfter = TimeSpan.FromDays(7);

    /// <summary>True when a catalog as of <paramref name="asOf"/> is stale at <paramref name="now"/>.</summary>
    public static bool IsStale(DateTimeOffset asOf, DateTimeOffset now, TimeSpan staleAfter) => now - asOf > staleAfter;

    public static string Describe(TimeSpan age)
    {
        if (age < TimeSpan.Zero)
        {
            age = TimeSpan.Zero;
        }

        var (count, unit) = age.TotalHours < 1 ? ((int)age.TotalMinutes, "minute")
            : age.TotalDays < 1 ? ((int)age.TotalHours, "hour")
            : ((int)age.TotalDays, "day");
        return string.Create(CultureInfo.InvariantCulture, $"{count} {unit}{(count == 1 ? "" : "s")} old");
    }
}
