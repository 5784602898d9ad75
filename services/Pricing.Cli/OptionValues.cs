using System.Globalization;
using Pricing.Client;

namespace Pricing.Cli;

/// <summary>
/// How each verb's option values are read (<see cref="CliOptions"/> hands them to System.CommandLine): every failure
/// is an <see cref="ArgumentException"/> naming the flag, which becomes the parse error the user sees (exit 2).
/// </summary>
internal static class OptionValues
{
    public static string Word(string name, string value) =>
        !string.IsNullOrWhiteSpace(value) && !value.Any(char.IsWhiteSpace)
            ? value
            : throw new ArgumentException($"{name} '{value}' must be a single non-empty word.");

    /// <summary>A number as <see cref="NumberText"/> reads it: 70e9, 70B, 1.4T, 16k, 1,024.</summary>
    public static double Number(string name, string value) =>
        NumberText.TryParse(value, out var n)
            ? n
            : throw new ArgumentException($"{name} '{NumberText.Echo(value)}' is not a number ({NumberText.Forms}).");

    /// <summary>A count that may be written as a number (1e3, 16k), whole and within an int.</summary>
    public static int Count(string name, string value) =>
        NumberText.TryParseCount(value, out var n)
            ? n
            : throw new ArgumentException($"{name} '{NumberText.Echo(value)}' is not a whole number between 0 and {int.MaxValue}.");

    /// <summary>"basic" or "full".</summary>
    public static Pricing.Contracts.V1.QuoteView View(string name, string value) => value switch
    {
        "basic" => Pricing.Contracts.V1.QuoteView.Basic,
        "full" => Pricing.Contracts.V1.QuoteView.Full,
        _ => throw new ArgumentException($"{name} '{NumberText.Echo(value)}' is neither basic nor full."),
    };

    /// <summary>Exact decimal (a price must not pick up binary noise on its way to units + nanos).</summary>
    public static decimal Price(string name, string value) =>
        NumberText.TryParseDecimal(value, out var price)
            ? price
            : throw new ArgumentException($"{name} '{NumberText.Echo(value)}' is not a price.");

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

    /// <summary>A point in time as <see cref="PointInTime"/> reads it, counted back from <paramref name="now"/> when an age.</summary>
    public static DateTimeOffset Time(string name, string value, DateTimeOffset now) =>
        PointInTime.TryParse(value, now, out var time)
            ? time
            : throw new ArgumentException($"{name} '{NumberText.Echo(value)}' is not {PointInTime.Forms}.");

    /// <summary>A <see cref="Time"/> checked when parsed and kept as written: an age counts back from when the command binds it.</summary>
    public static string TimeText(string name, string value)
    {
        Time(name, value, DateTimeOffset.UtcNow);
        return value;
    }

    /// <summary>A duration such as 30m, 36h, 7d or 2w (also 90s, 1.5h).</summary>
    public static TimeSpan Duration(string name, string value) =>
        PointInTime.TryParseAge(value, out var age) ? age : throw new ArgumentException($"{name} '{NumberText.Echo(value)}' is not a duration (90s, 30m, 12h, 7d, 2w).");

    /// <summary>"aws=12,gcp=3": provider=version pairs.</summary>
    public static List<(string Key, long Value)> Versions(string name, string value) =>
        Pairs(name, value, "provider=version (e.g. aws=12,gcp=3)", (key, text) => Integer($"{name} {key}", text, 0, long.MaxValue));

    /// <summary>"aws=10,gcp=5": cloud=percent pairs; the server checks the clouds and ranges.</summary>
    public static List<(string Key, double Value)> Percentages(string name, string value) =>
        Pairs(name, value, "cloud=percent (e.g. aws=10)", (_, text) => Number(name, text));

    private static List<(string Key, T Value)> Pairs<T>(string name, string value, string form, Func<string, string, T> parse)
    {
        var pairs = new List<(string, T)>();
        foreach (var pair in List(value))
        {
            var parts = pair.Split('=', 2, StringSplitOptions.TrimEntries);
            if (parts.Length != 2 || parts[0].Length == 0)
            {
                throw new ArgumentException($"{name} '{pair}' is not {form}.");
            }

            pairs.Add((parts[0], parse(parts[0], parts[1])));
        }

        return pairs;
    }

    public static IEnumerable<string> List(string value) =>
        value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
