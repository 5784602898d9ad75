using System.Globalization;
using Grpc.Net.Client;
using Pricing.Contracts;
using Pricing.Contracts.V1;
using Spectre.Console;

namespace Pricing.Cli;

public static class CompareCommand
{
    public static async Task<int> RunAsync(CompareArguments arguments, TextWriter output, CancellationToken cancellationToken, string? token = null)
    {
        if (arguments.Server is not null)
        {
            using var channel = ServerChannel.Open(arguments.Server, token);
            return Print(await new TrainingQuotes.TrainingQuotesClient(channel).CompareAcceleratorsAsync(arguments.Request, cancellationToken: cancellationToken), arguments, output);
        }

        await using var embedded = await EmbeddedServer.StartAsync(cancellationToken);
        using var embeddedChannel = GrpcChannel.ForAddress(embedded.Address);
        var client = new TrainingQuotes.TrainingQuotesClient(embeddedChannel);
        var comparison = await EmbeddedServer.WhenReadyAsync(() => client.CompareAcceleratorsAsync(arguments.Request, cancellationToken: cancellationToken).ResponseAsync, cancellationToken);
        return Print(comparison, arguments, output);
    }

    /// <summary>0 when at least one accelerator type can run the training, else 1 (as for quote).</summary>
    private static int Print(AcceleratorComparison comparison, CompareArguments arguments, TextWriter output)
    {
        var runnable = comparison.Choices.Any(c => c.Best is not null);
        if (arguments.Json)
        {
            output.WriteLine(ChangeFormat.Json.Format(comparison));
            return runnable ? 0 : 1;
        }

        var console = ChangeFormat.Console(output);
        var r = arguments.Request;
        console.MarkupLine(Markup.Escape($"Training run: {r.Parameters:G3} parameters{(r.ActiveParameters > 0 ? $" ({r.ActiveParameters:G3} active)" : "")}, "
            + $"{comparison.Tokens:G3} tokens; total compute {comparison.TotalFlops:G4} FLOPs. Best option per accelerator type:"));
        var table = new Table().Border(TableBorder.Rounded);
        foreach (var column in new[] { "#", "Accelerator", "Provider", "Region", "Instance", "Pricing", "$/acc-h", "Accelerators", "Wall-clock", "Total cost", "Range", "MFU", "Offers" })
        {
            table.AddColumn(column);
        }

        var rank = 0;
        foreach (var c in comparison.Choices.Where(c => c.Best is not null))
        {
            var o = c.Best;
            table.AddRow(
                (++rank).ToString(CultureInfo.InvariantCulture), Markup.Escape(c.AcceleratorId), Markup.Escape(o.Provider), Markup.Escape(o.Region),
                Markup.Escape(o.InstanceType), Markup.Escape(o.PricingModel),
                o.PricePerAcceleratorHour.ToDecimal().ToString("0.0000", CultureInfo.InvariantCulture),
                o.Accelerators.ToString(CultureInfo.InvariantCulture),
                QuoteCommand.Duration(o.WallClockHours),
                "$" + o.TotalCost.ToDecimal().ToString("N0", CultureInfo.InvariantCulture),
                $"${QuoteCommand.Short(o.TotalCostLow.ToDecimal())}-{QuoteCommand.Short(o.TotalCostHigh.ToDecimal())}",
                c.Assumptions is null ? "-" : c.Assumptions.Mfu.ToString("P0", CultureInfo.InvariantCulture),
                c.OptionsConsidered.ToString(CultureInfo.InvariantCulture));
        }

        console.Write(table);
        foreach (var c in comparison.Choices.Where(c => c.Best is null))
        {
            console.MarkupLine(Markup.Escape($"  {c.AcceleratorId}: no option ({c.ExcludedReason})"));
        }

        foreach (var v in comparison.CatalogVersions)
        {
            console.MarkupLine(Markup.Escape($"Prices: {v.Provider} catalog v{v.Version}, as of {v.AsOf.ToDateTimeOffset():yyyy-MM-dd} ({Pricing.Catalog.PriceAge.Describe(TimeSpan.FromSeconds(v.AgeSeconds))})"));
        }

        foreach (var warning in comparison.Warnings)
        {
            console.MarkupLine($"[yellow]warning[/]: {Markup.Escape(warning)}");
        }

        return runnable ? 0 : 1;
    }
}
