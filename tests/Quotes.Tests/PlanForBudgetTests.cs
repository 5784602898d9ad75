using System.Net;
using System.Text;
using System.Text.Json;
using Grpc.Core;
using Pricing.Cli;
using Pricing.Contracts;
using Pricing.Contracts.V1;

namespace Quotes.Tests;

/// <summary>
/// PlanForBudget on the embedded default's bundled catalogs (issue 24, item 5): the largest model whose plan fits the
/// budget by the deadline, whose forward request, quoted by QuoteTrainingRun, costs within 5% of the budget and never
/// above it; every bad field a BadRequest violation; JSON transcoding; and <c>pricing plan</c>.
/// </summary>
public sealed class PlanForBudgetTests(StandaloneServer server)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Task<(int Code, string Out, string Err)> RunAsync(params string[] args) => CliRun.RunAsync(args);

    private Task<BudgetPlan> PlanAsync(PlanForBudgetRequest request) =>
        server.Quotes.PlanForBudgetAsync(request, cancellationToken: Ct).ResponseAsync;

    [Theory]
    [InlineData(10_000_000, 90, "")]
    [InlineData(1_000_000, 30, "nvidia-h100-80gb")]
    [InlineData(50_000_000, 120, "")]
    public async Task The_forward_quote_of_the_plan_costs_at_most_the_budget_and_within_5_percent(double budget, double deadlineDays, string accelerator)
    {
        var request = new PlanForBudgetRequest { Budget = ((decimal)budget).ToMoney(), DeadlineDays = deadlineDays };
        if (accelerator.Length > 0)
        {
            request.AcceleratorIds.Add(accelerator);
        }

        var plan = await PlanAsync(request);
        var forward = await server.Quotes.QuoteTrainingRunAsync(plan.ForwardRequest, cancellationToken: Ct).ResponseAsync;

        var top = forward.Options[0];
        var cost = top.BillTotal.ToDecimal();
        Assert.True(cost <= (decimal)budget, $"{cost:N0} over {budget:N0}");
        Assert.True(cost >= (decimal)budget * 0.95m, $"{cost:N0} is {(double)cost / budget:P1} of {budget:N0}");
        Assert.Equal(plan.Cost.ToDecimal(), cost);
        Assert.Equal(plan.Quote.Options[0].KeyOfOffer(), top.KeyOfOffer());
        Assert.True(top.Capacity is null || top.Capacity.Obtainable);
        Assert.True(top.WallClockHours <= deadlineDays * 24);
        Assert.Equal(20 * plan.Parameters, plan.Tokens, 20 * plan.Parameters * 1e-3);
        Assert.Equal(plan.Parameters, plan.ForwardRequest.Parameters);
        Assert.Equal(deadlineDays * 24, plan.ForwardRequest.DeadlineHours);
        Assert.Equal(plan.BudgetShare, (double)(cost / (decimal)budget), 1e-9);
    }

    [Fact]
    public async Task A_budget_too_small_for_the_smallest_model_is_a_budget_violation()
    {
        // A 1-year commitment bills a whole year of every instance held.
        var request = new PlanForBudgetRequest { Budget = 5_000m.ToMoney(), PricingModels = { "committed_1y" }, Clouds = { "aws" } };

        var ex = await Assert.ThrowsAsync<RpcException>(() => PlanAsync(request));

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        var violation = Assert.Single(ex.GetRpcStatus()!.GetDetail<Google.Rpc.BadRequest>().FieldViolations);
        Assert.Equal("budget", violation.Field);
        Assert.Contains("smallest model searched", violation.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_bad_field_is_a_BadRequest_violation_named_as_the_request_names_it()
    {
        var request = new PlanForBudgetRequest
        {
            Budget = 10m.ToMoney(), DeadlineDays = -3, TokensPerParameter = 0.1, BudgetCovers = "everything",
            AcceleratorIds = { "nvidia-h999" }, Clouds = { "oracle" }, Precision = "fp16",
        };

        var ex = await Assert.ThrowsAsync<RpcException>(() => PlanAsync(request));

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        var fields = ex.GetRpcStatus()!.GetDetail<Google.Rpc.BadRequest>().FieldViolations.Select(v => v.Field).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["accelerator_ids", "budget", "budget_covers", "clouds", "deadline_days", "precision", "tokens_per_parameter"], fields);
    }

    [Fact]
    public async Task JSON_transcoding_plans_at_v1_plans_for_budget()
    {
        using var client = new HttpClient { DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        using var body = new StringContent("{\"budget\": {\"currencyCode\": \"USD\", \"units\": \"2000000\"}, \"deadlineDays\": 30, \"acceleratorIds\": [\"nvidia-h100-80gb\"]}",
            Encoding.UTF8, "application/json");

        using var response = await client.PostAsync(server.Address + "/v1/plans:for-budget", body, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);

        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        var plan = JsonDocument.Parse(text).RootElement;
        Assert.True(plan.GetProperty("parameters").GetDouble() > 1e9);
        Assert.InRange(plan.GetProperty("budgetShare").GetDouble(), 0.95, 1);
        Assert.Equal("nvidia-h100-80gb", plan.GetProperty("quote").GetProperty("options")[0].GetProperty("acceleratorId").GetString());
    }

    [Fact]
    public void Plan_takes_the_budget_the_ratio_and_the_quote_terms()
    {
        var parsed = PlanArguments.Parse([
            "--budget", "10M", "--deadline-days", "90", "--accelerator", "nvidia-h100-80gb,nvidia-a100-80gb", "--tokens-per-parameter", "40",
            "--budget-covers", "run", "--clouds", "aws", "--regions", "us-east-1", "--pricing", "on_demand", "--precision", "fp8", "--json"]);

        var r = parsed.Request;
        Assert.Equal(10_000_000m, r.Budget.ToDecimal());
        Assert.Equal(90, r.DeadlineDays);
        Assert.Equal(["nvidia-h100-80gb", "nvidia-a100-80gb"], r.AcceleratorIds);
        Assert.Equal(40, r.TokensPerParameter);
        Assert.Equal("run", r.BudgetCovers);
        Assert.Equal(["aws"], r.Clouds);
        Assert.Equal(["us-east-1"], r.Regions);
        Assert.Equal(["on_demand"], r.PricingModels);
        Assert.Equal("fp8", r.Precision);
        Assert.True(parsed.Json);
    }

    [Theory]
    [InlineData("--deadline-days", "90")]
    [InlineData("--budget", "lots")]
    [InlineData("--budget", "1e7", "--params", "70e9")]
    public void Bad_plan_arguments_are_ArgumentExceptions(params string[] args) =>
        Assert.Throws<ArgumentException>(() => PlanArguments.Parse(args));

    [Fact]
    public async Task Plan_prints_the_model_the_plan_and_the_forward_check()
    {
        var (code, output, error) = await RunAsync("plan", "--budget", "1e7", "--deadline-days", "90", "--server", server.Address);

        Assert.True(code == 0, error);
        var lines = output.Split('\n', StringSplitOptions.TrimEntries);
        Assert.StartsWith("Budget plan: ", lines[0], StringComparison.Ordinal);
        Assert.Contains(lines, l => l.StartsWith("Model: ", StringComparison.Ordinal) && l.Contains("20 tokens per parameter", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("Forward quote: pricing quote --params ", StringComparison.Ordinal) && l.Contains("--deadline-days 90", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("Plan #1 ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("Bill total: ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("Forward check: ", StringComparison.Ordinal) && l.EndsWith("within 5 % under the budget", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_forward_command_the_plan_prints_quotes_the_same_cost()
    {
        var (_, output, _) = await RunAsync("plan", "--budget", "2e6", "--deadline-days", "30", "--accelerator", "nvidia-h100-80gb", "--json", "--server", server.Address);
        var plan = JsonDocument.Parse(output).RootElement;
        var forward = Pricing.Client.BudgetPlanLines.ForwardFlags(BudgetPlan.Parser.ParseJson(output).ForwardRequest);

        var (code, quoted, error) = await RunAsync(["quote", .. forward.Split(' '), "--json", "--server", server.Address]);

        Assert.True(code == 0, error);
        var top = JsonDocument.Parse(quoted).RootElement.GetProperty("options")[0].GetProperty("billTotal");
        Assert.Equal(plan.GetProperty("cost").GetProperty("units").GetString(), top.GetProperty("units").GetString());
        Assert.Equal(plan.GetProperty("cost").GetProperty("nanos").GetInt32(), top.GetProperty("nanos").GetInt32());
    }

    [Fact]
    public async Task A_program_budget_plans_a_model_whose_programs_total_fits_and_the_forward_check_reads_that_total()
    {
        var (code, output, error) = await RunAsync("plan", "--budget", "1e8", "--deadline-days", "90", "--budget-covers", "program", "--json", "--server", server.Address);

        Assert.True(code == 0, error);
        var plan = BudgetPlan.Parser.ParseJson(output);
        Assert.Equal("program", plan.BudgetCovers);
        var top = plan.Quote.Options[0];
        Assert.Equal(top.Program.Total, plan.Cost);
        Assert.True(plan.Cost.ToDecimal() <= 100_000_000m);
        Assert.True(top.BillTotal.ToDecimal() < plan.Cost.ToDecimal(), "the run is one part of its program");
        var check = Pricing.Client.BudgetPlanLines.ForwardCheck(100_000_000m, plan.Quote, coversProgram: true);
        Assert.StartsWith("$" + plan.Cost.ToDecimal().ToString("N0", System.Globalization.CultureInfo.InvariantCulture), check.Value, StringComparison.Ordinal);
    }
}
