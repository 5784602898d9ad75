using System.Globalization;
using System.Text.RegularExpressions;

namespace Pricing.Cli;

/// <summary>Flag parsing shared by <c>watch</c>, <c>history</c> and <c>compare</c>: every failure is an <see cref="ArgumentException"/> naming the flag.</summary>
internal static partial class Arguments
{
    /// <summary>Walks <c>--flag value</c> pairs; <paramref name="switches"/> are the flags that take no value.</summary>
    public static void Walk(IReadOnlyList<string> args, IReadOnlySet<string> switches, Action<string> onSwitch, Action<string, string> onValue)
    {
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            if (!name.StartsWith("--", StringComparison.Ordinal))
            {
                throw new ArgumentException($"Unexpected argument '{name}' (options start with --).");
            }

            if (switches.Contains(name))
            {
                onSwitch(name);
                continue;
            }

            if (i + 1 >= args.Count || (args[i + 1].StartsWith("--", StringComparison.Ordinal) && args[i + 1].Length > 2))
            {
                throw new ArgumentException($"{name} needs a value.");
            }

            onValue(name, args[++i]);
        }
    }

    public static string Word(string name, string value) =>
        !string.IsNullOrWhiteSpace(value) && !value.Any(char.IsWhiteSpace)
            ? value
            : throw new ArgumentException($"{name} '{value}' must be a single non-empty word.");

    /// <summary>A whole number in [min, max].</summary>
    public static long Integer(string name, string value, long min, long max) =>
        long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max
            ? n
            : throw new ArgumentException($"{name} '{value}' is not a whole number between {min} and {max}.");

    /// <summary>An http(s) address of a running Quotes service.</summary>
    public static string Server(string name, string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? value
            : throw new ArgumentException($"{name} '{value}' is not an http:// or https:// address.");

    /// <summary>
    /// A point in time: an ISO 8601 date or date-time (UTC unless it carries an offset), or an age before
    /// <paramref name="now"/> such as 30m, 36h, 7d or 2w.
    /// </summary>
    public static DateTimeOffset Time(string name, string value, DateTimeOffset now)
    {
        if (AgeOf(value) is { } age)
        {
            return now - age;
        }

        return DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time)
            ? time
            : throw new ArgumentException($"{name} '{value}' is neither an ISO 8601 time (2026-11-28 or 2026-11-28T09:30:00Z) nor an age (30m, 36h, 7d, 2w).");
    }

    /// <summary>A duration such as 30m, 36h, 7d or 2w (also 90s, 1.5h).</summary>
    public static TimeSpan Duration(string name, string value) =>
        AgeOf(value) ?? throw new ArgumentException($"{name} '{value}' is not a duration (90s, 30m, 12h, 7d, 2w).");

    private static TimeSpan? AgeOf(string value)
    {
        var age = AgePattern().Match(value);
        if (!age.Success)
        {
            return null;
        }

        var amount = double.Parse(age.Groups["n"].Value, CultureInfo.InvariantCulture);
        try
        {
            return age.Groups["unit"].Value switch
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
            return TimeSpan.MaxValue; // more digits than TimeSpan holds: longer than any bound the caller checks
        }
    }

    /// <summary>"aws=12,gcp=3": provider=version pairs.</summary>
    public static IEnumerable<(string Key, long Value)> Pairs(string name, string value, string example)
    {
        foreach (var pair in List(value))
        {
            var parts = pair.Split('=', 2, StringSplitOptions.TrimEntries);
            if (parts.Length != 2 || parts[0].Length == 0)
            {
                throw new ArgumentException($"{name} '{pair}' is not provider=version (e.g. {example}).");
            }

            yield return (parts[0], Integer($"{name} {parts[0]}", parts[1], 0, long.MaxValue));
        }
    }

    public static IEnumerable<string> List(string value) =>
        value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    [GeneratedRegex(@"^(?<n>\d+(\.\d+)?)(?<unit>[smhdw])$", RegexOptions.CultureInvariant)]
    private static partial Regex AgePattern();
}
