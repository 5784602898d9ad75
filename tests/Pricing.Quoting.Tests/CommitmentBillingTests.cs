using static Pricing.Quoting.Tests.TestData;

namespace Pricing.Quoting.Tests;

/// <summary>
/// 1- and 3-year commitments bill as the clouds bill them: every hour of the term for every instance held, unless the
/// request says the capacity is reused after the run (docs/quote-model.md §5).
/// </summary>
public sealed class CommitmentBillingTests
{
    private const double Year = 8760;

    /// <summary>70B on 1.4T tokens sized to finish in 30 days.</summary>
    private static QuoteSpec ThirtyDays => Spec() with { DeadlineHours = 30 * 24 };

    [Theory]
    [InlineData(PricingModels.Committed1Y, 1)]
    [InlineData(PricingModels.Committed3Y, 3)]
    public void A_commitment_on_a_30_day_run_bills_the_whole_term_for_every_instance(string model, int years)
    {
        var price = 36.00m;

        var result = Engine().Quote(ThirtyDays, Prices(P5(model, price)));

        var option = Assert.Single(result.Options);
        var termHours = years * Year;
        Assert.True(option.WallClockHours <= 30 * 24);
        // instances × term hours × the instance rate.
        PlanFormulas.WithinACent(option.Instances * (decimal)termHours * price, option.TotalCost);
        Assert.NotNull(option.Commitment);
        Assert.Equal(termHours, option.Commitment.TermHours);
        Assert.Equal(1, option.Commitment.Terms);
        Assert.Equal(termHours, option.Commitment.BilledHoursPerInstance);
        Assert.False(option.Commitment.CapacityReused);
        Close(option.WallClockHours / termHours, option.Commitment.TermShareUsed, 1e-12);
        // About 12x (36x) the hours the run uses.
        var usedCost = (decimal)option.AcceleratorHours * option.PricePerAcceleratorHour;
        Assert.True(option.TotalCost / usedCost >= 12 * years, $"Billed {option.TotalCost / usedCost:N1}x the used hours.");
        Close((termHours - option.WallClockHours) * option.Accelerators, option.Breakdown.UnusedCommitmentHours, 1e-9);
        Assert.Contains(result.Warnings, w => w.Contains($"A {years}-year commitment bills the whole term", StringComparison.Ordinal));
    }

    [Fact]
    public void Reused_committed_capacity_bills_only_the_runs_hours_and_reports_the_share_of_the_term_used()
    {
        var price = 36.00m;

        var result = Engine().Quote(ThirtyDays with { ReuseCommittedCapacity = true }, Prices(P5(PricingModels.Committed1Y, price)));

        var option = Assert.Single(result.Options);
        PlanFormulas.WithinACent((decimal)option.AcceleratorHours * price / 8, option.TotalCost);
        Assert.NotNull(option.Commitment);
        Assert.True(option.Commitment.CapacityReused);
        Close(option.WallClockHours, option.Commitment.BilledHoursPerInstance, 1e-12);
        Close(option.WallClockHours / Year, option.Commitment.TermShareUsed, 1e-12);
        Assert.Equal(0, option.Breakdown.UnusedCommitmentHours);
        Assert.Equal(0m, option.Breakdown.UnusedCommitment);
        Assert.DoesNotContain(result.Warnings, w => w.Contains("commitment bills the whole term", StringComparison.Ordinal));
    }

    [Fact]
    public void On_demand_and_spot_bill_the_hours_used_and_carry_no_commitment()
    {
        // Spot named: a 30-day spot fleet is past the spot rule (capacity-rules.json) and is offered only when asked for.
        var result = Engine().Quote(ThirtyDays with { Goodput = 0.9, MaxOptions = 10, PricingModels = [PricingModels.OnDemand, PricingModels.Spot] },
            Prices(P5(PricingModels.OnDemand, 55.04m), P5(PricingModels.Spot, 30.2m)));

        Assert.Equal(2, result.Options.Count);
        Assert.All(result.Options, o =>
        {
            Assert.Null(o.Commitment);
            Assert.Equal(0, o.Breakdown.UnusedCommitmentHours);
            PlanFormulas.WithinACent((decimal)o.AcceleratorHours * o.PricePerAcceleratorHour, o.TotalCost);
        });
    }

