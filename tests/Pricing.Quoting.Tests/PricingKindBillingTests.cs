using static Pricing.Quoting.Tests.TestData;

namespace Pricing.Quoting.Tests;

/// <summary>
/// Every pricing model of pricing-models.json billed as the cloud bills it (docs/quote-model.md §5): savings plans and
/// reservations for whole terms with their plan type and payment option; AWS Capacity Blocks and GCP DWS calendar mode
/// in whole purchasable blocks (1-day steps to 14 days, 7-day steps to 182 days; 1 to 90 days), back to back past the
/// longest and side by side past 64 instances; DWS flex-start per hour with a forced restart every 7 days. The expected
/// hours come from those rules, worked out in the test, not from the engine.
/// </summary>
public sealed class PricingKindBillingTests
{
    private const double Day = 24;
    private const double Year = 8760;
    private const double FixedMfu = 0.4;
    private const double FixedGoodput = 0.95;
    private const double Parameters = 7e9;

    /// <summary>
    /// A 7B run on <paramref name="accelerators"/> H100s that takes exactly <paramref name="days"/> of wall-clock: MFU and
    /// goodput fixed, so wall = 6·N·D / (peak · MFU · goodput · 3600 · accelerators) and D is solved for the days.
    /// </summary>
    private static QuoteSpec RunOf(double days, int accelerators) =>
        Spec(parameters: Parameters, tokens: TokensFor(days * Day, accelerators, FixedGoodput), acceleratorCount: accelerators, mfu: FixedMfu)
            with { Goodput = FixedGoodput };

    private static double TokensFor(double wallHours, int accelerators, double goodput) =>
        wallHours * accelerators * H100DenseBf16 * FixedMfu * goodput * PlanFormulas.SecondsPerHour / (6 * Parameters);

    private static Offer Gcp(string model, decimal price = 60.00m) =>
        Offer(provider: "gcp", region: "us-central1", zone: "us-central1-a", instanceType: "a3-highgpu-8g", pricingModel: model, price: price);

    // Capacity Blocks: 1-day steps up to 14 days (336 h), then 7-day steps up to 182 days (4,368 h); AWS ends a block
    // 30 minutes early, so the block covers the run plus 30 minutes.
    [Theory]
    [InlineData(9.9, 10 * Day)]         // 9.9 days + 30 min: a 10-day block
    [InlineData(10.0, 11 * Day)]        // exactly 10 days + 30 min needs the 11-day block
    [InlineData(9.2, 10 * Day)]         // rounded up to the next whole day
    [InlineData(0.5, 1 * Day)]          // the shortest block is one day
    [InlineData(13.9, 14 * Day)]        // the last 1-day step
    [InlineData(15.0, 21 * Day)]        // past 14 days: 7-day steps, so 14 + 7
    [InlineData(100.0, 105 * Day)]      // 14 + 13 × 7 = 105 days
    [InlineData(181.9, 182 * Day)]      // the longest block
    public void A_capacity_block_bills_the_shortest_purchasable_block_covering_the_run(double days, double blockHours)
    {
        var price = 31.46m;

        var result = Engine().Quote(RunOf(days, 8), Prices(P5(PricingModels.CapacityBlock, price)));

        var option = Assert.Single(result.Options);
        Close(days * Day, option.WallClockHours, 1e-9);
        var block = option.Block;
        Assert.NotNull(block);
        Assert.Null(option.Commitment);
        Assert.Equal("capacity_block", block.Kind);
        Assert.Equal(1, block.BlocksInSequence);
        Assert.Equal(blockHours, block.LastBlockHours);
        Assert.Equal(blockHours, block.BilledHoursPerInstance);
        Assert.Equal(1, block.ParallelBlocks);
        Assert.Equal(64, block.MaxInstancesPerBlock);
        Assert.Equal(blockHours - days * Day, block.UnusedHoursPerInstance, 1e-6);
        // One instance × block hours × the instance rate; the tail it does not use is the unused line.
        PlanFormulas.WithinACent((decimal)blockHours * price, option.TotalCost);
        Assert.Equal((blockHours - option.WallClockHours) * 8, option.Breakdown.UnusedCommitmentHours, 1e-6);
        // Paid up front at a price that moves with demand, booked at most 8 weeks ahead.
        Assert.True(block.PaidUpfront);
        Assert.Equal(option.TotalCost, block.Upfront);
        Assert.True(block.MovesWithDemand);
        Assert.Equal(56, block.MaxLeadDays);
        Assert.Contains(block.Notes, n => n.Contains("within 56 days", StringComparison.Ordinal));
        Assert.Contains(result.Warnings, w => w.Contains("move with supply and demand", StringComparison.Ordinal));
        // Reserved capacity: no preemptions, goodput as on demand (here the fixed override).
        Assert.Equal(0, option.Breakdown.PreemptionHours);
    }

