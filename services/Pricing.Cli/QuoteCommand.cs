using System.Globalization;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Pricing.Contracts;
using Pricing.Contracts.V1;
using Pricing.ServiceDefaults;
using Pricing.Standalone;
using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace Pricing.Cli;

public static class QuoteCommand
{
    public static async Task<int> RunAsync(QuoteArguments arguments, TextWriter output, CancellationToken cancellationToken, string? token = null)
    {
        if (arguments.Server is not null)
        {
            using var channel = ServerChannel.Open(arguments.Server, token);
            return Print(await new TrainingQuotes.TrainingQuotesClient(channel).QuoteTrainingRunAsync(arguments.Request, cancellationToken: cancellationToken), arguments, output);
        }

        // Embedded: the whole system in this process on a loopback port, asked over the same gRPC API.
        await using var app = StandaloneHost.Build([], b =>
        {
            b.UseFreeLoopbackPort();
            b.Logging.SetMinimumLevel(LogLevel.Warning);
        });
        await app.StartAsync(cancellationToken);
        await app.WaitForAllCatalogsAsync(TimeSpan.FromSeconds(60), cancellationToken);
        using (var channel = GrpcChannel.ForAddress(app.BoundAddress()))
        {
            var quote = await QuoteWhenReadyAsync(new TrainingQuotes.TrainingQuotesClient(channel), arguments.Request, cancellationToken);
            var code = Print(quote, arguments, output);
            await app.StopAsync(cancellationToken);
            return code;
        }
    }

