using Pricing.Contracts;
using Pricing.Contracts.V1;
using PricingTerms = Pricing.Catalog.PricingTerms;

namespace Pricing.Client.Tests;

/// <summary>The one plan renderer: every part of an option's plan becomes a line, with its figures as the answer gives them.</summary>
public sealed class PlanLinesTests
{
    private static Money Usd(decimal amount) => amount.ToMoney();

    /// <summary>A 3-year partial-upfront savings plan on 16 instances, with the whole breakdown and bill filled in.</summary>
    private static QuoteOption SavingsPlanOption() => new()
    {
        Rank = 1,
        Provider = "aws",
        Region = "us-east-1",
        InstanceType = "p5.48xlarge",
        PricingModel = "savings_plan_compute_3y_partial_upfront",
        PricePerAcceleratorHour = Usd(3.75m),
        AcceleratorHours = 100_000,
        Accelerators = 128,
        Instances = 16,
        WallClockHours = 800,
        ClusterBasis = "requested",
        LargestUsefulAccelerators = 4096,
        Fabric = new FabricInfo { Known = true, FormFactor = "sxm", ScaleOutFabric = "efa", ScaleOutGbps = 3200, TrainingGrade = true, ScaleUpDomain = 8, ScaleUpFabric = "nvlink", ScaleOutDetail = "32 x 100 Gbps" },
        Mfu = new MfuParts { Mfu = 0.4, MfuLow = 0.3, MfuHigh = 0.5, BaseMfu = 0.45, ModelSizeFactor = 0.9, MoeFactor = 1, ScaleFactor = 0.99, FabricFactor = 1 },
        Goodput = new GoodputParts { Goodput = 0.95, CheckpointStall = 0.01, FailureLoss = 0.04, InterruptionsPerDay = 0.5, CheckpointIntervalHours = 0.5 },
        Commitment = new CommitmentBilling
        {
            Kind = "savings_plan", PlanType = "compute", Terms = 1, TermHours = 3 * PricingTerms.HoursPerYear, BilledHoursPerInstance = 3 * PricingTerms.HoursPerYear,
            TermShareUsed = 800 / (3 * PricingTerms.HoursPerYear), PaymentOption = "partial_upfront", Upfront = Usd(0), UpfrontNote = "Partial upfront: 50% to 99% is paid at purchase.",
        },
        EnergyKwh = 150_000,
        Co2Kg = 60_000,
        WattsPerAccelerator = 1275,
        LoadFactor = 0.7,
        Pue = 1.15,
        PowerSource = "DGX H100 user guide",
        Breakdown = new CostBreakdown
        {
            ComputeHours = 95_000, Compute = Usd(356_250m), FailureHours = 4_000, FailuresAndRestarts = Usd(15_000m), CheckpointHours = 1_000, Checkpoints = Usd(3_750m),
            UnusedCommitmentHours = 400_000, UnusedCommitment = Usd(1_500_000m),
        },
        Bill =
        {
            new BillLine { Name = "training_run", Amount = Usd(1_875_000m), Detail = "16 × p5.48xlarge for the whole term" },
            new BillLine { Name = "checkpoint_storage", Amount = Usd(300m), Detail = "3 copies" },
            new BillLine { Name = "staff", Amount = Usd(100_000m), Optional = true, Detail = "4 engineers" },
        },
        BillTotal = Usd(1_875_300m),
        BillTotalWithOptional = Usd(1_975_300m),
    };

    [Fact]
    public void A_plan_has_a_line_for_each_part_in_order()
    {
        var keys = PlanLines.Of(SavingsPlanOption()).Select(l => l.Key).ToList();

        Assert.Equal(
            ["cluster", "fabric", "mfu", "goodput", "commitment", "energy", "breakdown.compute", "breakdown.failures_and_restarts", "breakdown.checkpoints",
                "breakdown.unused_commitment", "bill.training_run", "bill.checkpoint_storage", "bill.staff", "bill-total"],
            keys);
    }

