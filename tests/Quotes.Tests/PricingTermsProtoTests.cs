using Pricing.Catalog;
using Pricing.Cli;
using Pricing.Contracts;
using Pricing.Contracts.V1;
using Pricing.Quoting;
using Pricing.Testing;
using Quotes.Grpc;
using Offer = Pricing.Catalog.Offer;

namespace Quotes.Tests;

/// <summary>
/// The answer says how each option is billed: a savings plan's or reservation's kind, plan type, payment option and
/// upfront note (<c>commitment</c>), a capacity block's or DWS reservation's blocks, tail, upfront, demand pricing and
/// lead time (<c>block</c>), in the proto, its JSON and the CLI's plan. Synthetic offers; the engine bills them.
/// </summary>
public sealed class PricingTermsProtoTests
{
    private static readonly Google.Protobuf.JsonFormatter Json = new(Google.Protobuf.JsonFormatter.Settings.Default.WithFormatDefaultValues(true));

    private static readonly DateTimeOffset AsOf = new(2026, 11, 28, 0, 0, 0, TimeSpan.Zero);

    private static Offer P5(string model, decimal price) =>
        new("aws", "us-east-1", null, "p5.48xlarge", "nvidia-h100-80gb", 8m, 192, 2048m, model, price, "USD", AsOf, "SKU", "METER");

    private static PriceViewSnapshot Prices(params Offer[] offers) =>
        new([new PriceViewCatalog("aws", 1, AsOf, offers.ToDictionary(o => o.OfferKey, StringComparer.Ordinal))]);

    /// <summary>7B on 65 × p5.48xlarge (520 H100s) at a fixed MFU and goodput: 9.9 days of wall-clock for the tokens solved below
    /// (with the 30 minutes AWS takes back at a Capacity Block's end, a 10-day block).</summary>
    private static QuoteSpec TenDaysOn65Instances()
    {
        const int accelerators = 65 * 8;
        var tokens = 9.9 * 24.0 * accelerators * 989.4e12 * 0.4 * 0.95 * 3600 / (6 * 7e9);
        return new QuoteSpec(7e9, 0, tokens, Precision.Bf16, [], accelerators, 0.4, [], [], [], 10) { Goodput = 0.95 };
    }

    private static QuoteOption Only(TrainingQuote quote, string model) => quote.Options.Single(o => o.PricingModel == model);

