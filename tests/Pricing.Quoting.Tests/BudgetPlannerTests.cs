using System.Globalization;
using Pricing.Quoting.Budget;
using static Pricing.Quoting.Tests.TestData;

namespace Pricing.Quoting.Tests;

/// <summary>
/// Planning from a budget (issue 24, item 5): the largest model whose cheapest obtainable plan fits the budget by the
/// deadline, found on the engine's own answer, so its forward quote costs the same: never above the budget, within 5%.
/// </summary>
public sealed class BudgetPlannerTests
{
    /// <summary>H100 on demand at AWS and Azure, and the AWS Capacity Block: hourly and block-billed plans.</summary>
    private static PriceViewSnapshot H100Market() =>
        Prices(P5(), Offer(), P5(PricingModels.CapacityBlock, 39.33m));

    /// <summary>H100 on demand only: billed by the hour, so cost grows smoothly with size but for whole instances.</summary>
    private static PriceViewSnapshot HourlyMarket() => Prices(P5(), Offer());

    private static BudgetQuestion Question(decimal budget, double deadlineDays = 0, double ratio = BudgetQuestion.DefaultTokensPerParameter) =>
        new(budget, ratio, Spec(parameters: 1e9, tokens: 2e10) with { DeadlineHours = deadlineDays * 24 });

    [Theory]
    [InlineData(50_000, 0)]
    [InlineData(300_000, 14)]
    [InlineData(1_000_000, 30)]
    [InlineData(10_000_000, 90)]
    [InlineData(10_000_000, 0)]
    [InlineData(100_000_000, 180)]
    public void The_plans_forward_quote_costs_at_most_the_budget_and_within_5_percent_of_it(double budget, double deadlineDays)
    {
        var engine = Engine();
        var plan = new BudgetPlanner(engine).Plan(Question((decimal)budget, deadlineDays), HourlyMarket());

        var forward = engine.Quote(plan.Spec, HourlyMarket());
        var top = forward.Options[0];
        Assert.Equal(plan.Cost, top.BillTotal);
        Assert.Equal(plan.Plan.Offer.OfferKey, top.Offer.OfferKey);
        Assert.True(top.Capacity!.Obtainable);
        Assert.True(top.BillTotal <= (decimal)budget, $"{top.BillTotal:N0} over {budget:N0}");
        Assert.True(top.BillTotal >= (decimal)budget * 0.95m, $"{top.BillTotal:N0} is {(double)top.BillTotal / budget:P1} of {budget:N0}");
        Assert.Empty(plan.Warnings);
        if (deadlineDays > 0)
        {
            Assert.True(top.WallClockHours <= deadlineDays * 24, $"{top.WallClockHours / 24:N1} days for a {deadlineDays}-day deadline");
        }
    }

    [Theory]
    [InlineData(50_000_000, 90)]
    [InlineData(100_000_000, 0)]
    [InlineData(300_000_000, 180)]
    public void A_budget_for_the_whole_program_buys_a_smaller_model_whose_program_fits_it(double budget, double deadlineDays)
    {
        var engine = Engine();
        var forRun = new BudgetPlanner(engine).Plan(Question((decimal)budget, deadlineDays), HourlyMarket());
        var forProgram = new BudgetPlanner(engine).Plan(Question((decimal)budget, deadlineDays) with { CoversProgram = true }, HourlyMarket());

        var top = engine.Quote(forProgram.Spec, HourlyMarket()).Options[0];
        var program = top.Program!;
        Assert.True(forProgram.CoversProgram);
        Assert.Equal(forProgram.Cost, program.Total);
        Assert.True(program.Total <= (decimal)budget, $"{program.Total:N0} over {budget:N0}");
        Assert.True(program.Total >= (decimal)budget * 0.95m || forProgram.Warnings.Count > 0, $"{program.Total:N0} is {(double)program.Total / budget:P1} of {budget:N0}");
        // The run is one part of the program: the same money buys a smaller model.
        Assert.True(top.BillTotal < program.Total);
        Assert.True(forProgram.Parameters < forRun.Parameters, $"{forProgram.Parameters:G4} for the program, {forRun.Parameters:G4} for the run");
    }

    [Theory]
    [InlineData(50_000, 0)]
    [InlineData(1_000_000, 30)]
    [InlineData(10_000_000, 90)]
    [InlineData(40_000_000, 60)]
    public void With_block_billing_the_plan_never_exceeds_the_budget_and_says_when_a_step_keeps_it_under_the_band(double budget, double deadlineDays)
    {
        var engine = Engine();
        var plan = new BudgetPlanner(engine).Plan(Question((decimal)budget, deadlineDays), H100Market());

        var top = engine.Quote(plan.Spec, H100Market()).Options[0];
        Assert.Equal(plan.Cost, top.BillTotal);
        Assert.True(top.BillTotal <= (decimal)budget, $"{top.BillTotal:N0} over {budget:N0}");
        if (plan.BudgetShare < 0.95)
        {
            // Whole blocks: the next size up costs a step over the budget, and the plan says so.
            Assert.Contains(plan.Warnings, w => w.StartsWith("The plan uses", StringComparison.Ordinal) && w.Contains("next size", StringComparison.Ordinal));
        }
        else
        {
            Assert.Empty(plan.Warnings);
        }
    }

