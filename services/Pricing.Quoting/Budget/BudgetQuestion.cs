using Pricing.Catalog;

namespace Pricing.Quoting.Budget;

/// <summary>
/// What a budget plan is asked: the largest model whose plan fits <see cref="Budget"/> on the quote terms of
/// <see cref="Terms"/> (deadline, accelerators, clouds, regions, pricing models, precision), with tokens =
/// <see cref="TokensPerParameter"/> × parameters. The terms' own parameters and tokens are replaced at each step.
/// </summary>
public sealed record BudgetQuestion(decimal Budget, double TokensPerParameter, QuoteSpec Terms, bool CoversProgram = false)
{
    /// <summary>What the budget pays for at a step: the run's bill, or the whole program's total (§6a).</summary>
    public decimal CostOf(QuoteOptionResult option) => CoversProgram ? option.Program?.Total ?? option.BillTotal : option.BillTotal;

    /// <summary>Chinchilla's compute-optimal ratio: about 20 tokens per parameter (Hoffmann et al. 2022, arXiv:2203.15556, Table 3).</summary>
    public const double DefaultTokensPerParameter = 20;

    /// <summary>
    /// The ratios taken: from 1 (far under-trained) to 10,000 (Llama 3 8B was trained on 15T tokens, about 1,875 per
    /// parameter; Meta, "The Llama 3 Herd of Models", 2024): anything outside is a typo, not a plan.
    /// </summary>
    public const double MinTokensPerParameter = 1;

    public const double MaxTokensPerParameter = 10_000;

    /// <summary>Below $1,000 no multi-GPU run is planned (a day on one 8-GPU instance costs more); above $1T is no budget.</summary>
    public const decimal MinBudget = 1_000m;

    public const decimal MaxBudget = 1_000_000_000_000m;

    /// <summary>The smallest model searched: 10M parameters, where a training run stops being a cluster question.</summary>
    public const double SmallestParameters = 1e7;

    /// <summary>How close under the budget a plan should come: the forward quote is within 5% of it (issue 24).</summary>
    public const double Band = 0.05;

    /// <summary>What the budget must pay for: the run's bill ("run"), or the whole program around it ("program").</summary>
    public const string CoversRun = "run";

    public const string CoversProgramWord = "program";

    /// <summary>The largest model the search tries: the quote rules' limits on parameters and on tokens at this ratio.</summary>
    public double LargestParameters => Math.Min(QuoteRequestRules.MaxParameters, QuoteRequestRules.MaxTokens / TokensPerParameter);

    /// <summary>Every problem of the question's own fields (the terms are checked by <see cref="QuoteRequestRules"/>).</summary>
    public static List<FieldViolation> Check(decimal budget, double tokensPerParameter, double deadlineDays, string covers)
    {
        var violations = new List<FieldViolation>();
        if (budget < MinBudget || budget > MaxBudget)
        {
            violations.Add(new("budget", $"Must be a USD amount from {MinBudget:N0} to {MaxBudget:G3}."));
        }

        if (!double.IsFinite(tokensPerParameter) || (tokensPerParameter != 0 && (tokensPerParameter < MinTokensPerParameter || tokensPerParameter > MaxTokensPerParameter)))
        {
            violations.Add(new("tokens_per_parameter", $"Must be 0 (Chinchilla's {DefaultTokensPerParameter}) or from {MinTokensPerParameter} to {MaxTokensPerParameter:N0}."));
        }

        if (!double.IsFinite(deadlineDays) || deadlineDays < 0 || deadlineDays * 24 > QuoteRequestRules.MaxDeadlineHours)
        {
            violations.Add(new("deadline_days", $"Must be 0 (no deadline: the default deadline sizes each cluster) or days up to {QuoteRequestRules.MaxDeadlineHours / 24:N0}."));
        }

        if (covers.Length > 0 && covers.ToLowerInvariant() is not (CoversRun or CoversProgramWord))
        {
            violations.Add(new("budget_covers", $"'{QuoteRequestRules.Echo(covers)}' is not what a budget covers; use run (the default) or program."));
        }

        return violations;
    }
}
