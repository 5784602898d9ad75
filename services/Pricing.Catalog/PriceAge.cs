using System.Globalization;

namespace Pricing.Catalog;

/// <summary>How old a price is, in words a person reads at a glance: "40 minutes old", "1 day old", "12 days old".</summary>
public static class PriceAge
{
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
