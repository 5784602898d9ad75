using System.Globalization;
using Pricing.Contracts;
using Pricing.Contracts.V1;

namespace Pricing.Client;

/// <summary>
/// A budget plan as lines, the same for the CLI and the Dashboard: the model it pays for, what the plan costs against
/// the budget, the forward quote's command, and the forward check (the forward quote's top option against the budget).
/// The plan itself is <see cref="PlanLines"/> of the quote's top option.
/// </summary>
public static class BudgetPlanLines
{
    /// <summary>How close under the budget a plan should come (issue 24: within 5%, never above).</summary>
    public const double Band = 0.05;

    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static IReadOnlyList<PlanLine> Of(BudgetPlan plan)
    {
        var budget = plan.Budget.ToDecimal();
        var lines = new List<PlanLine>
        {
            new("budget.model", "Model", $"{Exact(plan.Parameters)} parameters, {Exact(plan.Tokens)} tokens",
                $"{plan.TokensPerParameter.ToString("G4", Invariant)} tokens per parameter; the largest model whose cheapest obtainable plan fits the budget"),
            new("budget.cost", "Cost", $"{Dollars(plan.Cost.ToDecimal())} of {Dollars(budget)} ({plan.BudgetShare.ToString("P1", Invariant)})",
                (plan.BudgetCovers == "program" ? "the plan's whole program (its stages, experiments, staff, data and licensing)" : "the plan's bill total (the run and its required lines)") + $"; {plan.QuotesRun} quotes searched"),
            new("budget.forward", "Forward quote", "pricing quote " + ForwardFlags(plan.ForwardRequest), "the same terms, these parameters and tokens"),
        };
        return lines;
    }

    /// <summary>
    /// The forward check: the forward quote's top option against the budget — its bill total, its share, and whether it
    /// is within the band under the budget, under it by more, or over it (which the plan never should be).
    /// </summary>
    public static PlanLine ForwardCheck(decimal budget, TrainingQuote forward, bool coversProgram = false)
    {
        if (forward.Options.Count == 0)
        {
            return new("budget.check", "Forward check", "no option", "the forward quote has no option: prices changed since the plan");
        }

        var cost = CostOf(forward.Options[0], coversProgram);
        var share = budget > 0 ? (double)(cost / budget) : 0;
        var verdict = cost > budget ? "OVER the budget"
            : share >= 1 - Band ? $"within {Band.ToString("P0", Invariant)} under the budget"
            : $"more than {Band.ToString("P0", Invariant)} under the budget";
        return new("budget.check", "Forward check", $"{Dollars(cost)} = {share.ToString("P1", Invariant)} of the budget", verdict);
    }

    /// <summary>What a budget pays for in an option: its bill total, or its program's total (in the full view).</summary>
    public static decimal CostOf(QuoteOption option, bool coversProgram) =>
        coversProgram && option.Program?.Total is { } program ? program.ToDecimal() : option.BillTotal.ToDecimal();

    /// <summary>Whether a plan's budget covers the whole program.</summary>
    public static bool CoversProgram(BudgetPlan plan) => plan.BudgetCovers == "program";

    /// <summary>The forward request as <c>pricing quote</c> flags: the size exactly as quoted, then the terms given.</summary>
    public static string ForwardFlags(QuoteTrainingRunRequest r)
    {
        var flags = new List<string> { "--params", Exact(r.Parameters), "--tokens", Exact(r.Tokens) };
        if (r.Precision.Length > 0)
        {
            flags.AddRange(["--precision", r.Precision]);
        }

        if (r.AcceleratorIds.Count > 0)
        {
            flags.AddRange(["--accelerator", string.Join(',', r.AcceleratorIds)]);
        }

        if (r.DeadlineHours > 0)
        {
            flags.AddRange(["--deadline-days", (r.DeadlineHours / 24).ToString("R", Invariant)]);
        }

        if (r.Clouds.Count > 0)
        {
            flags.AddRange(["--clouds", string.Join(',', r.Clouds)]);
        }

        if (r.Regions.Count > 0)
        {
            flags.AddRange(["--regions", string.Join(',', r.Regions)]);
        }

        if (r.PricingModels.Count > 0)
        {
            flags.AddRange(["--pricing", string.Join(',', r.PricingModels)]);
        }

        return string.Join(' ', flags);
    }

    /// <summary>A size as the planner quoted it (4 significant digits), e.g. "1.234e11": reads back to the same double.</summary>
    public static string Exact(double value) => value.ToString("0.###e0", Invariant);

    private static string Dollars(decimal amount) => "$" + amount.ToString("N0", Invariant);
}
