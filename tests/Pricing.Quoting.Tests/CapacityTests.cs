using System.Globalization;
using static Pricing.Quoting.Tests.TestData;

namespace Pricing.Quoting.Tests;

/// <summary>
/// Capacity as data and as a constraint (capacity-rules.json; docs/quote-model.md, "Capacity: how each plan is
/// obtained"): spot past its fleet and length excluded unless named, Capacity Blocks never over 64 a block, 256 across
/// blocks or 182 days, obtainable plans ranked first, plans longer than a year said so, and old rates dated.
/// </summary>
public sealed class CapacityTests
{
    private const double Day = 24;

    /// <summary>The late-2024 Capacity Block rate (aws-capacity-block-rates.json), read 2024-12-01.</summary>
    private static readonly DateTimeOffset CapacityBlockRead = new(2024, 12, 1, 0, 0, 0, TimeSpan.Zero);

    private static Offer CapacityBlock(string region = "us-east-1") =>
        P5(PricingModels.CapacityBlock, 39.33m) with { Region = region, EffectiveDate = CapacityBlockRead };

    /// <summary>README's first command's offers in small: p5 on spot (cheapest per hour), on demand and Capacity Blocks.</summary>
    private static PriceViewSnapshot P5Market() =>
        Prices(P5(PricingModels.Spot, 10.24m), P5(), CapacityBlock(), Offer(pricingModel: PricingModels.Spot, price: 18.17m));

    [Fact]
    public void A_default_quote_of_at_least_4_instances_for_at_least_14_days_is_not_topped_by_spot()
    {
        // README's first command: 70B, 1.4T tokens, H100, sized to the default deadline (about 36 × p5 for 59 days).
        var result = Engine().Quote(Spec(acceleratorIds: [H100]), P5Market());

        var top = result.Options[0];
        Assert.True(top.Instances >= 4 && top.WallClockHours >= 14 * Day, $"{top.Instances} instances for {top.WallClockHours / Day:N0} days");
        Assert.NotEqual(PricingModels.Spot, top.Offer.PricingModel);
        Assert.True(top.Capacity!.Obtainable);
        // The spot offers are excluded with the reason, not hidden.
        Assert.DoesNotContain(result.Options, o => o.Offer.PricingModel == PricingModels.Spot);
        Assert.Equal(2, result.Excluded.Count(e => e.Offer.PricingModel == PricingModels.Spot && e.Reason.Contains("name spot in pricing_models", StringComparison.Ordinal)));
    }

    [Fact]
    public void Spot_asked_for_by_name_is_offered_past_its_rule_but_marked_unobtainable_and_ranked_after_obtainable_plans()
    {
        var result = Engine().Quote(Spec(acceleratorIds: [H100], pricingModels: [PricingModels.Spot, PricingModels.OnDemand]), P5Market());

        var spot = result.Options.Where(o => o.Offer.PricingModel == PricingModels.Spot).ToList();
        Assert.NotEmpty(spot);
        Assert.All(spot, o =>
        {
            Assert.False(o.Capacity!.Obtainable);
            Assert.Equal("spot", o.Capacity.Kind);
            Assert.Contains("at most 7 days", o.Capacity.Reason, StringComparison.Ordinal);
        });
        Assert.Equal(PricingModels.OnDemand, result.Options[0].Offer.PricingModel);
        var firstUnobtainable = result.Options.ToList().FindIndex(o => !o.Capacity!.Obtainable);
        Assert.All(result.Options.Skip(firstUnobtainable), o => Assert.False(o.Capacity!.Obtainable));
    }

    [Fact]
    public void No_capacity_block_plan_exceeds_64_a_block_256_across_blocks_or_182_days()
    {
        // Sized to the default deadline, a large run is re-planned within 256 instances, or excluded with the reason.
        foreach (var (parameters, tokens) in new[] { (70e9, 1.4e12), (405e9, 15.6e12), (7e9, 2e12), (175e9, 3e12) })
        {
            var result = Engine().Quote(Spec(parameters: parameters, tokens: tokens) with { GlobalBatchTokens = 64e6 }, Prices(CapacityBlock()));

            foreach (var option in result.Options)
            {
                Assert.True(option.Instances <= 256, $"{option.Instances} instances");
                Assert.True(option.Block!.ParallelBlocks * 64 >= option.Instances);
                Assert.True(option.Block.ParallelBlocks <= 4);
                Assert.True(option.WallClockHours + 0.5 <= 182 * Day, $"{option.WallClockHours / Day:N1} days");
                Assert.True(option.Block.BilledHoursPerInstance >= option.WallClockHours + 0.5);
            }

            Assert.All(result.Excluded, e => Assert.Contains("over the provider's caps", e.Reason, StringComparison.Ordinal));
            Assert.Equal(1, result.Options.Count + result.Excluded.Count);
        }
    }

