using System.Globalization;
using Pricing.Contracts;
using Pricing.Contracts.V1;
using Spectre.Console;

namespace Pricing.Cli;

/// <summary>
/// The quote's levers as <c>pricing quote</c> prints them (full view): each lever, what it changes, and the changed
/// program's bill total, wall-clock and CO2 against option #1 (Δ), the whole program's Δ, or why it does not apply.
/// </summary>
internal static class LeverTable
{
    public static void Print(IAnsiConsole console, TrainingQuote quote)
    {
        if (quote.Levers.Count == 0)
        {
            return;
        }

        console.MarkupLine(Markup.Escape("Levers (the same program under each, against option #1's bill total, wall-clock and CO2, and its whole program):"));
        var table = new Table().Border(TableBorder.Rounded);
        foreach (var column in new[] { "Lever", "Change", "Top option", "Bill total", "Δ cost", "Δ program", "Δ time", "Δ t CO2" })
        {
            table.AddColumn(column);
        }

        foreach (var lever in quote.Levers)
        {
            if (!lever.Applicable)
            {
                table.AddRow(lever.Name, Markup.Escape(Short(lever.Change)), Markup.Escape(lever.Reason), QuoteCommand.Absent, QuoteCommand.Absent, QuoteCommand.Absent, QuoteCommand.Absent, QuoteCommand.Absent);
                continue;
            }

            table.AddRow(
                lever.Name,
                Markup.Escape(Short(lever.Change)),
                Markup.Escape($"{lever.Provider} {lever.Region} {lever.AcceleratorId} {lever.PricingModel}, {lever.Accelerators:N0} accelerators{(lever.Obtainable ? "" : " (not obtainable)")}"),
                "$" + lever.BillTotal.ToDecimal().ToString("N0", CultureInfo.InvariantCulture),
                Signed(lever.DeltaCost.ToDecimal()),
                lever.DeltaProgramCost is null ? QuoteCommand.Absent : Signed(lever.DeltaProgramCost.ToDecimal()),
                (lever.DeltaHours >= 0 ? "+" : "-") + QuoteCommand.Duration(Math.Abs(lever.DeltaHours)),
                (lever.DeltaCo2Kg / 1000).ToString("+0.0;-0.0;0.0", CultureInfo.InvariantCulture));
        }

        console.Write(table);
    }

    private static string Signed(decimal amount) =>
        (amount >= 0 ? "+$" : "-$") + Math.Abs(amount).ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>A change's text up to its source in brackets: the table stays readable; --json has it whole.</summary>
    private static string Short(string change)
    {
        var bracket = change.IndexOf(" (", StringComparison.Ordinal);
        return bracket > 0 && change.Length > 60 ? change[..bracket] : change;
    }
}
