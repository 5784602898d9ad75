using Pricing.Catalog;

namespace Pricing.Catalog.Tests;

public class PricingTermsTests
{
    [Theory]
    [InlineData(PricingModels.OnDemand, PricingKind.OnDemand, 0, "none")]
    [InlineData(PricingModels.Committed1Y, PricingKind.Commitment, 12, "no_upfront")]
    [InlineData(PricingModels.Committed3Y, PricingKind.Commitment, 36, "no_upfront")]
    [InlineData("reserved_3y_partial_upfront", PricingKind.Commitment, 36, "partial_upfront")]
    [InlineData("reserved_1y_convertible_all_upfront", PricingKind.Commitment, 12, "all_upfront")]
    [InlineData("savings_plan_compute_1y_no_upfront", PricingKind.SavingsPlan, 12, "no_upfront")]
    [InlineData("savings_plan_ec2_instance_3y_all_upfront", PricingKind.SavingsPlan, 36, "all_upfront")]
    [InlineData(PricingModels.CapacityBlock, PricingKind.CapacityBlock, 0, "upfront")]
    [InlineData(PricingModels.DwsFlexStart, PricingKind.FlexStart, 0, "none")]
    [InlineData(PricingModels.DwsCalendar, PricingKind.Calendar, 0, "none")]
    public void Each_model_name_reads_to_its_terms(string model, PricingKind kind, int termMonths, string payment)
    {
        var terms = PricingModels.Terms(model);

        Assert.NotNull(terms);
        Assert.Equal(kind, terms.Kind);
        Assert.Equal(termMonths, terms.TermMonths);
        Assert.Equal(payment, terms.Payment);
        Assert.False(string.IsNullOrWhiteSpace(terms.Source));
    }

    [Theory]
    [InlineData("reserved_2y_all_upfront")]
    [InlineData("savings_plan_sagemaker_1y_no_upfront")]
    [InlineData("preemptible")]
    [InlineData("")]
    public void A_name_not_in_the_data_file_is_unknown(string model)
    {
        Assert.False(PricingModels.IsKnown(model));
        Assert.Null(PricingModels.Terms(model));
    }

    [Fact]
    public void The_name_builders_produce_known_models()
    {
        Assert.Equal(PricingModels.Committed1Y, PricingModels.Reservation(1, PricingModels.Payments.NoUpfront));
        Assert.Equal("reserved_3y_all_upfront", PricingModels.Reservation(3, PricingModels.Payments.AllUpfront));
        Assert.Equal("reserved_1y_convertible_no_upfront", PricingModels.Reservation(1, PricingModels.Payments.NoUpfront, convertible: true));
        Assert.Equal("savings_plan_ec2_instance_1y_partial_upfront", PricingModels.SavingsPlan("ec2_instance", 1, PricingModels.Payments.PartialUpfront));
        foreach (var years in new[] { 1, 3 })
        {
            foreach (var payment in new[] { "no_upfront", "partial_upfront", "all_upfront" })
            {
                Assert.True(PricingModels.IsKnown(PricingModels.Reservation(years, payment)));
                Assert.True(PricingModels.IsKnown(PricingModels.Reservation(years, payment, convertible: true)));
                Assert.True(PricingModels.IsKnown(PricingModels.SavingsPlan("compute", years, payment)));
                Assert.True(PricingModels.IsKnown(PricingModels.SavingsPlan("ec2_instance", years, payment)));
            }
        }
    }

    [Fact]
    public void Whole_term_billing_is_for_commitments_and_savings_plans_only()
    {
        Assert.All(PricingModels.Known, t =>
            Assert.Equal(t.Kind is PricingKind.Commitment or PricingKind.SavingsPlan, t.BillsWholeTerm));
        Assert.Equal(3 * 8_760, PricingModels.Terms("savings_plan_compute_3y_no_upfront")!.TermHours);
    }

    [Theory]
    // Capacity Blocks: 1-day steps to 14 days, then 7-day steps to 182 days.
    [InlineData(1, 24)]
    [InlineData(24, 24)]
    [InlineData(25, 48)]
    [InlineData(336, 336)]
    [InlineData(337, 504)]
    [InlineData(4_368, 4_368)]
    public void A_capacity_block_is_the_shortest_purchasable_one_that_covers_the_hours(double hours, int block) =>
        Assert.Equal(block, PricingModels.Terms(PricingModels.CapacityBlock)!.Block!.BlockHoursFor(hours));

    [Fact]
    public void A_run_longer_than_the_longest_block_needs_several()
    {
        var rules = PricingModels.Terms(PricingModels.CapacityBlock)!.Block!;
        Assert.Equal(4_368, rules.MaxHours);
        Assert.Null(rules.BlockHoursFor(4_369));
        Assert.Equal(56, rules.MaxLeadDays);
        Assert.Equal(64, rules.MaxInstancesPerBlock);
    }

    [Fact]
    public void Calendar_mode_reserves_whole_days_up_to_ninety_and_flex_start_runs_at_most_seven_days()
    {
        var calendar = PricingModels.Terms(PricingModels.DwsCalendar)!.Block!;
        Assert.Equal(48, calendar.BlockHoursFor(30));
        Assert.Equal(2_160, calendar.MaxHours);
        Assert.Null(calendar.BlockHoursFor(2_161));
        Assert.Equal(168, PricingModels.Terms(PricingModels.DwsFlexStart)!.Block!.MaxRunHours);
        Assert.True(PricingModels.Terms(PricingModels.CapacityBlock)!.MovesWithDemand);
    }
}
