using Pricing.Catalog;
using Pricing.Contracts.V1;
using Pricing.Quoting;
using Quotes.Grpc;

namespace Quotes.Tests;

/// <summary>
/// The input rules, on a request as read by <see cref="QuoteRequestMapping"/>: each problem is one violation on the
/// right field; a valid request has none.
/// </summary>
public sealed class QuoteRequestRulesTests
{
    /// <summary>A valid request; each test changes what it is about.</summary>
    private sealed record Request(
        double Parameters = 70e9,
        double ActiveParameters = 0,
        double Tokens = 1.4e12,
        string Precision = "bf16",
        string[]? AcceleratorIds = null,
        int AcceleratorCount = 1024,
        double Mfu = 0,
        string[]? Clouds = null,
        string[]? PricingModels = null,
        int MaxOptions = 10)
    {
        public List<FieldViolation> Check() => QuoteRequestMapping.Read(
            new QuoteTrainingRunRequest
            {
                Parameters = Parameters, ActiveParameters = ActiveParameters, Tokens = Tokens, Precision = Precision,
                AcceleratorIds = { AcceleratorIds ?? ["nvidia-h100-80gb"] }, AcceleratorCount = AcceleratorCount, Mfu = Mfu,
                Clouds = { Clouds ?? ["azure"] }, PricingModels = { PricingModels ?? ["on_demand"] }, MaxOptions = MaxOptions,
            },
            AcceleratorRegistry.Default).Violations;
    }

    private static void OnlyOn(string field, List<FieldViolation> violations)
    {
        var violation = Assert.Single(violations);
        Assert.Equal(field, violation.Field);
        Assert.False(string.IsNullOrWhiteSpace(violation.Description));
    }

    [Theory]
    [InlineData("fp4", "nvidia-b200")]
    [InlineData("FP4", "nvidia-gb300")]
    [InlineData("fp8", "nvidia-b200")]
    public void A_narrow_precision_on_an_accelerator_with_its_tensor_cores_is_valid(string precision, string accelerator) =>
        Assert.Empty(new Request(Precision: precision, AcceleratorIds: [accelerator]).Check());

    [Fact]
    public void FP4_on_an_accelerator_without_FP4_tensor_cores_is_one_violation_on_precision_naming_it()
    {
        var violations = new Request(Precision: "fp4", AcceleratorIds: ["nvidia-h100-80gb", "nvidia-b200", "nvidia-a100-80gb"]).Check();

        OnlyOn("precision", violations);
        var violation = Assert.Single(violations);
        Assert.Contains("nvidia-h100-80gb", violation.Description, StringComparison.Ordinal);
        Assert.Contains("nvidia-a100-80gb", violation.Description, StringComparison.Ordinal);
        Assert.DoesNotContain("nvidia-b200", violation.Description, StringComparison.Ordinal);
        Assert.Contains("Blackwell", violation.Description, StringComparison.Ordinal);
    }

    [Fact]
    public void A_valid_request_has_no_violations() => Assert.Empty(new Request().Check());

    [Fact]
    public void Empty_lists_and_defaults_are_valid() =>
        Assert.Empty(QuoteRequestMapping.Read(new QuoteTrainingRunRequest { Parameters = 70e9, Tokens = 1.4e12 }, AcceleratorRegistry.Default).Violations);

    [Theory]
    [InlineData("bf16")]
    [InlineData("BF16")]
    [InlineData("fp8")]
    [InlineData("")]
    public void Known_precisions_are_valid(string precision) => Assert.Empty(new Request(Precision: precision).Check());

    [Theory]
    [InlineData(1.0)]
    [InlineData(0.4)]
    [InlineData(0.0)]
    public void An_MFU_in_the_unit_interval_or_zero_for_the_default_is_valid(double mfu) => Assert.Empty(new Request(Mfu: mfu).Check());

    [Fact]
    public void Every_known_cloud_and_pricing_model_is_valid() =>
        Assert.Empty(new Request(Clouds: ["aws", "gcp", "azure"], PricingModels: ["on_demand", "spot", "committed_1y", "committed_3y", "savings_plan_compute_1y_no_upfront", "capacity_block", "dws_calendar"]).Check());

    [Fact]
    public void A_mixture_of_experts_with_fewer_active_parameters_is_valid() =>
        Assert.Empty(new Request(Parameters: 1e12, ActiveParameters: 1e11).Check());

