using Pricing.Contracts;
using Pricing.Contracts.V1;

namespace Pricing.Client.Tests;

/// <summary>
/// A budget plan as lines (the CLI's <c>pricing plan</c> and the Dashboard's budget form): the model, the cost against
/// the budget, the forward quote's flags (which read back, through the quote's own fields, to the same request), and
/// the forward check's verdict.
/// </summary>
public sealed class BudgetPlanLinesTests
{
    private static QuoteTrainingRunRequest Forward() => new()
    {
        Parameters = 2.09e11, Tokens = 4.18e12, DeadlineHours = 90 * 24, Precision = "fp8",
        AcceleratorIds = { "nvidia-h100-80gb", "google-tpu-v6e" }, Clouds = { "aws", "gcp" }, Regions = { "us-east-1" }, PricingModels = { "on_demand" },
    };

    private static BudgetPlan Plan() => new()
    {
        Parameters = 2.09e11, Tokens = 4.18e12, TokensPerParameter = 20, Budget = 10_000_000m.ToMoney(), Cost = 9_994_281m.ToMoney(),
        BudgetShare = 0.9994281, BudgetCovers = "run", ForwardRequest = Forward(), QuotesRun = 16,
    };

    private static TrainingQuote QuoteCosting(decimal billTotal) => new() { Options = { new QuoteOption { Rank = 1, BillTotal = billTotal.ToMoney() } } };

    [Fact]
    public void The_forward_flags_read_back_through_the_quote_fields_to_the_same_request()
    {
        var flags = BudgetPlanLines.ForwardFlags(Forward()).Split(' ');
        var read = new QuoteTrainingRunRequest();
        for (var i = 0; i < flags.Length; i += 2)
        {
            TrainingRunFields.All.Single(f => f.Flag == flags[i]).Apply(read, flags[i + 1], DateTimeOffset.UtcNow);
        }

        Assert.Equal(Forward(), read);
    }

    [Theory]
    [InlineData(2.09e11, "2.09e11")]
    [InlineData(1.234e11, "1.234e11")]
    [InlineData(1e7, "1e7")]
    public void Sizes_print_as_numbers_that_parse_back_exactly(double value, string text)
    {
        Assert.Equal(text, BudgetPlanLines.Exact(value));
        Assert.True(NumberText.TryParse(text, out var parsed));
        Assert.Equal(value, parsed);
    }

    [Fact]
    public void The_lines_name_the_model_the_cost_against_the_budget_and_the_forward_command()
    {
        var lines = BudgetPlanLines.Of(Plan());

        Assert.Equal(["budget.model", "budget.cost", "budget.forward"], lines.Select(l => l.Key));
        Assert.Equal("2.09e11 parameters, 4.18e12 tokens", lines[0].Value);
        Assert.StartsWith("20 tokens per parameter", lines[0].Detail, StringComparison.Ordinal);
        Assert.Equal("$9,994,281 of $10,000,000 (99.9 %)", lines[1].Value);
        Assert.StartsWith("pricing quote --params 2.09e11 --tokens 4.18e12 ", lines[2].Value, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(9_994_281, "within 5 % under the budget")]
    [InlineData(9_000_000, "more than 5 % under the budget")]
    [InlineData(10_000_001, "OVER the budget")]
    public void The_forward_check_says_where_the_forward_quote_lands(decimal cost, string verdict) =>
        Assert.Equal(verdict, BudgetPlanLines.ForwardCheck(10_000_000m, QuoteCosting(cost)).Detail);

    [Fact]
    public void A_forward_quote_without_options_is_said() =>
        Assert.Equal("no option", BudgetPlanLines.ForwardCheck(10_000_000m, new TrainingQuote()).Value);
}
