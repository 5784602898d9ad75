using System.CommandLine;
using System.Globalization;
using Grpc.Core;
using Pricing.Client;
using Pricing.Contracts;
using Pricing.Contracts.V1;
using Spectre.Console;

namespace Pricing.Cli;

/// <summary>What <c>pricing quote</c> was asked: the request it sends, whether to print JSON, and where to.</summary>
public sealed record QuoteArguments(QuoteTrainingRunRequest Request, bool Json, string? Server)
{
    public static QuoteArguments Parse(IReadOnlyList<string> args) => Cli.Parse<QuoteCommand, QuoteArguments>(args);
}

/// <summary>
/// <c>pricing quote --params N --tokens N [the training-run flags] [--top N] [--json] [--server URL]</c>: every offer
/// that can run the training, cheapest first, and the best one as a plan. The flags are a contract scripts rely on.
/// </summary>
public sealed class QuoteCommand : Command, IVerb<QuoteArguments>
{
    private readonly TrainingRunOptions _spec = new();
    private readonly Option<int> _top = CliOptions.Value("--top", "N", "options to show", OptionValues.Count);
    private readonly Option<Pricing.Contracts.V1.QuoteView> _view = CliOptions.View();
    private readonly Option<bool> _json = CliOptions.Json("print the quote as proto JSON");
    private readonly Option<string?> _server = CliOptions.Server("ask a running Quotes service instead of running embedded");
    private readonly Option<string?> _token = CliOptions.Token();

    public QuoteCommand()
        : base("quote", "price a training run on every offer that can run it, cheapest first")
    {
        _top.DefaultValueFactory = _ => 10;
        _spec.AddTo(this);
        Options.Add(_top);
        Options.Add(_json);
        Options.Add(_view);
        Options.Add(_server);
        Options.Add(_token);
        SetAction((result, cancellationToken) => RunAsync(Bind(result), result.InvocationConfiguration.Output, cancellationToken, result.GetValue(_token)));
    }

    public string Details => "Exit codes: 0 at least one option, 1 none can run it (or the server failed), 2 bad arguments.";

    public QuoteArguments Bind(ParseResult result)
    {
        var request = _spec.ToRequest(result);
        request.MaxOptions = result.GetValue(_top);
        request.View = result.GetValue(_view);
        return new QuoteArguments(request, result.GetValue(_json), result.GetValue(_server));
    }

    public static async Task<int> RunAsync(QuoteArguments arguments, TextWriter output, CancellationToken cancellationToken, string? token = null) =>
        Print(await EmbeddedServer.AskAsync(arguments.Server, token, channel => new TrainingQuotes.TrainingQuotesClient(channel).QuoteTrainingRunAsync(arguments.Request, cancellationToken: cancellationToken).ResponseAsync, cancellationToken), arguments, output);

    public static IEnumerable<string> Violations(RpcException ex)
    {
        var badRequest = ex.GetRpcStatus()?.GetDetail<Google.Rpc.BadRequest>();
        return badRequest is null ? [ex.Status.Detail] : badRequest.FieldViolations.Select(v => $"{v.Field}: {v.Description}");
    }

