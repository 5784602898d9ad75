using Pricing.Catalog;
using Pricing.Cli;
using Pricing.Client;
using Pricing.Contracts;
using Pricing.Contracts.V1;
using Pricing.Quoting;
using Pricing.Testing;
using Quotes.Grpc;
using Offer = Pricing.Catalog.Offer;

namespace Quotes.Tests;

/// <summary>
/// The program reaches the answer as the engine priced it (full view only) and the CLI's plan prints it: total,
/// every stage, every line with its range and source, rent or own. Synthetic offer; the engine prices it.
/// </summary>
public sealed class ProgramProtoTests
{
    private static readonly DateTimeOffset AsOf = new(2026, 11, 28, 0, 0, 0, TimeSpan.Zero);

    private static PriceViewSnapshot Prices() =>
        new([new PriceViewCatalog("aws", 1, AsOf, new[] { new Offer("aws", "us-east-1", null, "p5.48xlarge", "nvidia-h100-80gb", 8m, 192, 2048m, PricingModels.OnDemand, 55.04m, "USD", AsOf, "SKU", "METER") }
            .ToDictionary(o => o.OfferKey, StringComparer.Ordinal))]);

    private static (QuoteOptionResult Result, TrainingQuote Quote) Quote()
    {
        var spec = new QuoteSpec(70e9, 0, 1.4e12, Precision.Bf16, [], 512, 0.4, [], [], [], 1) { Goodput = 0.9 };
        var result = TestQuoteEngines.Bundled().Quote(spec, Prices());
        return (Assert.Single(result.Options), QuotePlanProtoMapping.ToProto(result, Prices(), AsOf, Precision.Bf16, PriceAge.DefaultStaleAfter));
    }

    [Fact]
    public void The_full_view_carries_the_program_as_priced_and_the_basic_view_leaves_it_out()
    {
        var (result, quote) = Quote();
        var program = quote.Options[0].Program;

        Assert.NotNull(program);
        Assert.Equal(result.Program!.Total, program.Total.ToDecimal());
        Assert.Equal(result.Program.TotalLow, program.TotalLow.ToDecimal());
        Assert.Equal(result.Program.TotalHigh, program.TotalHigh.ToDecimal());
        Assert.Equal(result.Program.Stages.Select(s => (s.Name, s.Cost)), program.Stages.Select(s => (s.Name, s.Cost.ToDecimal())));
        Assert.Equal(result.Program.Lines.Select(l => (l.Name, l.Amount, l.Optional, l.Source)), program.Lines.Select(l => (l.Name, l.Amount.ToDecimal(), l.Optional, l.Source)));
        Assert.Equal(result.Program.Owner!.PerAcceleratorHour, program.OwnerCostPerAcceleratorHour.ToDecimal());
        Assert.Equal(program.Owner.PerAcceleratorHour, program.OwnerCostPerAcceleratorHour);

        Assert.Null(QuoteViews.In(quote.Clone(), QuoteView.Basic).Options[0].Program);
        Assert.NotNull(QuoteViews.In(quote.Clone(), QuoteView.Full).Options[0].Program);
    }

    [Fact]
    public void The_cli_plan_prints_the_program_after_the_bill_with_ranges_and_sources()
    {
        var (_, quote) = Quote();
        var output = new StringWriter();

        QuoteCommand.PrintPlan(output, quote.Options[0]);

        var lines = output.ToString().Split('\n').Select(l => l.Trim()).ToList();
        var total = lines.FindIndex(l => l.StartsWith("Program total: $", StringComparison.Ordinal));
        Assert.True(total > lines.FindIndex(l => l.StartsWith("Bill total: ", StringComparison.Ordinal)));
        foreach (var stage in quote.Options[0].Program.Stages)
        {
            Assert.Contains(lines, l => l.StartsWith($"Program stage: {PlanLines.Words(stage.Name)}: {PlanLines.Cost(stage.Cost)} (", StringComparison.Ordinal));
        }

        foreach (var line in quote.Options[0].Program.Lines)
        {
            Assert.Contains(lines, l => l.StartsWith($"Program: {PlanLines.Words(line.Name)}", StringComparison.Ordinal) && l.EndsWith($"[{line.Source}]", StringComparison.Ordinal));
        }

        Assert.Contains(lines, l => l.StartsWith("Rent or own: own $", StringComparison.Ordinal) && l.Contains("against rent $6.88", StringComparison.Ordinal));
    }
}
