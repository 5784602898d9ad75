using System.CommandLine;
using Pricing.Client;
using Pricing.Contracts;
using Pricing.Contracts.V1;
using Spectre.Console;

namespace Pricing.Cli;

/// <summary>What <c>pricing plan</c> was asked: the request it sends, whether to print JSON, and where to.</summary>
public sealed record PlanArguments(PlanForBudgetRequest Request, bool Json, string? Server)
{
    public static PlanArguments Parse(IReadOnlyList<string> args) => Cli.Parse<PlanCommand, PlanArguments>(args);
}

/// <summary>
/// <c>pricing plan --budget USD [--deadline-days D] [--accelerator ID] [--tokens-per-parameter R] [--budget-covers run|program]
/// [--clouds …] [--regions …] [--pricing …] [--precision …]</c>: the largest model a budget pays for and its plan,
/// then the forward check: the plan's forward request sent to QuoteTrainingRun, its cost against the budget.
/// </summary>
public sealed class PlanCommand : Command, IVerb<PlanArguments>
{
    private readonly TrainingRunOptions _terms = new(TrainingRunFields.BudgetTerms);
    private readonly Option<decimal> _budget = CliOptions.Value("--budget", "USD", "what may be spent, in USD (e.g. 1e7 or 10M); required", OptionValues.Price);
    private readonly Option<double> _ratio = CliOptions.Value("--tokens-per-parameter", "R", "training tokens per parameter (default 20, Chinchilla)", OptionValues.Number);
    private readonly Option<string> _covers = CliOptions.Value("--budget-covers", "WHAT", "run (default: the run's bill) or program (the whole program: stages, experiments, staff, data)", OptionValues.Word);
    private readonly Option<Pricing.Contracts.V1.QuoteView> _view = CliOptions.View();
    private readonly Option<bool> _json = CliOptions.Json("print the plan as proto JSON");
    private readonly Option<string?> _server = CliOptions.Server("ask a running Quotes service instead of running embedded");
    private readonly Option<string?> _token = CliOptions.Token();

    public PlanCommand()
        : base("plan", "the largest model a budget pays for (by a deadline, on an obtainable offer) and its plan")
    {
        _budget.Required = true;
        Options.Add(_budget);
        _terms.AddFlagsTo(this);
        Options.Add(_ratio);
        Options.Add(_covers);
        Options.Add(_json);
        Options.Add(_view);
        Options.Add(_server);
        Options.Add(_token);
        SetAction((result, cancellationToken) => RunAsync(Bind(result), result.InvocationConfiguration.Output, cancellationToken, result.GetValue(_token)));
    }

    public string Details => "Exit codes: 0 a plan whose forward quote is within the budget, 1 the forward quote is over it (or the server failed), "
        + "2 bad arguments or a budget too small for the smallest model.";

    public PlanArguments Bind(ParseResult result)
    {
        var terms = _terms.ToRequest(result);
        var request = new PlanForBudgetRequest
        {
            Budget = result.GetValue(_budget).ToMoney(),
            DeadlineDays = terms.DeadlineHours / 24,
            TokensPerParameter = result.GetValue(_ratio),
            BudgetCovers = result.GetValue(_covers) ?? "",
            Precision = terms.Precision,
            View = result.GetValue(_view),
        };
        request.AcceleratorIds.Add(terms.AcceleratorIds);
        request.Clouds.Add(terms.Clouds);
        request.Regions.Add(terms.Regions);
        request.PricingModels.Add(terms.PricingModels);
        return new PlanArguments(request, result.GetValue(_json), result.GetValue(_server));
    }

    public static async Task<int> RunAsync(PlanArguments arguments, TextWriter output, CancellationToken cancellationToken, string? token = null)
    {
        var (plan, forward) = await EmbeddedServer.AskAsync(arguments.Server, token, async channel =>
        {
            var client = new TrainingQuotes.TrainingQuotesClient(channel);
            var answer = await client.PlanForBudgetAsync(arguments.Request, cancellationToken: cancellationToken).ResponseAsync;
            // The forward check asks again, as any client would: the plan's request, quoted on its own.
            var quote = await client.QuoteTrainingRunAsync(answer.ForwardRequest, cancellationToken: cancellationToken).ResponseAsync;
            return (answer, quote);
        }, cancellationToken);
        return Print(plan, forward, arguments, output);
    }

    private static int Print(BudgetPlan plan, TrainingQuote forward, PlanArguments arguments, TextWriter output)
    {
        var coversProgram = BudgetPlanLines.CoversProgram(plan);
        var check = BudgetPlanLines.ForwardCheck(plan.Budget.ToDecimal(), forward, coversProgram);
        var over = forward.Options.Count == 0 || BudgetPlanLines.CostOf(forward.Options[0], coversProgram) > plan.Budget.ToDecimal();
        if (arguments.Json)
        {
            output.WriteLine(ChangeFormat.Json.Format(plan));
            return over ? 1 : 0;
        }

        output.WriteLine($"Budget plan: {BudgetPlanLines.Exact(plan.Parameters)} parameters for ${plan.Budget.ToDecimal():N0}"
            + (arguments.Request.DeadlineDays > 0 ? $" by {arguments.Request.DeadlineDays:G4} days" : ""));
        foreach (var line in BudgetPlanLines.Of(plan))
        {
            output.WriteLine("  " + line.Text);
        }

        if (plan.Quote.Options.Count > 0)
        {
            QuoteCommand.PrintPlan(output, plan.Quote.Options[0]);
        }

        output.WriteLine(check.Text);
        var console = ChangeFormat.Console(output);
        foreach (var warning in plan.Warnings)
        {
            console.MarkupLine($"[yellow]warning[/]: {Markup.Escape(warning)}");
        }

        return over ? 1 : 0;
    }
}
