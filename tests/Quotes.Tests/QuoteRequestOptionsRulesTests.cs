using Pricing.Catalog;
using Pricing.Contracts;
using Pricing.Contracts.V1;
using Pricing.Quoting;
using Quotes.Grpc;
using static Quotes.Tests.RequestRuleChecks;

namespace Quotes.Tests;

/// <summary>The rules for the optional parts of a request: attention shape, Chinchilla, deadline, overrides, prices; and contradictions.</summary>
public sealed class QuoteRequestOptionsRulesTests
{
    [Fact]
    public void Every_option_set_sensibly_is_valid()
    {
        var input = Valid(r =>
        {
            (r.Layers, r.DModel, r.SequenceLength, r.DeadlineHours, r.Goodput, r.Mfu) = (80, 8192, 4096, 24 * 30, 0.9, 0.4);
            r.DiscountPercent.Add(new Dictionary<string, double> { ["aws"] = 10, ["gcp"] = 0 });
            (r.ActivationAllowance, r.EnergyUtilisation) = (0.2, 0.8);
        });

        Assert.Empty(Check(input));
        var spec = ToSpec(input);
        Assert.Equal(80, spec.Layers);
        Assert.Equal(720, spec.DeadlineHours);
        Assert.Equal(0.9, spec.Goodput);
        // A zero discount is no discount.
        Assert.Equal(["aws"], spec.DiscountPercent.Keys);
        Assert.Equal(0.2, spec.ActivationAllowance);
        Assert.Equal(0.8, spec.EnergyUtilisation);
    }

    [Theory]
    [InlineData("frontier")]
    [InlineData("First_Large_Run")]
    [InlineData("")]
    public void A_known_team_maturity_is_valid_and_read_in_lower_case(string maturity)
    {
        var input = Valid(r => r.TeamMaturity = maturity);

        Assert.Empty(Check(input));
        Assert.Equal(maturity.ToLowerInvariant(), ToSpec(input).TeamMaturity);
    }

    [Fact]
    public void An_unknown_team_maturity_is_a_violation_on_it_that_names_the_levels_and_echoes_little()
    {
        var violations = Check(Valid(r => r.TeamMaturity = "veteran" + new string('x', 500)));

        OnlyOn("team_maturity", violations);
        var text = Assert.Single(violations).Description;
        Assert.Contains("frontier, experienced, first_large_run", text, StringComparison.Ordinal);
        Assert.True(text.Length < 300, text);
    }

    [Fact]
    public void Chinchilla_without_tokens_is_valid_and_chinchilla_with_tokens_contradicts()
    {
        Assert.Empty(Check(Valid(r => { r.Tokens = 0; r.Chinchilla = true; })));
        OnlyOn("chinchilla", Check(Valid(r => { r.Chinchilla = true; })));
    }