    [Fact]
    public void A_commitment_ranks_by_what_it_bills_not_by_its_hourly_rate()
    {
        // The 1-year rate is 35% below on demand, but 30 days of use pay for 365.
        var onDemand = P5(PricingModels.OnDemand, 55.04m);
        var committed = P5(PricingModels.Committed1Y, 36.00m);

        var result = Engine().Quote(ThirtyDays with { MaxOptions = 10 }, Prices(committed, onDemand));

        Assert.Equal([PricingModels.OnDemand, PricingModels.Committed1Y], result.Options.Select(o => o.Offer.PricingModel));
    }

    [Fact]
    public void A_run_longer_than_the_term_bills_as_many_whole_terms_as_it_spans()
    {
        // 70B on 24 H100s: about two years of wall-clock, so three 1-year terms.
        var result = Engine().Quote(Spec(acceleratorCount: 24), Prices(P5(PricingModels.Committed1Y, 36.00m)));

        var option = Assert.Single(result.Options);
        var terms = (int)Math.Ceiling(option.WallClockHours / Year);
        Assert.True(terms >= 2, $"The run takes {option.WallClockHours:N0} h.");
        Assert.Equal(terms, option.Commitment!.Terms);
        Assert.Equal(terms * Year, option.Commitment.BilledHoursPerInstance);
        PlanFormulas.WithinACent(3 * (decimal)(terms * Year) * 36.00m, option.TotalCost);
        Close(option.WallClockHours / (terms * Year), option.Commitment.TermShareUsed, 1e-12);
    }

    [Theory]
    [InlineData(PricingModels.Committed1Y, 720, false, Year, 1)]
    [InlineData(PricingModels.Committed1Y, Year, false, Year, 1)]
    [InlineData(PricingModels.Committed1Y, Year + 1, false, 2 * Year, 2)]
    [InlineData(PricingModels.Committed3Y, 720, false, 3 * Year, 1)]
    [InlineData("reserved_1y_all_upfront", 720, false, Year, 1)]
    [InlineData("reserved_3y_partial_upfront", 720, false, 3 * Year, 1)]
    [InlineData(PricingModels.Committed1Y, 720, true, 720, 1)]
    [InlineData(PricingModels.OnDemand, 720, false, 720, 0)]
    [InlineData(PricingModels.Spot, 720, false, 720, 0)]
    public void Billed_hours_per_instance_round_a_commitment_up_to_whole_terms(string model, double wallHours, bool reused, double billed, int terms)
    {
        var hours = ModelBilling.For(PricingModels.Terms(model), wallHours, reused);

        Assert.Equal(billed, hours.HoursPerInstance);
        Assert.Equal(terms, hours.Terms);
    }

    [Theory]
    [InlineData("reserved_1y_all_upfront", "all_upfront")]
    [InlineData("reserved_3y_partial_upfront", "partial_upfront")]
    [InlineData("reserved_1y_convertible_no_upfront", "no_upfront")]
    [InlineData("savings_plan_ec2_instance_3y_all_upfront", "all_upfront")]
    [InlineData(PricingModels.Committed1Y, "no_upfront")]
    public void The_payment_option_comes_from_the_pricing_model(string model, string payment) =>
        Assert.Equal(payment, Assert.Single(Engine().Quote(ThirtyDays, Prices(P5(model, 36.00m))).Options).Commitment!.PaymentOption);

    [Fact]
    public void An_all_upfront_reservation_is_paid_upfront_in_full()
    {
        var result = Engine().Quote(ThirtyDays, Prices(P5("reserved_1y_all_upfront", 36.00m)));

        var option = Assert.Single(result.Options);
        Assert.Equal("all_upfront", option.Commitment!.PaymentOption);
        Assert.Equal(option.TotalCost, option.Commitment.Upfront);
    }
}
