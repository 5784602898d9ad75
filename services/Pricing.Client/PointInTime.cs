using System.Globalization;
using System.Text.RegularExpressions;

namespace Pricing.Client;

/// <summary>
/// A point in time as a person writes it: an ISO 8601 date or date-time (UTC unless it carries an offset), or an age
/// before now such as 30m, 36h, 7d or 2w. The CLI's <c>--as-of</c>, <c>--since</c> and the Dashboard's form read it here.
/// </summary>
public static partial class PointInTime
{
    public const string Forms = "an ISO 8601 time (2026-11-28 or 2026-11-28T09:30:00Z) or an age (30m, 36h, 7d, 2w)";

    public static bool TryParse(string? text, DateTimeOffset now, out DateTimeOffset time)
    {
        time = default;
        if (string.IsNullOrWhiteSpace(text) || text.Length > NumberText.MaxLength)
        {
            return false;
        }

        if (TryParseAge(text, out var age))
        {
            time = age == TimeSpan.MaxValue || now - DateTimeOffset.MinValue < age ? DateTimeOffset.MinValue : now - age;
            return true;
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out time);
    }

    /// <summary>A duration such as 30m, 36h, 7d or 2w (also 90s, 1.5h); more than a TimeSpan holds is <see cref="TimeSpan.MaxValue"/>.</summary>
    public static bool TryParseAge(string? text, out TimeSpan age)
    {
        age = default;
        var match = text is null ? Match.Empty : AgePattern().Match(text);
        if (!match.Success)
        {
            return false;
        }

        var amount = double.Parse(match.Groups["n"].Value, CultureInfo.InvariantCulture);
        try
        {
            age = match.Groups["unit"].Value switch
            {
                "s" => TimeSpan.FromSeconds(amount),
                "m" => TimeSpan.FromMinutes(amount),
                "h" => TimeSpan.FromHours(amount),
                "d" => TimeSpan.FromDays(amount),
                _ => TimeSpan.FromDays(amount * 7),
            };
        }
        catch (OverflowException)
        {
            age = TimeSpan.MaxValue; // more digits than TimeSpan holds: longer than any bound the caller checks
        }

        return true;
    }

    [GeneratedRegex(@"^(?<n>\d+(\.\d+)?)(?<unit>[smhdw])$", RegexOptions.CultureInvariant)]
    private static partial Regex AgePattern();
}