    [Theory]
    [InlineData(182.0)] // 182 days + the 30-minute tail is past the longest block
    [InlineData(200.0)]
    public void A_run_longer_than_the_longest_capacity_block_is_excluded_with_the_reason(double days)
    {
        var result = Engine().Quote(RunOf(days, 8), Prices(P5(PricingModels.CapacityBlock, 31.46m)));

        Assert.Empty(result.Options);
        var excluded = Assert.Single(result.Excluded);
        Assert.Contains("Capacity Block", excluded.Reason, StringComparison.Ordinal);
        Assert.Contains("at most 182 days", excluded.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(64, 1)]
    [InlineData(65, 2)]
    [InlineData(128, 2)]
    [InlineData(129, 3)]
    public void More_instances_than_a_block_holds_need_blocks_side_by_side(int instances, int blocks)
    {
        var price = 31.46m;

        var result = Engine().Quote(RunOf(2.9, instances * 8), Prices(P5(PricingModels.CapacityBlock, price)));

        var option = Assert.Single(result.Options);
        Assert.Equal(instances, option.Instances);
        Assert.Equal(blocks, option.Block!.ParallelBlocks);
        Assert.Equal(blocks, option.Block.BlocksPurchased);
        // Still every instance × the 3-day block (2.9 days + the 30-minute tail).
        PlanFormulas.WithinACent(instances * (decimal)(3 * Day) * price, option.TotalCost);
        Assert.Equal(blocks > 1, result.Warnings.Any(w => w.Contains($"need {blocks} blocks bought together", StringComparison.Ordinal)));
        Assert.Equal("capacity_block", option.Capacity!.Kind);
        Assert.StartsWith($"{blocks} Capacity Block", option.Capacity.Request, StringComparison.Ordinal);
    }

    // Calendar mode: whole days from 1 to 90, billed for all of them.
    [Theory]
    [InlineData(30.5, 1, 0, 31 * Day)]
    [InlineData(1.0, 1, 0, 1 * Day)]
    [InlineData(90.0, 1, 0, 90 * Day)]
    [InlineData(100.0, 2, 90 * Day, 10 * Day)]
    public void A_dws_calendar_reservation_bills_whole_days_up_to_90_and_books_the_rest_back_to_back(double days, int sequence, double fullHours, double lastHours)
    {
        var price = 60.00m;

        var result = Engine().Quote(RunOf(days, 8), Prices(Gcp(PricingModels.DwsCalendar, price)));

        var option = Assert.Single(result.Options);
        var block = option.Block!;
        Assert.Equal("calendar", block.Kind);
        Assert.Equal(sequence, block.BlocksInSequence);
        Assert.Equal(fullHours, block.FullBlockHours);
        Assert.Equal(lastHours, block.LastBlockHours);
        var billed = (sequence - 1) * fullHours + lastHours;
        Assert.Equal(billed, block.BilledHoursPerInstance);
        PlanFormulas.WithinACent((decimal)billed * price, option.TotalCost);
        // Not paid up front, not demand-priced, bookable up to 120 days ahead, no cap on instances.
        Assert.False(block.PaidUpfront);
        Assert.Equal(0m, block.Upfront);
        Assert.False(block.MovesWithDemand);
        Assert.Equal(120, block.MaxLeadDays);
        Assert.Equal(0, block.MaxInstancesPerBlock);
        Assert.DoesNotContain(result.Warnings, w => w.Contains("supply and demand", StringComparison.Ordinal));
        // Past 90 days the next reservation is a new request: offered, but not obtainable as planned.
        Assert.Equal(days <= 90, option.Capacity!.Obtainable);
        Assert.Equal("dws_calendar", option.Capacity.Kind);
    }

    [Theory]
    [InlineData(10.0, 648)]  // 81 VMs: more than one calendar-mode request holds
    [InlineData(100.0, 1024)]
    public void A_dws_calendar_plan_past_80_vms_is_excluded_with_the_reason(double days, int accelerators)
    {
        var result = Engine().Quote(RunOf(days, accelerators), Prices(Gcp(PricingModels.DwsCalendar, 60.00m)));

        Assert.Empty(result.Options);
        var reason = Assert.Single(result.Excluded).Reason;
        Assert.Contains("DWS calendar mode", reason, StringComparison.Ordinal);
        Assert.Contains("at most 80 instances, at most 90 days", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_20_day_flex_start_run_restarts_twice_and_loses_goodput_to_it()
    {
        // 64 H100s, the failure model's goodput (no override): T productive hours, the other losses b, and per forced
        // restart R + τ/2. A run of T/(1-b) ≈ 19.6 days restarts ceil(W / 168) − 1 = 2 times, so W = (T + 2(R + τ/2)) / (1 − b).
        const int accelerators = 64;
        var productiveHours = 19.5 * Day * (1 - PlanFormulas.Goodput(accelerators, 8).Loss);
        var spec = Spec(parameters: Parameters, tokens: TokensFor(productiveHours, accelerators, 1), acceleratorCount: accelerators, mfu: FixedMfu) with { MaxOptions = 10 };
        var flexPrice = 40.00m;

        var result = Engine().Quote(spec, Prices(Gcp(PricingModels.DwsFlexStart, flexPrice), Gcp(PricingModels.OnDemand, 88.00m)));

        var flex = result.Options.Single(o => o.Offer.PricingModel == PricingModels.DwsFlexStart);
        var onDemand = result.Options.Single(o => o.Offer.PricingModel == PricingModels.OnDemand);
        var parts = PlanFormulas.Goodput(accelerators, 8);
        var perRestart = DataFiles.Maturity().RestartHours + parts.IntervalHours / 2;
        var wall = (productiveHours + 2 * perRestart) / (1 - parts.Loss);
        Assert.InRange(wall, 14 * Day, 21 * Day);
        Close(wall, flex.WallClockHours, 1e-9);
        Close(productiveHours / wall, flex.Goodput!.Goodput, 1e-9);
        Close(2 * perRestart / wall, flex.Goodput.PreemptionLoss, 1e-9);
        Assert.Equal(2, flex.Goodput.ForcedRestarts);
        Assert.Equal(2, flex.Block!.ForcedRestarts);
        Assert.Equal(168, flex.Block.MaxRunHours);
        Assert.Equal(0, flex.Block.BlocksInSequence);
        // On demand on the same cluster: no forced restarts, more goodput, fewer hours.
        Close(parts.Goodput, onDemand.Goodput!.Goodput, 1e-9);
        Assert.True(flex.Goodput.Goodput < onDemand.Goodput.Goodput);
        Assert.True(flex.AcceleratorHours > onDemand.AcceleratorHours);
        // Billed for the hours used: nothing unused, restarts in the preemption line.
        Assert.Equal(0, flex.Breakdown.UnusedCommitmentHours);
        PlanFormulas.WithinACent((decimal)flex.AcceleratorHours * flexPrice / 8, flex.TotalCost);
        Assert.True(flex.Breakdown.Preemptions > 0);
        Assert.Contains(result.Warnings, w => w.Contains("start is not guaranteed", StringComparison.Ordinal));
    }

    [Fact]
    public void A_flex_start_run_shorter_than_7_days_has_no_forced_restart()
    {
        var result = Engine().Quote(Spec(parameters: Parameters, tokens: TokensFor(5 * Day, 64, 1), acceleratorCount: 64, mfu: FixedMfu) with { MaxOptions = 10 },
            Prices(Gcp(PricingModels.DwsFlexStart, 40.00m), Gcp(PricingModels.OnDemand, 88.00m)));

        var flex = result.Options.Single(o => o.Offer.PricingModel == PricingModels.DwsFlexStart);
        var onDemand = result.Options.Single(o => o.Offer.PricingModel == PricingModels.OnDemand);
        Assert.Equal(0, flex.Block!.ForcedRestarts);
        Assert.Equal(onDemand.Goodput!.Goodput, flex.Goodput!.Goodput);
        Assert.Equal(0, flex.Breakdown.PreemptionHours);
    }

    [Theory]
    [InlineData("savings_plan_compute_3y_no_upfront", 3, "compute", "no_upfront")]
    [InlineData("savings_plan_ec2_instance_1y_all_upfront", 1, "ec2_instance", "all_upfront")]
    [InlineData("savings_plan_compute_1y_partial_upfront", 1, "compute", "partial_upfront")]
    public void A_savings_plan_bills_its_whole_term_and_says_its_plan_and_payment(string model, int years, string planType, string payment)
    {
        var price = 40.00m;

        var result = Engine().Quote(Spec() with { DeadlineHours = 30 * Day }, Prices(P5(model, price)));

        var option = Assert.Single(result.Options);
        var commitment = option.Commitment!;
        Assert.Null(option.Block);
        // 3 years = 26,280 h; 1 year = 8,760 h, for every instance held.
        Assert.Equal(years * Year, commitment.TermHours);
        Assert.Equal(years * Year, commitment.BilledHoursPerInstance);
        PlanFormulas.WithinACent(option.Instances * (decimal)(years * Year) * price, option.TotalCost);
        Assert.Equal("savings_plan", commitment.Kind);
        Assert.Equal(planType, commitment.PlanType);
        Assert.Equal(payment, commitment.PaymentOption);
        Assert.Equal(payment == "all_upfront" ? option.TotalCost : 0m, commitment.Upfront);
        Assert.Contains(result.Warnings, w => w.Contains($"A {years}-year savings plan bills the whole term", StringComparison.Ordinal));
        if (payment == "partial_upfront")
        {
            // AWS takes 50-99% up front; the effective rate does not say which, so only the lower bound is stated.
            Assert.Contains("50% to 99%", commitment.UpfrontNote, StringComparison.Ordinal);
            Assert.Contains($"at least ${option.TotalCost / 2:N0}", commitment.UpfrontNote, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("reserved_3y_convertible_no_upfront", "convertible_ri", "no_upfront")]
    [InlineData("reserved_3y_convertible_partial_upfront", "convertible_ri", "partial_upfront")]
    [InlineData("reserved_3y_convertible_all_upfront", "convertible_ri", "all_upfront")]
    [InlineData("reserved_1y_partial_upfront", "standard_ri", "partial_upfront")]
    [InlineData(PricingModels.Committed1Y, "resource", "no_upfront")]
    public void A_reservation_carries_its_plan_type_and_payment_and_the_upfront_only_where_the_catalog_shows_it(string model, string planType, string payment)
    {
        var result = Engine().Quote(Spec() with { DeadlineHours = 30 * Day }, Prices(P5(model, 30.00m)));

        var commitment = Assert.Single(result.Options).Commitment!;
        Assert.Equal("commitment", commitment.Kind);
        Assert.Equal(planType, commitment.PlanType);
        Assert.Equal(payment, commitment.PaymentOption);
        switch (payment)
        {
            case "all_upfront":
                Assert.Equal(result.Options[0].TotalCost, commitment.Upfront);
                Assert.Equal("", commitment.UpfrontNote);
                break;
            case "partial_upfront":
                Assert.Equal(0m, commitment.Upfront);
                Assert.Contains("upfront share is not in the catalog", commitment.UpfrontNote, StringComparison.Ordinal);
                break;
            default:
                Assert.Equal(0m, commitment.Upfront);
                Assert.Equal("", commitment.UpfrontNote);
                break;
        }
    }

    [Fact]
    public void Every_known_pricing_model_can_be_quoted_and_is_billed_by_its_kind()
    {
        var spec = Spec() with { DeadlineHours = 30 * Day };

        foreach (var terms in PricingModels.Known)
        {
            Assert.Empty(QuoteRequestRules.Check(spec with { PricingModels = [terms.Model] }, AcceleratorRegistry.Default));

            // Named, so spot is offered past the spot rule of capacity-rules.json.
            var result = Engine().Quote(spec with { PricingModels = [terms.Model] }, Prices(P5(terms.Model, 40.00m)));

            var option = Assert.Single(result.Options);
            Assert.True((option.Commitment is not null) == terms.BillsWholeTerm, terms.Model);
            Assert.True((option.Block is not null) == (terms.Kind is PricingKind.CapacityBlock or PricingKind.Calendar or PricingKind.FlexStart), terms.Model);
            var billed = ModelBilling.For(terms, CapacityRules.Default.HoursToBook(option.Offer, terms, option.WallClockHours), false).HoursPerInstance;
            Assert.NotNull(option.Capacity);
            Assert.True(billed >= option.WallClockHours, terms.Model);
            PlanFormulas.WithinACent(option.Instances * (decimal)billed * 40.00m, option.TotalCost);
        }
    }

    [Theory]
    [InlineData(PricingModels.CapacityBlock, 240, 240)]
    [InlineData(PricingModels.CapacityBlock, 360, 504)]
    [InlineData(PricingModels.CapacityBlock, 4800, 4368 + 504)]
    [InlineData(PricingModels.DwsCalendar, 732, 744)]
    [InlineData(PricingModels.DwsCalendar, 2400, 2160 + 240)]
    [InlineData(PricingModels.DwsFlexStart, 480, 480)]
    [InlineData("savings_plan_compute_3y_no_upfront", 720, 3 * Year)]
    [InlineData("savings_plan_ec2_instance_1y_partial_upfront", Year + 1, 2 * Year)]
    public void Billed_hours_per_instance_follow_the_models_terms(string model, double wallHours, double billed) =>
        Assert.Equal(billed, ModelBilling.For(PricingModels.Terms(model), wallHours, false).HoursPerInstance);

    [Fact]
    public void An_unknown_pricing_model_is_refused_with_one_example_of_each_kind()
    {
        var violation = Assert.Single(QuoteRequestRules.Check(Spec(pricingModels: ["reserved_5y"]), AcceleratorRegistry.Default));

        Assert.Equal("pricing_models", violation.Field);
        Assert.Contains($"one of the {PricingModels.Known.Count} models", violation.Description, StringComparison.Ordinal);
        foreach (var example in PricingModels.Known.GroupBy(t => t.Kind).Select(g => g.First().Model))
        {
            Assert.Contains(example, violation.Description, StringComparison.Ordinal);
        }
    }
}
