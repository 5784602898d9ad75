namespace Pricing.Quoting;

/// <summary>The engine's rounding: whole instances past floating-point noise, money to the cent.</summary>
internal static class QuoteRounding
{
    /// <summary>Whole-instance rounding tolerates floating-point noise: 18 × (double)(1/6) is 3.0000000000000004.</summary>
    public const double Slack = 1e-9;

    /// <summary><paramref name="hours"/> at <paramref name="rate"/>, to the cent (half away from zero).</summary>
    public static decimal Money(double hours, decimal rate) => decimal.Round((decimal)hours * rate, 2, MidpointRounding.AwayFromZero);

    /// <summary>An amount in USD, to the cent (half away from zero).</summary>
    public static decimal MoneyOf(double usd) => decimal.Round((decimal)usd, 2, MidpointRounding.AwayFromZero);
}
