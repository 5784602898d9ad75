using Grpc.Core;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Pricing.Client;
using Pricing.Contracts;
using Pricing.Contracts.V1;

namespace Dashboard.Pages;

/// <summary>
/// The budget form (GET, so a plan is a link): the largest model a budget pays for and its plan, from PlanForBudget.
/// Its terms are <see cref="TrainingRunFields.BudgetTerms"/> under the CLI's names (<c>?budget=1e7&amp;deadline-days=90</c>);
/// the lines are <see cref="BudgetPlanLines"/> and <see cref="PlanLines"/>, as <c>pricing plan</c> prints them.
/// </summary>
public sealed class BudgetModel(PricingBackend backend) : PageModel
{
    public const string BudgetField = "budget";
    public const string RatioField = "tokens-per-parameter";
    public const string CoversField = "budget-covers";

    public bool Submitted => Request.Query.ContainsKey(BudgetField);

    public List<(string Field, string Message)> Errors { get; } = [];

    public BudgetPlan? Result { get; private set; }

    public string ValueOf(string name) =>
        Request.Query.TryGetValue(name, out var values) ? string.Join(",", values.Where(v => !string.IsNullOrWhiteSpace(v))) : "";

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        if (!Submitted)
        {
            return;
        }

        var request = BuildRequest();
        if (Errors.Count > 0)
        {
            return;
        }

        Result = await BackendErrors.CallAsync(() => backend.PlanForBudgetAsync(request, cancellationToken), Errors);
    }

    /// <summary>The request as the form gives it: the terms read by <see cref="TrainingRunField.Apply"/>, as the CLI reads its flags.</summary>
    private PlanForBudgetRequest BuildRequest()
    {
        var terms = new QuoteTrainingRunRequest();
        TrainingRunForm.Read(Request.Query, TrainingRunFields.BudgetTerms, terms, Errors);

        var request = new PlanForBudgetRequest
        {
            DeadlineDays = terms.DeadlineHours / 24,
            Precision = terms.Precision,
            BudgetCovers = ValueOf(CoversField),
            View = QuoteView.Full,
        };
        request.AcceleratorIds.Add(terms.AcceleratorIds);
        request.Clouds.Add(terms.Clouds);
        request.Regions.Add(terms.Regions);
        request.PricingModels.Add(terms.PricingModels);
        if (NumberText.TryParseDecimal(ValueOf(BudgetField), out var budget))
        {
            request.Budget = budget.ToMoney();
        }
        else
        {
            Errors.Add((BudgetField, $"'{NumberText.Echo(ValueOf(BudgetField))}' is not an amount ({NumberText.Forms})."));
        }

        if (ValueOf(RatioField) is { Length: > 0 } ratio)
        {
            if (NumberText.TryParse(ratio, out var r))
            {
                request.TokensPerParameter = r;
            }
            else
            {
                Errors.Add((RatioField, $"'{NumberText.Echo(ratio)}' is not a number."));
            }
        }

        return request;
    }
}
