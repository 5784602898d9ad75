using Pricing.Catalog;
using Pricing.Contracts;
using Pricing.Contracts.V1;
using Pricing.Quoting.Budget;
using Pricing.ServiceDefaults;

namespace Quotes.Grpc;

/// <summary>
/// PlanForBudget's request and answer. The request's quote terms become a QuoteTrainingRun request (the forward
/// request, checked by <see cref="QuoteRequestMapping"/> and so by the same rules as a quote); its own fields by
/// <see cref="BudgetQuestion.Check"/>. Every problem is one BadRequest field violation, named as the request names it.
/// </summary>
public static class BudgetPlanMapping
{
    /// <summary>Options the plan's quote returns: the plan and a few alternatives (the search itself quotes 1).</summary>
    public const int ForwardMaxOptions = 5;

    /// <summary>The size the terms are checked with before the search replaces it (any valid size would do).</summary>
    private const double CheckedParameters = 1e9;

    public static (BudgetQuestion Question, QuoteTrainingRunRequest Forward) ToQuestion(PlanForBudgetRequest r, AcceleratorRegistry registry)
    {
        var violations = new List<FieldViolation>();
        var budget = QuoteRequestMapping.UsdAmount(r.Budget, "budget", violations);
        violations.AddRange(BudgetQuestion.Check(budget, r.TokensPerParameter, r.DeadlineDays, r.BudgetCovers));
        var coversProgram = string.Equals(r.BudgetCovers, BudgetQuestion.CoversProgramWord, StringComparison.OrdinalIgnoreCase);
        var forward = new QuoteTrainingRunRequest
        {
            Parameters = CheckedParameters,
            Tokens = CheckedParameters * BudgetQuestion.DefaultTokensPerParameter,
            Precision = r.Precision,
            DeadlineHours = double.IsFinite(r.DeadlineDays) && r.DeadlineDays > 0 ? r.DeadlineDays * 24 : 0,
            MaxOptions = ForwardMaxOptions,
            // A program budget is checked against the program's total, which only the full view carries.
            View = coversProgram ? QuoteView.Full : r.View,
        };
        forward.AcceleratorIds.Add(r.AcceleratorIds);
        forward.Clouds.Add(r.Clouds);
        forward.Regions.Add(r.Regions);
        forward.PricingModels.Add(r.PricingModels);
        var (terms, termViolations) = QuoteRequestMapping.Read(forward, registry);
        // deadline_days has its own rule above; the rest are the quote's fields under the same names.
        violations.AddRange(termViolations.Where(v => v.Field != "deadline_hours"));
        if (violations.Count > 0)
        {
            throw GrpcValidation.InvalidArgument(violations);
        }

        var ratio = r.TokensPerParameter > 0 ? r.TokensPerParameter : BudgetQuestion.DefaultTokensPerParameter;
        return (new BudgetQuestion(budget, ratio, terms, coversProgram), forward);
    }

    public static Pricing.Contracts.V1.BudgetPlan ToProto(Pricing.Quoting.Budget.BudgetPlan plan, QuoteTrainingRunRequest forward, TrainingQuote quote)
    {
        var proto = new Pricing.Contracts.V1.BudgetPlan
        {
            Parameters = plan.Parameters,
            Tokens = plan.Tokens,
            TokensPerParameter = plan.TokensPerParameter,
            Budget = plan.Budget.ToMoney(),
            Cost = plan.Cost.ToMoney(),
            BudgetShare = plan.BudgetShare,
            BudgetCovers = plan.CoversProgram ? BudgetQuestion.CoversProgramWord : BudgetQuestion.CoversRun,
            ForwardRequest = forward,
            Quote = quote,
            QuotesRun = plan.QuotesRun,
        };
        proto.Warnings.Add(plan.Warnings);
        return proto;
    }
}
