using Pricing.Contracts;
using Pricing.Contracts.V1;

namespace Pricing.Client.Tests;

/// <summary>The program as plan lines: its total with the range, each stage, each line with range and source, rent or own; none in the basic view.</summary>
public sealed class ProgramLinesTests
{
    private static Money Usd(decimal amount) => amount.ToMoney();

    private static TrainingProgram Program() => new()
    {
        Total = Usd(3_000_000m),
        TotalLow = Usd(2_000_000m),
        TotalHigh = Usd(9_000_000m),
        StaffShare = 0.25,
        StaffShareSource = "Epoch AI: staff 29-49%",
        AcceleratorHours = 500_000,
        Stages =
        {
            new ProgramStage { Name = "pre_training", Tokens = 1.4e12, AcceleratorHours = 400_000, Mfu = 0.4, Cost = Usd(1_500_000m), CostLow = Usd(1_200_000m), CostHigh = Usd(2_000_000m), Source = "the quoted run" },
            new ProgramStage { Name = "long_context", Tokens = 8e11, AcceleratorHours = 50_000, Mfu = 0.37, Cost = Usd(190_000m), CostLow = Usd(30_000m), CostHigh = Usd(250_000m), Source = "Llama 3" },
        },
        Lines =
        {
            new ProgramLine { Name = "staff", Amount = Usd(750_000m), Low = Usd(300_000m), High = Usd(2_000_000m), Detail = "10 engineers", Source = "Epoch AI" },
            new ProgramLine { Name = "energy", Amount = Usd(40_000m), Low = Usd(20_000m), High = Usd(90_000m), Optional = true, Detail = "inside the rent", Source = "EIA" },
        },
        Owner = new OwnerCost
        {
            PerAcceleratorHour = Usd(1.48m), Low = Usd(0.77m), High = Usd(1.86m), RentPerAcceleratorHour = Usd(6.88m), HardwarePerAccelerator = Usd(37_921m),
            InterconnectShare = 0.11, LifeYears = 3.1, HardwarePerAcceleratorHour = Usd(1.40m), PowerPerAcceleratorHour = Usd(0.08m), ElectricityUsdPerKwh = 0.08, Source = "DGX H100",
        },
    };

    [Fact]
    public void The_program_follows_the_bill_total_as_total_stages_lines_and_rent_or_own()
    {
        var option = new QuoteOption { Rank = 1, InstanceType = "p5.48xlarge", BillTotal = Usd(1m), Program = Program() };

        var keys = PlanLines.Of(option).Select(l => l.Key).SkipWhile(k => k != "bill-total").ToList();

        Assert.Equal(["bill-total", "program", "program.stage.pre_training", "program.stage.long_context", "program.line.staff", "program.line.energy", "program.owner"], keys);
    }

    [Fact]
    public void Each_figure_carries_its_range_and_each_line_its_source()
    {
        var lines = ProgramLines.Of(Program()).ToDictionary(l => l.Key);

        Assert.Equal("$3,000,000 ($2,000,000–$9,000,000)", lines["program"].Value);
        Assert.Contains("staff 25.0% of it (Epoch AI: staff 29-49%)", lines["program"].Detail, StringComparison.Ordinal);
        Assert.Equal("$190,000 ($30,000–$250,000)", lines["program.stage.long_context"].Value);
        Assert.Equal("800B tokens, 50,000 accelerator-hours at MFU 37.0% [Llama 3]", lines["program.stage.long_context"].Detail);
        Assert.Equal("$750,000 ($300,000–$2,000,000)", lines["program.line.staff"].Value);
        Assert.EndsWith("[Epoch AI]", lines["program.line.staff"].Detail, StringComparison.Ordinal);
        Assert.Equal("Program: energy (not summed)", lines["program.line.energy"].Label);
        Assert.Equal("own $1.48/accelerator-hour ($0.77–$1.86) against rent $6.88", lines["program.owner"].Value);
        Assert.Contains("over 3.1 years", lines["program.owner"].Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_an_owners_cost_or_a_program_there_is_nothing_to_show()
    {
        var program = Program();
        program.Owner = null;

        Assert.DoesNotContain(ProgramLines.Of(program), l => l.Key == "program.owner");
        Assert.Empty(ProgramLines.Of(null));
        Assert.DoesNotContain(PlanLines.Of(new QuoteOption { Rank = 1 }), l => l.Key.StartsWith("program", StringComparison.Ordinal));
    }
}
