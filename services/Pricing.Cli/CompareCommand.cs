using System.CommandLine;
using System.Globalization;
using Pricing.Contracts;
using Pricing.Contracts.V1;
using Spectre.Console;

namespace Pricing.Cli;

/// <summary>What <c>pricing compare</c> was asked: quote's training-run spec, answered per accelerator type.</summary>
public sealed record CompareArguments(QuoteTrainingRunRequest Request, bool Json, string? Server)
{
    public static CompareArguments Parse(IReadOnlyList<string> args) => Cli.Parse<CompareCommand, CompareArguments>(args);
}

/// <summary>
/// <c>pricing compare --params N --tokens N [the training-run flags of quote] [--json] [--server URL]</c>: the cheapest
/// option of every accelerator type. Its spec flags are quote's, defined once in <see cref="TrainingRunOptions"/>.
/// </summary>
public sealed class CompareCommand : Command, IVerb<CompareArguments>
{
    private readonly TrainingRunOptions _spec = new();
    private readonly Option<Pricing.Contracts.V1.QuoteView> _view = CliOptions.View();
    private readonly Option<bool> _json = CliOptions.Json("print the AcceleratorComparison as proto JSON");
    private readonly Option<string?> _server = CliOptions.Server("ask a running Quotes service instead of running embedded");
    private readonly Option<string?> _token = CliOptions.Token();

    // Not a compare flag: named only to say why (compare always shows one option per accelerator).
    private readonly Option<string?> _top = new("--top") { Hidden = true };

    public CompareCommand()
        : base("compare", "the best option of every accelerator type for a training run")
    {
        _spec.AddTo(this);
        Options.Add(_json);
        Options.Add(_view);
        Options.Add(_server);
        Options.Add(_token);
        Options.Add(_top);
        this.AddRule(result =>
        {
            if (result.GetResult(_top) is not null)
            {
                result.AddError("--top does not apply to compare: it shows the best option of every accelerator type.");
            }
        });
        SetAction((result, cancellationToken) => RunAsync(Bind(result), result.InvocationConfiguration.Output, cancellationToken, result.GetValue(_token)));
    }

    public string Details => """
        The cheapest option of every accelerator type that can run the training, ranked, and why the others
        cannot. Takes the training-run flags of pricing quote.
        Exit codes: 0 at least one accelerator can run it, 1 none can (or the server failed), 2 bad arguments.
        """;

    public CompareArguments Bind(ParseResult result)
    {
        var request = _spec.ToRequest(result);
        request.MaxOptions = 0;
        request.View = result.GetValue(_view);
        return new CompareArguments(request, result.GetValue(_json), result.GetValue(_server));
    }

    public static async Task<int> RunAsync(CompareArguments arguments, TextWriter output, CancellationToken cancellationToken, string? token = null) =>
        Print(await EmbeddedServer.AskAsync(arguments.Server, token, channel => new TrainingQuotes.TrainingQuotesClient(channel).CompareAcceleratorsAsync(arguments.Request, cancellationToken: cancellationToken).ResponseAsync, cancellationToken), arguments, output);

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

        if (comparison.PricesAsOf is { } pricesAsOf)
        {
            console.MarkupLine(Markup.Escape($"Priced as of {ChangeFormat.Time(pricesAsOf)} (catalogs rebuilt from the change history):"));
        }

        foreach (var v in comparison.CatalogVersions)
        {
            console.MarkupLine(Markup.Escape(QuoteCommand.PricesLine(v)));
        }

        foreach (var warning in comparison.Warnings)
        {
            console.MarkupLine($"[yellow]warning[/]: {Markup.Escape(warning)}");
        }

        return runnable ? 0 : 1;
    }
}
