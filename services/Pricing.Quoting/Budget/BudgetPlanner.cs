using System.Globalization;

namespace Pricing.Quoting.Budget;

/// <summary>
/// Plans from a budget (pure): the largest model, tokens = ratio × parameters, whose quote's top option is obtainable,
/// meets the deadline and costs at most the budget (its bill, or its whole program's total when the budget covers it). It bisects log(parameters) on the engine's own answer, so the
/// plan's forward quote is by construction the same computation. Every tried size is rounded to 4 significant digits,
/// so the parameters and tokens printed are exactly the ones quoted. Cost is stepwise in size (whole instances,
/// whole blocks and terms), so the plan can fall short of the band under the budget: a warning says so and why.
/// </summary>
public sealed class BudgetPlanner(QuoteEngine engine)
{
    /// <summary>Engine runs at most: 2 ends and the bisection (about 17 halvings from 1e7 to 1e14 at 4 digits).</summary>
    public const int MaxQuotes = 40;

    public BudgetPlan Plan(BudgetQuestion question, PriceViewSnapshot prices)
    {
        var ratio = question.TokensPerParameter > 0 ? question.TokensPerParameter : BudgetQuestion.DefaultTokensPerParameter;
        var quotes = 0;
        Step Try(double parameters)
        {
            quotes++;
            var tokens = FourDigits(ratio * parameters);
            var spec = QuoteRequestRules.Canonical(question.Terms with { Parameters = parameters, Tokens = tokens, Chinchilla = false, MaxOptions = 1 });
            var top = engine.Quote(spec, prices).Options.FirstOrDefault();
            var usable = top is not null && top.Capacity?.Obtainable != false;
            return new Step(parameters, tokens, spec, usable ? top : null, usable && question.CostOf(top!) <= question.Budget);
        }

        var low = Try(FourDigits(BudgetQuestion.SmallestParameters));
        if (!low.Fits)
        {
            throw new BudgetNotMetException(low.Plan is null
                ? $"No obtainable offer can run even the smallest model searched ({low.Parameters:G3} parameters, {low.Tokens:G3} tokens) on these terms; widen the accelerators, clouds, regions, pricing models or the deadline."
                : $"The budget (${question.Budget.ToString("N0", CultureInfo.InvariantCulture)}) does not pay for the smallest model searched ({low.Parameters:G3} parameters, {low.Tokens:G3} tokens): its cheapest obtainable plan costs ${question.CostOf(low.Plan).ToString("N0", CultureInfo.InvariantCulture)}{(question.CoversProgram ? " as a program" : "")}.");
        }

        var warnings = new List<string>();
        var high = Try(FourDigits(question.LargestParameters));
        if (high.Fits)
        {
            warnings.Add($"The budget pays for the largest model searched ({high.Parameters:G3} parameters, the quote's limit at {ratio:G4} tokens per parameter); it leaves the rest unspent.");
            return Result(question, ratio, high, quotes, warnings);
        }

        while (quotes < MaxQuotes)
        {
            var middle = FourDigits(Math.Sqrt(low.Parameters * high.Parameters));
            if (middle <= low.Parameters || middle >= high.Parameters)
            {
                break;
            }

            var step = Try(middle);
            if (step.Fits)
            {
                low = step;
            }
            else
            {
                high = step;
            }
        }

        var share = (double)(question.CostOf(low.Plan!) / question.Budget);
        if (share < 1 - BudgetQuestion.Band)
        {
            var over = high.Plan is null
                ? $"the next size ({high.Parameters:G4} parameters) has no obtainable plan by the deadline"
                : $"the next size ({high.Parameters:G4} parameters) costs ${question.CostOf(high.Plan).ToString("N0", CultureInfo.InvariantCulture)} on its cheapest plan";
            warnings.Add($"The plan uses {share:P1} of the budget: {over} (cost steps with whole instances, blocks and terms).");
        }

        return Result(question, ratio, low, quotes, warnings);
    }

    /// <summary>A number rounded down to 4 significant digits: sizes that print exactly as they are quoted.</summary>
    public static double FourDigits(double value)
    {
        if (value <= 0 || !double.IsFinite(value))
        {
            return value;
        }

        var scale = Math.Pow(10, Math.Floor(Math.Log10(value)) - 3);
        var rounded = Math.Floor(value / scale * (1 + 1e-12)) * scale;
        // Parse the printed form back, so the double is the one a client sending "1.234E+11" gets.
        return double.Parse(rounded.ToString("G4", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
    }

    private static BudgetPlan Result(BudgetQuestion question, double ratio, Step step, int quotes, List<string> warnings) =>
        new(question.Budget, step.Parameters, step.Tokens, ratio, step.Spec with { MaxOptions = question.Terms.MaxOptions }, step.Plan!, question.CostOf(step.Plan!), quotes, warnings, question.CoversProgram);

    private readonly record struct Step(double Parameters, double Tokens, QuoteSpec Spec, QuoteOptionResult? Plan, bool Fits);
}