    /// <summary>The embedded catalogs load in the background at start; wait for them rather than fail.</summary>
    private static async Task<TrainingQuote> QuoteWhenReadyAsync(TrainingQuotes.TrainingQuotesClient client, QuoteTrainingRunRequest request, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                return await client.QuoteTrainingRunAsync(request, cancellationToken: cancellationToken);
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.Unavailable && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100, cancellationToken);
            }
        }
    }

    public static IEnumerable<string> Violations(RpcException ex)
    {
        var badRequest = ex.GetRpcStatus()?.GetDetail<Google.Rpc.BadRequest>();
        return badRequest is null ? [ex.Status.Detail] : badRequest.FieldViolations.Select(v => $"{v.Field}: {v.Description}");
    }

    private static int Print(TrainingQuote quote, QuoteArguments arguments, TextWriter output)
    {
        if (arguments.Json)
        {
            output.WriteLine(new JsonFormatter(JsonFormatter.Settings.Default.WithFormatDefaultValues(true)).Format(quote));
            return 0;
        }

        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output) });
        if (Console.IsOutputRedirected)
        {
            // Piped output has no terminal width; the default 80 columns would wrap every row.
            console.Profile.Width = 200;
        }

        var r = arguments.Request;
        console.MarkupLine(Markup.Escape($"Training run: {r.Parameters:G3} parameters{(r.ActiveParameters > 0 ? $" ({r.ActiveParameters:G3} active)" : "")}, "
            + $"{quote.Tokens:G3} tokens{(quote.ChinchillaTokens ? " (Chinchilla, 20 per parameter)" : "")}, {quote.Precision}"));
        console.MarkupLine(Markup.Escape($"Total compute: {quote.TotalFlops:G4} FLOPs (6·N·D {quote.DenseFlops:G4}"
            + (quote.AttentionFlops > 0 ? $" + attention {quote.AttentionFlops:G4})" : ")") + $"; model state {quote.ModelStateBytes / 1e9:N0} GB"));
        foreach (var a in quote.Assumptions)
        {
            console.MarkupLine(Markup.Escape($"  {a.AcceleratorId}: dense peak {a.PeakFlops / 1e12:G4} TFLOP/s, MFU {a.Mfu:P0} ({a.MfuLow:P0}-{a.MfuHigh:P0}), goodput {a.Goodput:P0}, "
                + $"min {a.MinAcceleratorsForMemory} for memory (MFU source: {a.MfuSource})"));
        }

        var table = new Table().Border(TableBorder.Rounded);
        foreach (var column in new[] { "#", "Provider", "Region", "Instance", "Accelerator", "Pricing", "$/acc-h", "Acc-hours", "Instances", "Wall-clock", "Total cost", "Range", "MWh", "t CO2" })
        {
            table.AddColumn(column);
        }

        foreach (var o in quote.Options)
        {
            table.AddRow(
                o.Rank.ToString(CultureInfo.InvariantCulture), o.Provider, o.Region, Markup.Escape(o.InstanceType), o.AcceleratorId, o.PricingModel,
                o.PricePerAcceleratorHour.ToDecimal().ToString("0.0000", CultureInfo.InvariantCulture),
                o.AcceleratorHours.ToString("N0", CultureInfo.InvariantCulture),
                o.Instances.ToString(CultureInfo.InvariantCulture),
                Duration(o.WallClockHours),
                "$" + o.TotalCost.ToDecimal().ToString("N0", CultureInfo.InvariantCulture),
                $"${Short(o.TotalCostLow.ToDecimal())}-{Short(o.TotalCostHigh.ToDecimal())}",
                (o.EnergyKwh / 1000).ToString("N1", CultureInfo.InvariantCulture),
                (o.Co2Kg / 1000).ToString("N1", CultureInfo.InvariantCulture));
        }

        console.Write(table);
        if (quote.Options.Count > 0)
        {
            PrintPlan(console, quote.Options[0]);
        }

        if (quote.OptionsExcluded > 0)
        {
            console.MarkupLine(Markup.Escape($"{quote.OptionsExcluded} offers excluded, e.g.:"));
            foreach (var reason in quote.Excluded.GroupBy(e => e.Reason).Take(5))
            {
                console.MarkupLine(Markup.Escape($"  {reason.First().AcceleratorId}: {reason.Key}"));
            }
        }

        foreach (var c in quote.CatalogVersions)
        {
            console.MarkupLine(Markup.Escape($"Prices: {c.Provider} catalog v{c.Version}, as of {c.AsOf.ToDateTimeOffset():yyyy-MM-dd} ({Pricing.Catalog.PriceAge.Describe(TimeSpan.FromSeconds(c.AgeSeconds))})"));
        }

        foreach (var warning in quote.Warnings)
        {
            console.MarkupLine($"[yellow]warning[/]: {Markup.Escape(warning)}");
        }

        return quote.Options.Count > 0 ? 0 : 1;
    }

    /// <summary>The best option as a plan: its fabric, the MFU and goodput behind its hours, how it is billed, and the whole bill.</summary>
    private static void PrintPlan(IAnsiConsole console, QuoteOption o)
    {
        var f = o.Fabric;
        console.MarkupLine(Markup.Escape($"Plan #1: {o.Instances} × {o.InstanceType} ({o.Accelerators} accelerators, {o.ClusterBasis.Replace('_', ' ')}), "
            + $"largest useful cluster {o.LargestUsefulAccelerators:N0}"));
        if (f is not null)
        {
            console.MarkupLine(Markup.Escape($"  fabric: {(f.Known ? f.FormFactor + ", " : "")}{f.ScaleOutFabric}{(f.ScaleOutGbps > 0 ? $" {f.ScaleOutGbps:N0} Gbps" : "")}"
                + $"{(f.TrainingGrade ? " (training-grade)" : "")}, scale-up domain {f.ScaleUpDomain} ({f.ScaleUpFabric}); {f.ScaleOutDetail}"));
        }

        if (o.Mfu is { } m)
        {
            console.MarkupLine(Markup.Escape($"  MFU {m.Mfu:P1} = reference {m.BaseMfu:P1} × model size {m.ModelSizeFactor:G3} × MoE {m.MoeFactor:G3} × scale {m.ScaleFactor:G3} × fabric {m.FabricFactor:G3}"));
        }

        if (o.Goodput is { } g)
        {
            console.MarkupLine(Markup.Escape($"  goodput {g.Goodput:P1}: checkpoint stalls {g.CheckpointStall:P1}, failures {g.FailureLoss:P1}, preemptions {g.PreemptionLoss:P1} "
                + $"({g.InterruptionsPerDay:G2} interruptions/day, {g.PreemptionsPerDay:G2} preemptions/day, checkpoint every {g.CheckpointIntervalHours * 60:N0} min)"));
        }

        if (o.Commitment is { } c)
        {
            console.MarkupLine(Markup.Escape($"  commitment: {c.Terms} × {c.TermHours / 8760:G}-year term, {c.BilledHoursPerInstance:N0} h billed per instance, "
                + $"{c.TermShareUsed:P0} of the term used{(c.CapacityReused ? " (capacity reused after the run: only the run's hours billed)" : "")}, {c.PaymentOption.Replace('_', ' ')}"));
        }

        console.MarkupLine(Markup.Escape($"  energy: {o.WattsPerAccelerator:N0} W per accelerator × load {o.LoadFactor:G2} × PUE {o.Pue:G3}{(o.PowerEstimated ? " (estimated)" : "")}; {o.PowerSource}"));
        foreach (var line in o.Bill)
        {
            console.MarkupLine(Markup.Escape($"  {(line.Optional ? "(optional) " : "")}{line.Name.Replace('_', ' ')}: ${line.Amount.ToDecimal():N0}  {line.Detail}"));
        }

        console.MarkupLine(Markup.Escape($"  bill total ${o.BillTotal.ToDecimal():N0}; with optional lines ${o.BillTotalWithOptional.ToDecimal():N0}"));
    }

    internal static string Short(decimal amount) => amount switch
    {
        >= 1_000_000m => (amount / 1_000_000m).ToString("0.#", CultureInfo.InvariantCulture) + "M",
        >= 1_000m => (amount / 1_000m).ToString("0.#", CultureInfo.InvariantCulture) + "k",
        _ => amount.ToString("0", CultureInfo.InvariantCulture),
    };

    internal static string Duration(double hours) => hours switch
    {
        < 48 => $"{hours:F1} h",
        < 24 * 365 => $"{hours / 24:F1} days",
        _ => $"{hours / 24 / 365:F1} years",
    };
}