    [Fact]
    public void No_tokens_without_chinchilla_is_a_violation_on_tokens_that_mentions_chinchilla()
    {
        var violations = Check(Valid(r => { r.Tokens = 0; }));

        OnlyOn("tokens", violations);
        Assert.Contains("chinchilla", violations[0].Description, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(80, 8192, 0, new[] { "sequence_length" })]
    [InlineData(80, 0, 0, new[] { "d_model", "sequence_length" })]
    [InlineData(0, 0, 4096, new[] { "layers", "d_model" })]
    public void A_partial_attention_shape_names_the_missing_fields(int layers, int dModel, int sequence, string[] missing)
    {
        var violations = Check(Valid(r => { r.Layers = layers; r.DModel = dModel; r.SequenceLength = sequence; }));

        Assert.Equal(missing.Order(StringComparer.Ordinal), violations.Select(v => v.Field).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData(-1, 8192, 4096, "layers")]
    [InlineData(80, -8192, 4096, "d_model")]
    [InlineData(80, 8192, int.MaxValue, "sequence_length")]
    [InlineData(int.MaxValue, 8192, 4096, "layers")]
    public void A_negative_or_absurd_attention_dimension_is_a_violation_on_it(int layers, int dModel, int sequence, string field) =>
        OnlyOn(field, Check(Valid(r => { r.Layers = layers; r.DModel = dModel; r.SequenceLength = sequence; })));

    [Fact]
    public void An_attention_width_reaches_the_spec_with_the_shape_and_is_a_violation_without_it_or_out_of_range()
    {
        Assert.Equal(24576, ToSpec(Valid(r => { (r.Layers, r.DModel, r.SequenceLength, r.AttentionWidth) = (61, 7168, 4096, 24576); })).AttentionWidth);
        OnlyOn("attention_width", Check(Valid(r => { r.AttentionWidth = 24576; })));
        OnlyOn("attention_width", Check(Valid(r => { (r.Layers, r.DModel, r.SequenceLength, r.AttentionWidth) = (61, 7168, 4096, -1); })));
        OnlyOn("attention_width", Check(Valid(r => { (r.Layers, r.DModel, r.SequenceLength, r.AttentionWidth) = (61, 7168, 4096, int.MaxValue); })));
    }

    [Theory]
    [InlineData(-1.0)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(24 * 365 * 11.0)]
    public void A_negative_or_absurd_deadline_is_a_violation_on_deadline_hours(double hours) =>
        OnlyOn("deadline_hours", Check(Valid(r => { r.DeadlineHours = hours; })));

    [Fact]
    public void A_deadline_and_a_cluster_size_contradict()
    {
        var violations = Check(Valid(r => { r.DeadlineHours = 720; r.AcceleratorCount = 1024; }));

        OnlyOn("deadline_hours", violations);
        Assert.Contains("not both", violations[0].Description, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-0.5)]
    [InlineData(0.05)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public void A_goodput_outside_its_range_is_a_violation_on_goodput(double goodput) =>
        OnlyOn("goodput", Check(Valid(r => { r.Goodput = goodput; })));

    [Theory]
    [InlineData(-1)]
    [InlineData(10_001)]
    public void A_negative_or_absurd_custom_price_is_a_violation_on_it(int price) =>
        OnlyOn("price_per_accelerator_hour", Check(Valid(r => { r.PricePerAcceleratorHour = ((decimal)price).ToMoney(); })));

    [Fact]
    public void A_custom_price_and_discounts_contradict() =>
        OnlyOn("discount_percent", Check(Valid(r => { r.PricePerAcceleratorHour = 2m.ToMoney(); r.DiscountPercent["aws"] = 10; })));

    [Theory]
    [InlineData("oracle", 10)]
    [InlineData("aws", -5)]
    [InlineData("aws", 100)]
    [InlineData("gcp", double.NaN)]
    public void A_discount_for_an_unknown_cloud_or_outside_0_to_100_is_a_violation_on_discount_percent(string cloud, double percent) =>
        OnlyOn("discount_percent", Check(Valid(r => { r.DiscountPercent[cloud] = percent; })));

    [Theory]
    [InlineData(-0.1)]
    [InlineData(0.95)]
    [InlineData(double.NaN)]
    public void An_activation_allowance_outside_its_range_is_a_violation_on_it(double allowance) =>
        OnlyOn("activation_allowance", Check(Valid(r => { r.ActivationAllowance = allowance; })));

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.1)]
    [InlineData(double.PositiveInfinity)]
    public void An_energy_utilisation_outside_its_range_is_a_violation_on_it(double utilisation) =>
        OnlyOn("energy_utilisation", Check(Valid(r => { r.EnergyUtilisation = utilisation; })));

    [Fact]
    public void Every_bill_and_plan_option_set_sensibly_is_valid_and_reaches_the_spec()
    {
        var input = Valid(r =>
        {
            (r.GlobalBatchTokens, r.OptimizerSetup, r.ReuseCommittedCapacity, r.CheckpointCopies, r.DatasetBytes) = (8e6, "ZeRO", true, 5, 6e12);
            (r.DatasetCloud, r.ExperimentsMultiplier, r.StaffEngineers, r.StaffMonths) = ("gcp", 1.5, 4, 6);
            r.StaffMonthlyCost = 30_000m.ToMoney();
        });

        Assert.Empty(Check(input));
        var spec = ToSpec(input);
        Assert.Equal(8e6, spec.GlobalBatchTokens);
        Assert.Equal("zero", spec.OptimizerSetup);
        Assert.True(spec.ReuseCommittedCapacity);
        Assert.Equal(5, spec.CheckpointCopies);
        Assert.Equal(6e12, spec.DatasetBytes);
        Assert.Equal("gcp", spec.DatasetCloud);
        Assert.Equal(1.5, spec.ExperimentsMultiplier);
        Assert.Equal(4, spec.StaffEngineers);
        Assert.Equal(6, spec.StaffMonths);
        Assert.Equal(30_000m, spec.StaffMonthlyCost);
    }

    [Fact]
    public void Unset_bill_options_leave_the_defaults_to_the_engine()
    {
        var spec = ToSpec(Valid());

        Assert.Equal(0, spec.GlobalBatchTokens);
        Assert.Equal("", spec.OptimizerSetup);
        Assert.False(spec.ReuseCommittedCapacity);
        Assert.Equal("", spec.DatasetCloud);
        Assert.Equal(0, spec.ExperimentsMultiplier);
        Assert.Null(spec.StaffMonthlyCost);
    }

    [Theory]
    [InlineData(-1.0)]
    [InlineData(double.NaN)]
    [InlineData(1e11)]
    public void A_negative_or_absurd_global_batch_is_a_violation_on_global_batch_tokens(double tokens) =>
        OnlyOn("global_batch_tokens", Check(Valid(r => { r.GlobalBatchTokens = tokens; })));

    [Theory]
    [InlineData("deepspeed")]
    [InlineData("zero-3")]
    public void An_unknown_optimizer_setup_is_a_violation_on_optimizer_setup(string setup) =>
        OnlyOn("optimizer_setup", Check(Valid(r => { r.OptimizerSetup = setup; })));

    [Theory]
    [InlineData(-1)]
    [InlineData(1001)]
    public void A_negative_or_absurd_checkpoint_count_is_a_violation_on_checkpoint_copies(int copies) =>
        OnlyOn("checkpoint_copies", Check(Valid(r => { r.CheckpointCopies = copies; })));

    [Theory]
    [InlineData(-1.0)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(1e19)]
    public void A_negative_or_absurd_dataset_size_is_a_violation_on_dataset_bytes(double bytes) =>
        OnlyOn("dataset_bytes", Check(Valid(r => { r.DatasetBytes = bytes; })));

    [Fact]
    public void An_unknown_dataset_cloud_is_a_violation_naming_it() =>
        Assert.Contains("oracle", Assert.Single(Check(Valid(r => { r.DatasetCloud = "oracle"; })), v => v.Field == "dataset_cloud").Description, StringComparison.Ordinal);

    [Theory]
    [InlineData(0.5)]
    [InlineData(101.0)]
    [InlineData(double.NaN)]
    public void An_experiments_multiplier_below_1_or_absurd_is_a_violation_on_it(double multiplier) =>
        OnlyOn("experiments_multiplier", Check(Valid(r => { r.ExperimentsMultiplier = multiplier; })));

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.0)]
    [InlineData(100.0)]
    public void No_multiplier_or_one_from_1_to_100_is_valid(double multiplier) =>
        Assert.Empty(Check(Valid(r => { r.ExperimentsMultiplier = multiplier; })));

    [Theory]
    [InlineData(-1.0, 0.0, 0, "staff_engineers")]
    [InlineData(100_001.0, 0.0, 0, "staff_engineers")]
    [InlineData(2.0, 601.0, 0, "staff_months")]
    [InlineData(2.0, 0.0, -1, "staff_monthly_cost")]
    [InlineData(2.0, 0.0, 10_000_001, "staff_monthly_cost")]
    [InlineData(0.0, 6.0, 0, "staff_engineers")]
    [InlineData(0.0, 0.0, 30_000, "staff_engineers")]
    public void Staff_figures_out_of_range_or_without_engineers_are_a_violation(double engineers, double months, int monthlyCost, string field) =>
        OnlyOn(field, Check(Valid(r => { r.StaffEngineers = engineers; r.StaffMonths = months; r.StaffMonthlyCost = ((decimal)monthlyCost).ToMoney(); })));
}