    [Fact]
    public void A_405b_run_on_16384_h100_has_no_spot_plan_on_top_and_its_capacity_blocks_are_excluded_with_the_reason()
    {
        // Llama 3.1 405B as trained: 16,384 H100 = 2,048 × p5.48xlarge, a 16M-token batch.
        var spec = Spec(parameters: 405e9, tokens: 15.6e12, acceleratorCount: 16_384) with { GlobalBatchTokens = 16e6 * 4, MaxOptions = 10 };

        var result = Engine().Quote(spec, Prices(P5(PricingModels.Spot, 10.24m), P5(), CapacityBlock(), CapacityBlock("us-east-2")));

        var top = result.Options[0];
        Assert.NotEqual(PricingModels.Spot, top.Offer.PricingModel);
        Assert.True(top.Capacity!.Obtainable);
        Assert.Equal(2048, top.Instances);
        // On demand at that size: shown with what must be requested (a reservation and a quota), not hidden.
        Assert.Equal("on_demand_with_reservation", top.Capacity.Kind);
        Assert.Contains("capacity reservation of 2,048 × p5.48xlarge", top.Capacity.Request, StringComparison.Ordinal);
        Assert.Contains($"{(2048 * P5().Vcpus).ToString("N0", CultureInfo.InvariantCulture)} vCPUs (Running On-Demand P instances)", top.Capacity.Request, StringComparison.Ordinal);
        Assert.DoesNotContain(result.Options, o => o.Offer.PricingModel is PricingModels.CapacityBlock or PricingModels.Spot);
        var blocks = result.Excluded.Where(e => e.Offer.PricingModel == PricingModels.CapacityBlock).ToList();
        Assert.Equal(2, blocks.Count);
        Assert.All(blocks, e =>
        {
            Assert.Contains("2,048 × p5.48xlarge", e.Reason, StringComparison.Ordinal);
            Assert.Contains("at most 64 instances a block, 256 across blocks", e.Reason, StringComparison.Ordinal);
        });
        Assert.Contains(result.Excluded, e => e.Offer.PricingModel == PricingModels.Spot);
    }

    [Fact]
    public void A_capacity_block_plan_says_how_many_blocks_of_how_many_instances_and_days()
    {
        // 128 p5 for a 27.9-day run: 2 blocks of 64, 28 days each (14 + 2 × 7), the 30-minute tail included.
        var tokens = 27.9 * Day * 1024 * H100DenseBf16 * 0.4 * 0.95 * 3600 / (6 * 7e9);
        var spec = Spec(parameters: 7e9, tokens: tokens, acceleratorCount: 1024, mfu: 0.4) with { Goodput = 0.95 };

        var option = Assert.Single(Engine().Quote(spec, Prices(CapacityBlock())).Options);

        Assert.Equal("capacity_block", option.Capacity!.Kind);
        Assert.Equal("2 Capacity Blocks of 64 p5.48xlarge, 28 days each, paid up front", option.Capacity.Request);
        Assert.True(option.Capacity.Obtainable);
        Assert.Contains(option.Capacity.Notes, n => n.Contains("30 minutes early", StringComparison.Ordinal));
    }

    [Fact]
    public void A_capacity_block_rate_read_long_before_the_catalog_says_how_old_it_is_and_a_current_rate_does_not()
    {
        var result = Engine().Quote(Spec(acceleratorIds: [H100]) with { MaxOptions = 10 }, P5Market());

        var block = result.Options.Single(o => o.Offer.PricingModel == PricingModels.CapacityBlock);
        Assert.Equal(CapacityBlockRead, block.Capacity!.RateAsOf);
        Assert.StartsWith("Capacity Block rate as of 2024-12 (24 months before the 2026-11 catalog)", block.Capacity.RateNote, StringComparison.Ordinal);
        Assert.Contains(result.Warnings, w => w.StartsWith("Capacity Block rate as of 2024-12", StringComparison.Ordinal));
        // An on-demand rate's effective date is when it took effect, still in force: no note.
        var onDemand = result.Options.Single(o => o.Offer.PricingModel == PricingModels.OnDemand);
        Assert.Equal("", onDemand.Capacity!.RateNote);
    }

    [Fact]
    public void A_plan_longer_than_a_year_says_so_on_the_option_and_in_the_warnings()
    {
        // 1e15 tokens of a 70B model on 64 H100: years of wall-clock on any offer.
        var result = Engine().Quote(Spec(tokens: 1e15, acceleratorCount: 64, mfu: 0.4) with { Goodput = 0.9 }, Prices(P5(), Offer()));

        Assert.NotEmpty(result.Options);
        Assert.All(result.Options, o =>
        {
            Assert.True(o.WallClockHours > 365 * Day);
            Assert.False(o.Capacity!.Obtainable);
            Assert.Contains("longer than a year", o.Capacity.Reason, StringComparison.Ordinal);
        });
        Assert.Contains(result.Warnings, w => w.StartsWith("Not obtainable as planned", StringComparison.Ordinal) && w.Contains("longer than a year", StringComparison.Ordinal));
    }

