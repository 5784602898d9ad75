namespace Pricing.Quoting.Budget;

/// <summary>
/// The largest model a budget pays for and its plan: <see cref="Spec"/> is the forward quote's spec (the terms with
/// these parameters and tokens), <see cref="Plan"/> its top option (obtainable, by the deadline), <see cref="Cost"/> what
/// the budget pays for (the plan's bill total, or its program's total), never above the budget.
/// </summary>
public sealed record BudgetPlan(
    decimal Budget,
    double Parameters,
    double Tokens,
    double TokensPerParameter,
    QuoteSpec Spec,
    QuoteOptionResult Plan,
    decimal Cost,
    int QuotesRun,
    IReadOnlyList<string> Warnings,
    bool CoversProgram = false)
{
    /// <summary>The cost as a share of the budget, e.g. 0.97.</summary>
    public double BudgetShare => Budget > 0 ? (double)(Cost / Budget) : 0;
}

/// <summary>A budget no plan fits: the reason names the smallest model searched and what it costs (or why nothing runs it).</summary>
public sealed class BudgetNotMetException(string message) : Exception(message);