    [Theory]
    [InlineData(0.0)]
    [InlineData(-70e9)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity)]
    [InlineData(1e15)]
    public void Bad_parameters_are_a_violation_on_parameters(double parameters) =>
        OnlyOn("parameters", new Request(Parameters: parameters).Check());

    [Theory]
    [InlineData(0.0)]
    [InlineData(-1.4e12)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(1e17)]
    public void Bad_tokens_are_a_violation_on_tokens(double tokens) =>
        OnlyOn("tokens", new Request(Tokens: tokens).Check());

    [Theory]
    [InlineData(-1.0)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(80e9)]
    public void Bad_active_parameters_are_a_violation_on_active_parameters(double active) =>
        OnlyOn("active_parameters", new Request(Parameters: 70e9, ActiveParameters: active).Check());

    [Theory]
    [InlineData("fp16")]
    [InlineData("int8")]
    [InlineData("bf 16")]
    public void An_unknown_precision_is_a_violation_on_precision(string precision) =>
        OnlyOn("precision", new Request(Precision: precision).Check());

    [Fact]
    public void An_unknown_accelerator_is_a_violation_on_accelerator_ids_naming_it()
    {
        var violations = new Request(AcceleratorIds: ["nvidia-h100-80gb", "nvidia-h1000"]).Check();

        OnlyOn("accelerator_ids", violations);
        Assert.Contains("nvidia-h1000", violations[0].Description, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(int.MinValue)]
    [InlineData(1_000_001)]
    public void A_negative_or_absurd_accelerator_count_is_a_violation_on_accelerator_count(int count) =>
        OnlyOn("accelerator_count", new Request(AcceleratorCount: count).Check());

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.01)]
    [InlineData(40.0)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void An_MFU_outside_the_unit_interval_is_a_violation_on_mfu(double mfu) =>
        OnlyOn("mfu", new Request(Mfu: mfu).Check());

    [Fact]
    public void An_unknown_cloud_is_a_violation_on_clouds_naming_it()
    {
        var violations = new Request(Clouds: ["azure", "oracle"]).Check();

        OnlyOn("clouds", violations);
        Assert.Contains("oracle", violations[0].Description, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_pricing_model_is_a_violation_on_pricing_models_naming_it()
    {
        var violations = new Request(PricingModels: ["on_demand", "preemptible"]).Check();

        OnlyOn("pricing_models", violations);
        Assert.Contains("preemptible", violations[0].Description, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(1001)]
    public void A_negative_or_absurd_max_options_is_a_violation_on_max_options(int max) =>
        OnlyOn("max_options", new Request(MaxOptions: max).Check());

    [Fact]
    public void Several_problems_give_several_violations_one_per_field()
    {
        var violations = new Request(
            Parameters: 0, Tokens: -1, Precision: "fp16", AcceleratorIds: ["nope"], AcceleratorCount: -8, Mfu: 2,
            Clouds: ["ibm"], PricingModels: ["free"], MaxOptions: -1).Check();

        Assert.Equal(
            ["accelerator_count", "accelerator_ids", "clouds", "max_options", "mfu", "parameters", "precision", "pricing_models", "tokens"],
            violations.Select(v => v.Field).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void The_same_unknown_value_twice_is_reported_once()
    {
        var violations = new Request(Clouds: ["ibm", "ibm"]).Check();

        OnlyOn("clouds", violations);
    }

    [Fact]
    public void Two_unknown_accelerators_are_two_violations_on_accelerator_ids()
    {
        var violations = new Request(AcceleratorIds: ["nope-1", "nope-2"]).Check();

        Assert.Equal(2, violations.Count);
        Assert.All(violations, v => Assert.Equal("accelerator_ids", v.Field));
    }

    [Theory]
    [InlineData("bf16", Precision.Bf16)]
    [InlineData("", Precision.Bf16)]
    [InlineData("FP8", Precision.Fp8)]
    [InlineData("fp4", Precision.Fp4)]
    public void Precision_parses(string text, Precision expected) => Assert.Equal(expected, QuoteRequestRules.ParsePrecision(text));

    [Fact]
    public void Too_many_items_in_a_list_is_one_violation_without_checking_each()
    {
        var clouds = Enumerable.Range(0, QuoteRequestRules.MaxListItems + 1).Select(i => $"cloud-{i}").ToArray();

        var violations = new Request(Clouds: clouds).Check();

        OnlyOn("clouds", violations);
        Assert.Contains($"At most {QuoteRequestRules.MaxListItems} items", violations[0].Description, StringComparison.Ordinal);
    }

    [Fact]
    public void Many_unknown_items_are_named_up_to_the_cap_and_the_rest_counted()
    {
        var ids = Enumerable.Range(0, 9).Select(i => $"nope-{i}").ToArray();

        var violations = new Request(AcceleratorIds: ids).Check();

        Assert.Equal(QuoteRequestRules.MaxViolationsPerField + 1, violations.Count);
        Assert.All(violations, v => Assert.Equal("accelerator_ids", v.Field));
        Assert.Contains($"and {9 - QuoteRequestRules.MaxViolationsPerField} more", violations[^1].Description, StringComparison.Ordinal);
    }

    [Fact]
    public void An_overlong_item_is_refused_without_echoing_it()
    {
        var huge = new string('x', 10_000);

        var violations = new Request(PricingModels: [huge]).Check();

        OnlyOn("pricing_models", violations);
        Assert.DoesNotContain(huge[..200], violations[0].Description, StringComparison.Ordinal);
        Assert.True(violations[0].Description.Length < 200, violations[0].Description);
    }

    [Fact]
    public void An_unknown_value_is_echoed_cut_short()
    {
        var longName = "oracle-" + new string('y', 100);

        var violation = Assert.Single(new Request(Clouds: [longName]).Check());

        Assert.DoesNotContain(longName, violation.Description, StringComparison.Ordinal);
        Assert.Contains(longName[..40], violation.Description, StringComparison.Ordinal);
    }
}