    [Fact]
    public void A_comparison_ranks_a_type_with_an_obtainable_plan_before_a_cheaper_one_longer_than_a_year()
    {
        // 7B on 2T tokens: a few A10G instances without a training fabric take years; H100s finish in weeks.
        var a10g = Offer(provider: "aws", region: "us-east-1", instanceType: "g5.12xlarge", acceleratorId: A10G, acceleratorsPerInstance: 4m, price: 0.50m);
        var spec = Spec(parameters: 7e9, tokens: 2e12);

        var comparison = Engine().Compare(spec, Prices(P5(), a10g));

        var best = comparison.Choices.Where(c => c.Best is not null).ToList();
        Assert.True(best[0].Best!.Capacity!.Obtainable);
        Assert.All(best.Where(c => c.Best!.WallClockHours > 365 * Day), c => Assert.False(c.Best!.Capacity!.Obtainable));
    }

    [Fact]
    public void On_demand_past_the_reservation_size_needs_a_reservation_and_below_it_only_a_quota()
    {
        var small = Engine().Quote(Spec(acceleratorCount: 128, mfu: 0.4), Prices(P5())).Options[0];
        var large = Engine().Quote(Spec(acceleratorCount: 136, mfu: 0.4), Prices(P5())).Options[0];

        Assert.Equal("on_demand", small.Capacity!.Kind);
        Assert.Equal($"16 × p5.48xlarge on demand, and a quota of at least {(16 * P5().Vcpus).ToString("N0", CultureInfo.InvariantCulture)} vCPUs (Running On-Demand P instances)", small.Capacity.Request);
        Assert.Equal("on_demand_with_reservation", large.Capacity!.Kind);
        Assert.True(small.Capacity.Obtainable && large.Capacity.Obtainable);
    }

    [Theory]
    [InlineData("p5.48xlarge", "Running On-Demand P instances")]
    [InlineData("trn1.32xlarge", "Running On-Demand Trn instances")]
    [InlineData("g6e.48xlarge", "Running On-Demand G and VT instances")]
    public void The_on_demand_rule_names_the_quota_of_the_instance_family(string instanceType, string quota)
    {
        var rule = CapacityRules.Default.For(P5() with { InstanceType = instanceType }, PricingModels.Terms(PricingModels.OnDemand));

        Assert.Equal(quota, rule!.QuotaName);
        Assert.Equal("vcpus", rule.QuotaUnit);
    }

    [Fact]
    public void A_rule_without_a_source_or_with_an_unknown_policy_is_refused()
    {
        var rule = new CapacityRule("spot", "*", ["*"], 4, 7, null, null, null, null, CapacityRule.Exclude, null, null, null, null, "judgement", "a source");

        Assert.Throws<InvalidDataException>(() => new CapacityRules([rule with { Source = " " }], 365, 90));
        Assert.Throws<InvalidDataException>(() => new CapacityRules([rule with { OverPolicy = "ignore" }], 365, 90));
        Assert.Throws<InvalidDataException>(() => new CapacityRules([rule with { OverDaysPolicy = "later" }], 365, 90));
        Assert.Single(new CapacityRules([rule], 365, 90).All);
    }

    [Fact]
    public void Every_pricing_kind_has_a_capacity_rule_with_a_source_and_a_basis()
    {
        var rules = CapacityRules.Default;
        foreach (var terms in PricingModels.Known)
        {
            var rule = rules.For(P5(terms.Model), terms);
            Assert.NotNull(rule);
            Assert.False(string.IsNullOrWhiteSpace(rule.Source));
            Assert.Contains(rule.Basis, new[] { "sourced", "judgement" });
        }

        // The published Capacity Block and calendar-mode caps.
        var block = rules.For(P5(PricingModels.CapacityBlock), PricingModels.Terms(PricingModels.CapacityBlock))!;
        Assert.Equal((64, 256, 182.0, 30.0), (block.MaxInstancesPerRequest!.Value, block.MaxInstances!.Value, block.MaxDays!.Value, block.EndTailMinutes!.Value));
        var calendar = rules.For(P5(PricingModels.DwsCalendar) with { Provider = "gcp", InstanceType = "a3-highgpu-8g" }, PricingModels.Terms(PricingModels.DwsCalendar))!;
        Assert.Equal((80, 90.0), (calendar.MaxInstances!.Value, calendar.MaxDays!.Value));
        Assert.Equal(7.0, rules.For(P5(PricingModels.DwsFlexStart), PricingModels.Terms(PricingModels.DwsFlexStart))!.MaxRunDays);
    }
}