    [Fact]
    public void A_capacity_block_option_carries_its_blocks_tail_upfront_demand_pricing_and_lead_time()
    {
        var prices = Prices(P5(PricingModels.CapacityBlock, 31.46m));
        var result = TestQuoteEngines.Bundled().Quote(TenDaysOn65Instances(), prices);

        var quote = QuotePlanProtoMapping.ToProto(result, prices, AsOf, Precision.Bf16, PriceAge.DefaultStaleAfter);

        var option = Only(quote, PricingModels.CapacityBlock);
        var block = option.Block;
        Assert.NotNull(block);
        Assert.Null(option.Commitment);
        Assert.Equal("capacity_block", block.Kind);
        // A 9.9-day run + the 30-minute tail: one 10-day block; 65 instances: two blocks side by side (64 a block).
        Assert.Equal(1, block.BlocksInSequence);
        Assert.Equal(240, block.LastBlockHours);
        Assert.Equal(240, block.BilledHoursPerInstance);
        Assert.Equal(2, block.ParallelBlocks);
        Assert.Equal(64, block.MaxInstancesPerBlock);
        Assert.True(block.PaidUpfront);
        Assert.Equal(option.TotalCost.ToDecimal(), block.Upfront.ToDecimal());
        Assert.True(Math.Abs(65 * 240 * 31.46m - block.Upfront.ToDecimal()) <= 0.01m);
        Assert.True(block.MovesWithDemand);
        Assert.Equal(56, block.MaxLeadDays);
        Assert.Equal(result.Options[0].Block!.Notes, block.Notes);
        Assert.Contains(quote.Warnings, w => w.Contains("move with supply and demand", StringComparison.Ordinal));

        var json = Json.Format(option);
        Assert.Contains("\"block\": {", json, StringComparison.Ordinal);
        Assert.Contains("\"parallelBlocks\": 2", json, StringComparison.Ordinal);
        Assert.Contains("\"movesWithDemand\": true", json, StringComparison.Ordinal);
        // How the capacity is had: two blocks, within the caps; the rate's date in the proto and its JSON.
        Assert.Equal("capacity_block", option.Capacity.Kind);
        Assert.Equal("2 Capacity Blocks of up to 64 p5.48xlarge (65 in all), 10 days each, paid up front", option.Capacity.Request);
        Assert.True(option.Capacity.Obtainable);
        Assert.Equal(AsOf, option.Capacity.RateAsOf.ToDateTimeOffset());
        Assert.Contains("\"capacity\": {", json, StringComparison.Ordinal);
        Assert.Contains("\"obtainable\": true", json, StringComparison.Ordinal);

        var output = new StringWriter();
        QuoteCommand.PrintPlan(output, option);
        Assert.Contains("Capacity block: 1 × 10-day block, 2 side by side (≤ 64 instances a block), 240 h billed per instance", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("price moves with demand, starts within 56 days of booking", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("Capacity: capacity block, obtainable: 2 Capacity Blocks of up to 64 p5.48xlarge (65 in all), 10 days each", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_savings_plan_option_carries_its_kind_plan_type_payment_and_why_the_upfront_is_not_given()
    {
        var model = PricingModels.SavingsPlan("compute", 3, PricingModels.Payments.PartialUpfront);
        var prices = Prices(P5(model, 30.00m));
        var result = TestQuoteEngines.Bundled().Quote(TenDaysOn65Instances(), prices);

        var option = Only(QuotePlanProtoMapping.ToProto(result, prices, AsOf, Precision.Bf16, PriceAge.DefaultStaleAfter), model);

        var c = option.Commitment;
        Assert.NotNull(c);
        Assert.Null(option.Block);
        Assert.Equal("savings_plan", c.Kind);
        Assert.Equal("compute", c.PlanType);
        Assert.Equal("partial_upfront", c.PaymentOption);
        Assert.Equal(3 * 8760, c.TermHours);
        Assert.Equal(3 * 8760, c.BilledHoursPerInstance);
        Assert.Equal(0m, c.Upfront.ToDecimal());
        Assert.Equal(result.Options[0].Commitment!.UpfrontNote, c.UpfrontNote);
        Assert.Contains("50% to 99%", c.UpfrontNote, StringComparison.Ordinal);

        // The existing JSON names stay as they were.
        var json = Json.Format(option);
        foreach (var name in new[] { "\"termHours\"", "\"billedHoursPerInstance\"", "\"termShareUsed\"", "\"capacityReused\"", "\"paymentOption\"", "\"upfront\"", "\"planType\"" })
        {
            Assert.Contains(name, json, StringComparison.Ordinal);
        }

        var output = new StringWriter();
        QuoteCommand.PrintPlan(output, option);
        Assert.Contains("Savings plan (compute): 1 × 3-year term, 26,280 h billed per instance", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("50% to 99%", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_flex_start_option_carries_its_max_run_and_forced_restarts()
    {
        var flex = new Offer("gcp", "us-central1", "us-central1-a", "a3-highgpu-8g", "nvidia-h100-80gb", 8m, 208, 1872m, PricingModels.DwsFlexStart, 40m, "USD", AsOf, "SKU", "METER");
        var prices = new PriceViewSnapshot([new PriceViewCatalog("gcp", 1, AsOf, new Dictionary<string, Offer> { [flex.OfferKey] = flex })]);
        // 20 days on 64 H100s with the failure model's goodput: two forced restarts (at 7 and 14 days).
        var tokens = 19.5 * 24 * 64 * 989.4e12 * 0.4 * 3600 / (6 * 7e9);
        var result = TestQuoteEngines.Bundled().Quote(new QuoteSpec(7e9, 0, tokens, Precision.Bf16, [], 64, 0.4, [], [], [], 10), prices);

        var option = Only(QuotePlanProtoMapping.ToProto(result, prices, AsOf, Precision.Bf16, PriceAge.DefaultStaleAfter), PricingModels.DwsFlexStart);

        Assert.Equal("flex_start", option.Block.Kind);
        Assert.Equal(168, option.Block.MaxRunHours);
        Assert.Equal((int)Math.Ceiling(option.WallClockHours / 168) - 1, option.Block.ForcedRestarts);
        Assert.Equal(2, option.Block.ForcedRestarts);
        Assert.Equal(0, option.Block.BlocksInSequence);
        Assert.True(option.Breakdown.PreemptionHours > 0);
        Assert.Contains("2 forced restart(s) (a VM runs at most 7 days)", Plan(option), StringComparison.Ordinal);
    }

    private static string Plan(QuoteOption o)
    {
        var output = new StringWriter();
        QuoteCommand.PrintPlan(output, o);
        return output.ToString();
    }
}