    [Fact]
    public void The_goodput_line_names_the_team_maturity_its_range_and_the_bring_up()
    {
        var option = SavingsPlanOption();
        option.Goodput.TeamMaturity = "first_large_run";
        (option.Goodput.GoodputLow, option.Goodput.GoodputHigh, option.Goodput.BringUpHours) = (0.8, 0.97, 168);

        var line = PlanLines.Of(option).Single(l => l.Key == "goodput");

        Assert.Equal("95.0%", line.Value);
        Assert.EndsWith("; first large run team, range 80.0%–97.0%; 168 h bring-up before training", line.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Goodput_parts_without_a_team_show_no_team_or_bring_up()
    {
        var line = PlanLines.Of(SavingsPlanOption()).Single(l => l.Key == "goodput");

        Assert.DoesNotContain("team", line.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("bring-up", line.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void The_commitment_line_carries_the_term_in_years_and_the_upfront_note()
    {
        var line = PlanLines.Of(SavingsPlanOption()).Single(l => l.Key == "commitment");

        Assert.Equal("Savings plan (compute)", line.Label);
        Assert.StartsWith("1 × 3-year term, 26,280 h billed per instance, 3.0% of the term used, partial upfront", line.Value, StringComparison.Ordinal);
        Assert.Contains("50% to 99%", line.Detail, StringComparison.Ordinal);
        Assert.Equal($"{line.Label}: {line.Value} — {line.Detail}", line.Text);
    }

    [Fact]
    public void The_breakdown_lines_add_up_to_the_training_run_line()
    {
        var option = SavingsPlanOption();
        var lines = PlanLines.Of(option);

        var parts = lines.Where(l => l.Key.StartsWith("breakdown.", StringComparison.Ordinal)).Sum(l => decimal.Parse(l.Value.TrimStart('$').Replace(",", ""), System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(option.Bill[0].Amount.ToDecimal(), parts);
        Assert.Equal("Bill: staff (optional)", lines.Single(l => l.Key == "bill.staff").Label);
        Assert.Equal("$1,875,300", lines[^1].Value);
        Assert.Equal("with optional lines $1,975,300", lines[^1].Detail);
    }

    [Fact]
    public void A_block_line_says_how_the_blocks_are_bought_with_their_notes()
    {
        var option = SavingsPlanOption();
        option.Commitment = null;
        option.Block = new BlockBilling
        {
            Kind = "capacity_block", BlocksInSequence = 3, FullBlockHours = 14 * 24, LastBlockHours = 5 * 24, ParallelBlocks = 2, MaxInstancesPerBlock = 64,
            BilledHoursPerInstance = 33 * 24, UnusedHoursPerInstance = 10, PaidUpfront = true, Upfront = Usd(1_000_000m), MovesWithDemand = true, MaxLeadDays = 56,
            Notes = { "Bought in whole days.", "Starts at 11:30 UTC." },
        };

        var line = PlanLines.Of(option).Single(l => l.Key == "block");

        Assert.Equal("Capacity block", line.Label);
        Assert.Equal("2 × 14-day + 1 × 5-day blocks back to back, 2 side by side (≤ 64 instances a block), 792 h billed per instance (10 h unused tail), "
            + "$1,000,000 up front, price moves with demand, starts within 56 days of booking", line.Value);
        Assert.Equal("Bought in whole days. Starts at 11:30 UTC.", line.Detail);
    }

    [Fact]
    public void The_capacity_line_follows_the_cluster_and_says_what_to_request_and_whether_it_is_obtainable()
    {
        var option = new QuoteOption
        {
            Instances = 128, InstanceType = "p5.48xlarge", ClusterBasis = "requested",
            Capacity = new CapacityPlan
            {
                Kind = "capacity_block", Request = "2 Capacity Blocks of 64 p5.48xlarge, 28 days each, paid up front", Obtainable = true,
                RateNote = "Capacity Block rate as of 2024-12 (24 months before the 2026-11 catalog): the price offered at purchase may differ",
                Notes = { "AWS ends a block 30 minutes early: each block covers the run plus that tail." },
            },
        };

        var lines = PlanLines.Of(option);

        Assert.Equal(["cluster", "capacity"], lines.Select(l => l.Key));
        Assert.Equal("Capacity: capacity block, obtainable: 2 Capacity Blocks of 64 p5.48xlarge, 28 days each, paid up front — "
            + "Capacity Block rate as of 2024-12 (24 months before the 2026-11 catalog): the price offered at purchase may differ. "
            + "AWS ends a block 30 minutes early: each block covers the run plus that tail.", lines[1].Text);
    }

    [Fact]
    public void An_unobtainable_plan_says_so_and_why_in_its_capacity_line()
    {
        var option = new QuoteOption
        {
            Instances = 36, InstanceType = "p5.48xlarge",
            Capacity = new CapacityPlan { Kind = "spot", Request = "36 × p5.48xlarge spot instances at once, for 59.5 days", Obtainable = false, Reason = "over what the engine plans on" },
        };

        var line = PlanLines.Of(option).Single(l => l.Key == "capacity");

        Assert.Equal("spot, NOT obtainable as planned: 36 × p5.48xlarge spot instances at once, for 59.5 days", line.Value);
        Assert.Equal("Why: over what the engine plans on.", line.Detail);
    }

    [Fact]
    public void Parts_the_answer_leaves_out_have_no_line()
    {
        var keys = PlanLines.Of(new QuoteOption { Instances = 1, InstanceType = "x", ClusterBasis = "one_instance" }).Select(l => l.Key).ToList();

        // No energy, no bill total, no batch bound: absent, so no line and no clause, never a false zero.
        Assert.Equal(["cluster"], keys);
        Assert.DoesNotContain("accelerators busy", PlanLines.Of(new QuoteOption { Instances = 1, InstanceType = "x" })[0].Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bill_total_without_the_optional_total_reads_alone()
    {
        var line = PlanLines.Of(new QuoteOption { Instances = 1, InstanceType = "x", BillTotal = Usd(1_234_567m) }).Single(l => l.Key == "bill-total");

        Assert.Equal("Bill total: $1,234,567", line.Text);
    }

    [Fact]
    public void In_the_basic_view_the_plan_summary_stands_in_for_the_parts()
    {
        var option = new QuoteOption
        {
            Instances = 16, InstanceType = "p5.48xlarge", ClusterBasis = "requested", BillTotal = Usd(10m),
            Summary = new PlanSummary { Mfu = 0.408, Goodput = 0.983, ScaleOutFabric = "efa", TrainingGradeFabric = true, Billing = "capacity_block" },
        };

        var lines = PlanLines.Of(option);

        Assert.Equal(["cluster", "fabric", "mfu", "goodput", "billing", "bill-total"], lines.Select(l => l.Key));
        Assert.Equal("efa (training-grade)", lines[1].Value);
        Assert.Equal("40.8%", lines[2].Value);
        Assert.Equal("98.3%", lines[3].Value);
        Assert.Equal("capacity block", lines[4].Value);
    }

    [Fact]
    public void In_the_full_view_the_summary_adds_nothing_the_parts_say()
    {
        var option = SavingsPlanOption();
        option.Summary = new PlanSummary { Mfu = 0.4, Goodput = 0.95, ScaleOutFabric = "efa", TrainingGradeFabric = true, Billing = "savings_plan" };

        Assert.Equal(PlanLines.Of(SavingsPlanOption()), PlanLines.Of(option));
    }

    [Theory]
    [InlineData(20.5, "20.5 h")]
    [InlineData(24 * 34.25, "34.3 days")]
    [InlineData(PricingTerms.HoursPerYear * 1.4, "1.4 years")]
    public void Durations_read_as_people_say_them(double hours, string expected) =>
        Assert.Equal(expected, PlanLines.Duration(hours));
}
