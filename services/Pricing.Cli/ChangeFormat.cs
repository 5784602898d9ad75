using System.Globalization;
using Google.Protobuf;
using Pricing.Contracts;
using Pricing.Contracts.V1;
using Spectre.Console;

namespace Pricing.Cli;

/// <summary>How <c>watch</c> and <c>history</c> show a price change.</summary>
internal static class ChangeFormat
{
    public static readonly JsonFormatter Json = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(true));

    public static string Kind(PriceChangeKind kind) => kind switch
    {
        PriceChangeKind.Added => "added",
        PriceChangeKind.Changed => "changed",
        PriceChangeKind.Removed => "removed",
        _ => "unspecified",
    };

    public static string Time(Google.Protobuf.WellKnownTypes.Timestamp? time) =>
        time is null ? "-" : time.ToDateTimeOffset().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>"$98.32", "€1.2345"-style amounts: two to four decimals, the currency code when it is not USD.</summary>
    public static string Price(Money? money) => money is null
        ? "-"
        : money.CurrencyCode is "" or "USD"
            ? "$" + money.ToDecimal().ToString("0.00##", CultureInfo.InvariantCulture)
            : money.ToDecimal().ToString("0.00##", CultureInfo.InvariantCulture) + " " + money.CurrencyCode;

    /// <summary>
    /// Per accelerator-hour: the instance price over the offer's accelerators per instance. The offer is carried with
    /// the change except for removals, so a removal shows "-".
    /// </summary>
    public static Money? PerAccelerator(Money? perInstance, AcceleratorPriceChangedEvent change)
    {
        var perInstanceCount = change.Offer?.AcceleratorsPerInstance ?? 0;
        if (perInstance is null || perInstanceCount <= 0)
        {
            return null;
        }

        return (perInstance.ToDecimal() / (decimal)perInstanceCount).ToMoney(perInstance.CurrencyCode is "" ? "USD" : perInstance.CurrencyCode);
    }

    public static string OldToNew(Money? old, Money? @new) => $"{Price(old)} -> {Price(@new)}";

    /// <summary>The offer key's instance (and zone, where the provider prices per zone).</summary>
    public static string Instance(string offerKey) =>
        Pricing.Catalog.OfferKey.TryParse(offerKey, out var key) ? key.InstanceLabel : offerKey;

    /// <summary>One watch line: time, provider, version, kind, routing key + instance, old -> new per instance-hour and per accelerator-hour.</summary>
    public static string Line(PriceChangeNotice notice)
    {
        var c = notice.Change ?? new AcceleratorPriceChangedEvent();
        return string.Join("  ",
            Time(c.ObservedAt),
            c.Provider,
            "v" + c.CatalogVersion.ToString(CultureInfo.InvariantCulture),
            Kind(c.Kind).PadRight(7),
            notice.RoutingKey,
            Instance(c.OfferKey),
            OldToNew(c.OldPricePerInstanceHour, c.NewPricePerInstanceHour) + " /instance-h",
            OldToNew(PerAccelerator(c.OldPricePerInstanceHour, c), PerAccelerator(c.NewPricePerInstanceHour, c)) + " /accelerator-h")
            + (notice.Replayed ? "  (replayed)" : "");
    }

    /// <summary>A Spectre console on <paramref name="output"/>; piped output gets a wide page instead of 80 columns.</summary>
    public static IAnsiConsole Console(TextWriter output)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output) });
        if (System.Console.IsOutputRedirected || output != System.Console.Out)
        {
            console.Profile.Width = 200;
        }

        return console;
    }
}