    [Fact]
    public void The_forward_spec_is_the_asked_terms_with_the_planned_size_at_the_ratio()
    {
        var question = Question(2_000_000m, 30, ratio: 100) with { Terms = Spec(parameters: 1e9, tokens: 2e10, acceleratorIds: [H100], maxOptions: 7) with { DeadlineHours = 30 * 24 } };
        var plan = new BudgetPlanner(Engine()).Plan(question, H100Market());

        Assert.Equal(BudgetPlanner.FourDigits(100 * plan.Parameters), plan.Tokens);
        Assert.Equal(plan.Parameters, plan.Spec.Parameters);
        Assert.Equal(plan.Tokens, plan.Spec.Tokens);
        Assert.Equal(30 * 24, plan.Spec.DeadlineHours);
        Assert.Equal([H100], plan.Spec.AcceleratorIds);
        Assert.Equal(7, plan.Spec.MaxOptions);
        Assert.Equal(100, plan.TokensPerParameter);
    }

    [Theory]
    [InlineData(1_000_000, 30)]
    [InlineData(10_000_000, 90)]
    public void A_model_5_percent_larger_does_not_fit_the_budget(double budget, double deadlineDays)
    {
        var engine = Engine();
        var plan = new BudgetPlanner(engine).Plan(Question((decimal)budget, deadlineDays), H100Market());

        var larger = plan.Parameters * 1.05;
        var top = engine.Quote(plan.Spec with { Parameters = larger, Tokens = 20 * larger }, H100Market()).Options.FirstOrDefault();
        Assert.True(top is null || !top.Capacity!.Obtainable || top.BillTotal > (decimal)budget,
            $"{larger:G4} parameters cost {top?.BillTotal:N0}, within {budget:N0}");
    }

    [Fact]
    public void A_program_budget_below_the_programs_fixed_lines_is_refused_as_a_program()
    {
        // Staff and annotation do not shrink with the model (program-defaults.json): a $1M program buys no model.
        var ex = Assert.Throws<BudgetNotMetException>(() => new BudgetPlanner(Engine()).Plan(Question(1_000_000m, 30) with { CoversProgram = true }, HourlyMarket()));

        Assert.Contains("as a program", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_budget_below_the_smallest_models_plan_is_refused_with_its_cost()
    {
        // A 1-year commitment bills the whole term for every instance held: a year of a p5 is far over $100,000.
        var committed = Prices(P5(PricingModels.Committed1Y, 31.46m));

        var ex = Assert.Throws<BudgetNotMetException>(() => new BudgetPlanner(Engine()).Plan(Question(100_000m), committed));

        Assert.Contains("does not pay for the smallest model searched (1E+07 parameters", ex.Message, StringComparison.Ordinal);
        Assert.Contains("its cheapest obtainable plan costs $", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Terms_no_obtainable_offer_can_meet_are_refused_as_such()
    {
        // No offer of the market is an A100.
        var question = Question(1_000_000m) with { Terms = Spec(parameters: 1e9, tokens: 2e10, acceleratorIds: [A100]) };

        var ex = Assert.Throws<BudgetNotMetException>(() => new BudgetPlanner(Engine()).Plan(question, H100Market()));

        Assert.StartsWith("No obtainable offer can run even the smallest model", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_search_is_bounded()
    {
        var plan = new BudgetPlanner(Engine()).Plan(Question(1e9m, 365), H100Market());

        Assert.InRange(plan.QuotesRun, 3, BudgetPlanner.MaxQuotes);
    }

    [Theory]
    [InlineData(1.23456e11, 1.234e11)]
    [InlineData(9.9999e9, 9.999e9)]
    [InlineData(2e10, 2e10)]
    [InlineData(4.18e12, 4.18e12)]
    public void Sizes_are_rounded_down_to_4_digits_that_print_and_read_back_exactly(double value, double expected)
    {
        var rounded = BudgetPlanner.FourDigits(value);

        Assert.Equal(expected, rounded);
        Assert.Equal(rounded, double.Parse(rounded.ToString("0.###e0", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture));
        Assert.Equal(rounded, double.Parse(rounded.ToString("G4", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData(999, 0, 0, "", "budget")]
    [InlineData(2e12, 0, 0, "", "budget")]
    [InlineData(1e6, 0.5, 0, "", "tokens_per_parameter")]
    [InlineData(1e6, 20_000, 0, "", "tokens_per_parameter")]
    [InlineData(1e6, 0, -1, "", "deadline_days")]
    [InlineData(1e6, 0, 4000, "", "deadline_days")]
    [InlineData(1e6, 0, 0, "everything", "budget_covers")]
    public void Each_bad_field_is_named(double budget, double ratio, double deadlineDays, string covers, string field)
    {
        var violations = BudgetQuestion.Check((decimal)budget, ratio, deadlineDays, covers);

        Assert.Equal(field, Assert.Single(violations).Field);
    }

    [Theory]
    [InlineData("")]
    [InlineData("run")]
    [InlineData("RUN")]
    [InlineData("program")]
    public void A_valid_question_has_no_violations(string covers) =>
        Assert.Empty(BudgetQuestion.Check(10_000_000m, 0, 90, covers));
}
