using System.Globalization;
using System.Text.RegularExpressions;

namespace Pricing.Client;

/// <summary>
/// The one way the CLI and the Dashboard read a number a person typed: plain or scientific (<c>7e9</c>, <c>1.4e12</c>),
/// thousands separated by commas (<c>1,024</c>, but not <c>1,4e12</c>), or with a scale suffix: k (thousand), M
/// (million), B or G (billion), T (trillion), P (quadrillion), as in <c>70B</c>, <c>1.4T</c>, <c>16k</c>.
/// </summary>
public static partial class NumberText
{
    /// <summary>What the error messages show as the accepted forms.</summary>
    public const string Forms = "e.g. 70e9, 70B, 1.4T, 16k or 1,024";

    /// <summary>Longest input read: a number is short, and anything longer is not one (nor echoed back).</summary>
    public const int MaxLength = 64;

    public static bool TryParse(string? text, out double value)
    {
        value = 0;
        if (Split(text) is not var (number, scale))
        {
            return false;
        }

        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed))
        {
            return false;
        }

        value = parsed * scale;
        return double.IsFinite(value);
    }

    /// <summary>As <see cref="TryParse(string?, out double)"/>, exactly (a price must not pick up binary noise on its way to units + nanos).</summary>
    public static bool TryParseDecimal(string? text, out decimal value)
    {
        value = 0;
        if (Split(text) is not var (number, scale))
        {
            return false;
        }

        if (!decimal.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed))
        {
            return false;
        }

        try
        {
            value = parsed * (decimal)scale;
            return true;
        }
        catch (OverflowException)
        {
            return false;
        }
    }

    /// <summary>A whole number between 0 and <see cref="int.MaxValue"/> (<c>1024</c>, <c>1e3</c>, <c>16k</c>).</summary>
    public static bool TryParseCount(string? text, out int value)
    {
        value = 0;
        if (!TryParse(text, out var n) || n < 0 || n > int.MaxValue || n != Math.Floor(n))
        {
            return false;
        }

        value = (int)n;
        return true;
    }

    /// <summary>The text for an error message: trimmed and cut short, so an error never echoes much of its input.</summary>
    public static string Echo(string? text)
    {
        var t = (text ?? "").Trim();
        return t.Length <= 32 ? t : t[..32] + "…";
    }

    private static (string Number, double Scale)? Split(string? text)
    {
        if (string.IsNullOrWhiteSpace(text) || text.Length > MaxLength)
        {
            return null;
        }

        var match = Pattern().Match(text.Trim());
        if (!match.Success || !match.Groups["mantissa"].Value.Any(char.IsAsciiDigit))
        {
            return null;
        }

        var scale = match.Groups["suffix"].Value switch
        {
            "" => 1.0,
            "k" or "K" => 1e3,
            "M" => 1e6,
            "B" or "b" or "G" => 1e9,
            "T" or "t" => 1e12,
            _ => 1e15,
        };
        return (match.Groups["mantissa"].Value.Replace(",", "", StringComparison.Ordinal) + match.Groups["exponent"].Value, scale);
    }

    [GeneratedRegex(@"^(?<mantissa>[+-]?(\d{1,3}(,\d{3})+|\d*)(\.\d+)?)(?<exponent>[eE][+-]?\d{1,3})?(?<suffix>[kKMBbGTtP])?$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
