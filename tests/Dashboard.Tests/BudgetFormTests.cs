using System.Net;
using Grpc.Net.Client;
using Pricing.Client;
using Pricing.Contracts;
using Pricing.Contracts.V1;

namespace Dashboard.Tests;

/// <summary>
/// The budget form (/budget) asks PlanForBudget on the same terms as <c>pricing plan</c> and shows the same lines:
/// the model, the cost against the budget, the forward quote and check, and the plan of option #1 (server-rendered HTML).
/// </summary>
public sealed class BudgetFormTests(DashboardServer server)
{
    [Fact]
    public async Task A_budget_submitted_shows_the_model_and_the_plan_the_rpc_answers()
    {
        var ct = TestContext.Current.CancellationToken;
        using var http = new HttpClient();
        using var response = await http.GetAsync(server.DashboardUrl + "/budget?budget=2M&deadline-days=30&accelerator=nvidia-h100-80gb", ct);
        var html = WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync(ct));

        using var channel = GrpcChannel.ForAddress(server.GrpcUrl);
        var plan = await new TrainingQuotes.TrainingQuotesClient(channel).PlanForBudgetAsync(new PlanForBudgetRequest
        {
            Budget = 2_000_000m.ToMoney(), DeadlineDays = 30, AcceleratorIds = { "nvidia-h100-80gb" }, View = QuoteView.Full,
        }, cancellationToken: ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("id=\"budget-result\"", html, StringComparison.Ordinal);
        foreach (var line in BudgetPlanLines.Of(plan).Concat(PlanLines.Of(plan.Quote.Options[0])))
        {
            Assert.Contains(line.Value, html, StringComparison.Ordinal);
        }

        Assert.Contains(BudgetPlanLines.ForwardCheck(2_000_000m, plan.Quote).Detail, html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_refused_budget_lists_the_violations()
    {
        var ct = TestContext.Current.CancellationToken;
        using var http = new HttpClient();

        var html = WebUtility.HtmlDecode(await http.GetStringAsync(server.DashboardUrl + "/budget?budget=10&budget-covers=everything", ct));

        Assert.Contains("id=\"budget-errors\"", html, StringComparison.Ordinal);
        Assert.Contains("data-field=\"budget\"", html, StringComparison.Ordinal);
        Assert.Contains("data-field=\"budget_covers\"", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_quote_page_shows_each_lever_of_the_full_view()
    {
        var ct = TestContext.Current.CancellationToken;
        using var http = new HttpClient();

        var html = WebUtility.HtmlDecode(await http.GetStringAsync(server.DashboardUrl + "/quote?params=70e9&tokens=1.4e12&accelerator=nvidia-h100-80gb&deadline-days=30", ct));

        Assert.Contains("id=\"quote-levers\"", html, StringComparison.Ordinal);
        foreach (var name in new[] { "fp8", "compute_optimal_tokens", "longer_deadline", "on_demand", "capacity_block", "commitment_with_reuse", "cheapest_region", "cleanest_region", "next_generation" })
        {
            Assert.Contains($"data-lever=\"{name}\"", html, StringComparison.Ordinal);
        }
    }
}