    private static int Print(TrainingQuote quote, QuoteArguments arguments, TextWriter output)
    {
        if (arguments.Json)
        {
            output.WriteLine(ChangeFormat.Json.Format(quote));
            return 0;
        }

        var console = ChangeFormat.Console(output);
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
        foreach (var column in new[] { "#", "Provider", "Region", "Instance", "Accelerator", "Pricing", "Capacity", "$/acc-h", "Acc-hours", "Instances", "Wall-clock", "Total cost", "Range", "MWh", "t CO2" })
        {
            table.AddColumn(column);
        }

        foreach (var o in quote.Options)
        {
            table.AddRow(
                o.Rank.ToString(CultureInfo.InvariantCulture), o.Provider, o.Region, Markup.Escape(o.InstanceType), o.AcceleratorId, o.PricingModel,
                CapacityCell(o.Capacity),
                o.PricePerAcceleratorHour.ToDecimal().ToString("0.0000", CultureInfo.InvariantCulture),
                o.AcceleratorHours.ToString("N0", CultureInfo.InvariantCulture),
                o.Instances.ToString(CultureInfo.InvariantCulture),
                Duration(o.WallClockHours),
                "$" + o.TotalCost.ToDecimal().ToString("N0", CultureInfo.InvariantCulture),
                $"${Short(o.TotalCostLow.ToDecimal())}-{Short(o.TotalCostHigh.ToDecimal())}",
                // The basic view leaves energy out: absent, not zero.
                o.EnergyKwh > 0 ? (o.EnergyKwh / 1000).ToString("N1", CultureInfo.InvariantCulture) : Absent,
                o.EnergyKwh > 0 ? (o.Co2Kg / 1000).ToString("N1", CultureInfo.InvariantCulture) : Absent);
        }

        console.Write(table);
        if (quote.Options.Count > 0)
        {
            PrintPlan(output, quote.Options[0]);
        }

        LeverTable.Print(console, quote);

        if (quote.OptionsExcluded > 0)
        {
            console.MarkupLine(Markup.Escape($"{quote.OptionsExcluded} offers excluded, e.g.:"));
            foreach (var excluded in ExcludedReasons.Of(quote).Take(5))
            {
                console.MarkupLine(Markup.Escape($"  {excluded.Reason} ({excluded.Count} offers, e.g. {excluded.Example}{(excluded.ExampleReason.Length > 0 ? ": " + excluded.ExampleReason : "")})"));
            }
        }

        if (quote.PricesAsOf is { } pricesAsOf)
        {
            console.MarkupLine(Markup.Escape($"Priced as of {ChangeFormat.Time(pricesAsOf)} (catalogs rebuilt from the change history):"));
        }

        foreach (var c in quote.CatalogVersions)
        {
            console.MarkupLine(Markup.Escape(PricesLine(c)));
        }

        foreach (var warning in quote.Warnings)
        {
            console.MarkupLine($"[yellow]warning[/]: {Markup.Escape(warning)}");
        }

        return quote.Options.Count > 0 ? 0 : 1;
    }

    /// <summary>
    /// The plan of one option as <c>pricing quote</c> prints it: a heading, then each of <see cref="PlanLines"/> as its
    /// text on a line of its own (plain text, never wrapped, so a script or a test can read it line by line).
    /// </summary>
    public static void PrintPlan(TextWriter output, QuoteOption o)
    {
        output.WriteLine($"Plan {PlanLines.Heading(o)}:");
        foreach (var line in PlanLines.Of(o))
        {
            output.WriteLine("  " + line.Text);
        }
    }

    /// <summary>What a table shows for a figure the answer's view left out.</summary>
    internal const string Absent = "—";

    /// <summary>
    /// "Prices: aws catalog v3, as of 2026-11-28 (9 days old, stale)": a catalog version an answer reports, with its
    /// age and, when the server's StaleAfter setting says so, that its prices are stale. The same line for quote,
    /// compare and offers.
    /// </summary>
    internal static string PricesLine(CatalogVersionUsed v) =>
        $"Prices: {v.Provider} catalog v{v.Version}, as of {v.AsOf.ToDateTimeOffset():yyyy-MM-dd} "
        + $"({Pricing.Catalog.PriceAge.Describe(TimeSpan.FromSeconds(v.AgeSeconds))}{(v.Stale ? ", stale" : "")})";

    internal static string Short(decimal amount) => amount switch
    {
        >= 1_000_000m => (amount / 1_000_000m).ToString("0.#", CultureInfo.InvariantCulture) + "M",
        >= 1_000m => (amount / 1_000m).ToString("0.#", CultureInfo.InvariantCulture) + "k",
        _ => amount.ToString("0", CultureInfo.InvariantCulture),
    };

    internal static string Duration(double hours) => PlanLines.Duration(hours);

    /// <summary>How the option's capacity is had, in a word or two; a plan the engine would not count on says so.</summary>
    internal static string CapacityCell(CapacityPlan? capacity) =>
        capacity is null ? Absent : Markup.Escape(capacity.Kind.Replace('_', ' ')) + (capacity.Obtainable ? "" : " [red](not obtainable)[/]");
}
