using Pricing.Contracts.V1;

namespace Pricing.Contracts;

/// <summary>Exact conversion between decimal prices and the proto <see cref="Money"/> (units + nanos).</summary>
public static class MoneyConversions
{
    private const decimal NanosPerUnit = 1_000_000_000m;

    public static Money ToMoney(this decimal amount, string currency = "USD")
    {
        // Money carries 9 decimal places; round half away from zero beyond that (provider prices have at most 6-8).
        var rounded = decimal.Round(amount, 9, MidpointRounding.AwayFromZero);
        var units = decimal.Truncate(rounded);
        var nanos = (rounded - units) * NanosPerUnit;
        return new Money { CurrencyCode = currency, Units = (long)units, Nanos = (int)nanos };
    }

    public static decimal ToDecimal(this Money money) => money.Units + money.Nanos / NanosPerUnit;
}
