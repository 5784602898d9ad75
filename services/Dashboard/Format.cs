using System.Globalization;
using Pricing.Contracts;
using Pricing.Contracts.V1;

namespace Dashboard;

/// <summary>How the pages print numbers, prices and ages (invariant culture, USD).</summary>
public static class Format
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static decimal ToDecimal(Money money) => money.ToDecimal();

    /// <summary>A price per hour: at least 2 and up to 4 decimals ("$98.32", "$0.0312").</summary>
    public static string Price(decimal value) => value == 0 ? "$0" : "$" + value.ToString(value < 1m ? "0.0000##" : "#,0.00##", Invariant);

    public static string Price(Money? money) => money is null ? "—" : Price(money.ToDecimal());

    /// <summary>Machine-readable price for data attributes (no grouping, full precision).</summary>
    public static string Raw(Money? money) => money is null ? "" : money.ToDecimal().ToString(Invariant);

    public static string Raw(decimal value) => value.ToString(Invariant);

    public static string Raw(double value) => value.ToString("R", Invariant);

    /// <summary>A whole-run cost: "$1,234,567".</summary>
    public static string Cost(Money? money) => money is null ? "—" : "$" + money.ToDecimal().ToString("#,0", Invariant);

    public static string Number(double value, string format = "#,0.##") => value.ToString(format, Invariant);

    /// <summary>Big counts the way people say them: 7.0e10 → "70 B", 1.4e12 → "1.4 T".</summary>
    public static string Scaled(double value)
    {
        var abs = Math.Abs(value);
        return abs switch
        {
            >= 1e21 => value.ToString("0.###e0", Invariant),
            >= 1e18 => (value / 1e18).ToString("0.##", Invariant) + " E",
            >= 1e15 => (value / 1e15).ToString("0.##", Invariant) + " P",
            >= 1e12 => (value / 1e12).ToString("0.##", Invariant) + " T",
            >= 1e9 => (value / 1e9).ToString("0.##", Invariant) + " B",
            >= 1e6 => (value / 1e6).ToString("0.##", Invariant) + " M",
            >= 1e3 => (value / 1e3).ToString("0.##", Invariant) + " k",
            _ => value.ToString("0.##", Invariant),
        };
    }

    /// <summary>A quantity with its unit and a metric prefix: (1.12e12, "B") → "1.12 TB"; past exa, scientific: "5.88e23 FLOP".</summary>
    public static string Scaled(double value, string unit)
    {
        var scaled = Scaled(value);
        return scaled.Contains('e', StringComparison.Ordinal) || !scaled.Contains(' ', StringComparison.Ordinal) ? $"{scaled} {unit}" : scaled + unit;
    }

    public static string Hours(double hours) => hours switch
    {
        >= 48 => (hours / 24).ToString("#,0.#", Invariant) + " days",
        >= 1 => hours.ToString("#,0.#", Invariant) + " h",
        _ => (hours * 60).ToString("0", Invariant) + " min",
    };

    /// <summary>An age: "45 s", "12 min", "3.5 h", "41 days".</summary>
    public static string Age(TimeSpan age) => age.TotalSeconds switch
    {
        < 0 => "0 s",
        < 90 => age.TotalSeconds.ToString("0", Invariant) + " s",
        < 5400 => age.TotalMinutes.ToString("0", Invariant) + " min",
        < 172_800 => age.TotalHours.ToString("0.#", Invariant) + " h",
        _ => age.TotalDays.ToString("#,0", Invariant) + " days",
    };

    public static string Age(long seconds) => Age(TimeSpan.FromSeconds(seconds));

    public static string Time(Google.Protobuf.WellKnownTypes.Timestamp? timestamp) =>
        timestamp is null ? "—" : Time(timestamp.ToDateTimeOffset());

    public static string Time(DateTimeOffset value) => value.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", Invariant);

    public static string Iso(DateTimeOffset value) => value.UtcDateTime.ToString("O", Invariant);

    /// <summary>Pricing-model names for people: "on_demand" → "On-demand", "committed_1y" → "1-year commitment".</summary>
    public static string Model(string model) => model switch
    {
        "on_demand" => "On-demand",
        "spot" => "Spot",
        "committed_1y" => "1-year commitment",
        "committed_3y" => "3-year commitment",
        _ => model.Replace('_', ' '),
    };
}
