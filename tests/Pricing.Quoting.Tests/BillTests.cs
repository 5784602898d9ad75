using static Pricing.Quoting.Tests.TestData;

namespace Pricing.Quoting.Tests;

/// <summary>
/// The whole bill of an option (docs/quote-model.md §6): the training run, checkpoint and dataset storage, egress when
/// the dataset lives in another cloud, and the optional experiments and staff lines; totals with and without them.
/// Amounts are worked out here from provider-costs.json and quote-defaults.json.
/// </summary>
public sealed class BillTests
{
    private const double N = 70e9;
    private const double D = 1.4e12;

    /// <summary>A fixed cluster and goodput, so the run's hours are those of the formula.</summary>
    private static QuoteSpec Run => Spec(parameters: N, tokens: D, acceleratorCount: 64, mfu: 0.4) with { Goodput = 0.9 };

    private static QuoteOptionResult Quote(QuoteSpec spec) => Assert.Single(Engine().Quote(spec, Prices(P5())).Options);

    private static BillLine Line(QuoteOptionResult option, string name) => Assert.Single(option.Bill, l => l.Name == name);

    private static double Months(QuoteOptionResult option) => option.WallClockHours / PlanFormulas.HoursPerMonth;

    [Fact]
    public void The_required_lines_are_the_run_bring_up_checkpoint_storage_and_dataset_storage()
    {
        var option = Quote(Run);

        Assert.True(option.Instances > 1);
        Assert.Equal(["training_run", "bring_up", "checkpoint_storage", "dataset_storage"], option.Bill.Select(l => l.Name));
        Assert.All(option.Bill, l => Assert.False(l.Optional));
        Assert.Equal(option.TotalCost, Line(option, "training_run").Amount);
        Assert.Equal(option.Bill.Sum(l => l.Amount), option.BillTotal);
        Assert.Equal(option.BillTotal, option.BillTotalWithOptional);
    }

    [Theory]
    [InlineData("")]
    [InlineData("frontier")]
    [InlineData("first_large_run")]
    public void Bring_up_bills_the_levels_hours_on_the_whole_cluster_at_the_runs_rate(string maturity)
    {
        var option = Quote(Run with { TeamMaturity = maturity });

        var hours = DataFiles.Maturity(maturity).BringUpHours;
        Assert.Equal(hours, option.Goodput!.BringUpHours);
        Assert.Equal(PlanFormulas.Cents(hours * option.Accelerators * (double)option.PricePerAcceleratorHour), Line(option, "bring_up").Amount);
        Assert.False(Line(option, "bring_up").Optional);
    }

    [Fact]
    public void One_instance_needs_no_bring_up()
    {
        var option = Quote(Spec(parameters: 1e9, tokens: 2e10, acceleratorCount: 8, mfu: 0.4));

        Assert.Equal(1, option.Instances);
        Assert.DoesNotContain(option.Bill, l => l.Name == "bring_up");
        Assert.Equal(0, option.Goodput!.BringUpHours);
    }

    [Fact]
    public void Checkpoint_storage_is_16_bytes_per_parameter_times_copies_times_months_times_the_providers_storage_price()
    {
        var bytesPerParameter = DataFiles.Default("checkpointBytesPerParameter");
        var copies = DataFiles.Default("checkpointCopies");
        var storage = PlanDataFiles.Cost("aws").StorageUsdPerGbMonth;

        var option = Quote(Run);
        var five = Quote(Run with { CheckpointCopies = 5 });

        Assert.Equal(16, bytesPerParameter);
        var gb = bytesPerParameter * N / 1e9;
        Assert.Equal(PlanFormulas.Cents(gb * copies * Months(option) * storage), Line(option, "checkpoint_storage").Amount);
        Assert.Equal(PlanFormulas.Cents(gb * 5 * Months(five) * storage), Line(five, "checkpoint_storage").Amount);
        Assert.Contains(PlanDataFiles.Cost("aws").StorageSource, Line(option, "checkpoint_storage").Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Dataset_storage_is_tokens_times_bytes_per_token_or_the_given_size_for_the_runs_months()
    {
        var storage = PlanDataFiles.Cost("aws").StorageUsdPerGbMonth;

        var byTokens = Quote(Run);
        var given = Quote(Run with { DatasetBytes = 10e12 });

        var tokenGb = D * DataFiles.Default("datasetBytesPerToken") / 1e9;
        Assert.Equal(PlanFormulas.Cents(tokenGb * Months(byTokens) * storage), Line(byTokens, "dataset_storage").Amount);
        Assert.Equal(PlanFormulas.Cents(10e12 / 1e9 * Months(given) * storage), Line(given, "dataset_storage").Amount);
    }

    [Fact]
    public void Egress_is_billed_only_when_the_dataset_lives_in_another_cloud_at_that_clouds_egress_price()
    {
        var same = Quote(Run with { DatasetCloud = "aws" });
        var other = Quote(Run with { DatasetCloud = "gcp", DatasetBytes = 5e12 });

        Assert.DoesNotContain(same.Bill, l => l.Name == "dataset_egress");
        var egress = Line(other, "dataset_egress");
        Assert.False(egress.Optional);
        Assert.Equal(PlanFormulas.Cents(5e12 / 1e9 * PlanDataFiles.Cost("gcp").InternetEgressUsdPerGb), egress.Amount);
        Assert.Equal(other.Bill.Sum(l => l.Amount), other.BillTotal);
    }

    [Fact]
    public void Experiments_are_the_multiplier_less_one_times_the_runs_accelerator_hours_at_the_same_rate()
    {
        var option = Quote(Run with { ExperimentsMultiplier = 1.5 });

        var experiments = Line(option, "experiments");
        Assert.True(experiments.Optional);
        PlanFormulas.WithinACent((decimal)(0.5 * option.AcceleratorHours) * (55.04m / 8), experiments.Amount);
    }

    [Fact]
    public void Staff_is_engineers_times_months_times_the_monthly_cost()
    {
        var byDefault = Quote(Run with { StaffEngineers = 3 });
        var given = Quote(Run with { StaffEngineers = 3, StaffMonths = 6, StaffMonthlyCost = 30_000m });

        var staff = Line(byDefault, "staff");
        Assert.True(staff.Optional);
        // Without staff_months the run's wall-clock months; without a cost the data file's loaded cost.
        PlanFormulas.WithinACent((decimal)(3 * Months(byDefault)) * (decimal)DataFiles.Default("staffMonthlyCost"), staff.Amount);
        Assert.Equal(540_000.00m, Line(given, "staff").Amount);
    }

    [Fact]
    public void The_bill_total_leaves_out_the_optional_lines_and_the_total_with_optional_adds_them()
    {
        var option = Quote(Run with { ExperimentsMultiplier = 2, StaffEngineers = 4, DatasetCloud = "azure" });

        var required = option.Bill.Where(l => !l.Optional).Sum(l => l.Amount);
        var optional = option.Bill.Where(l => l.Optional).Sum(l => l.Amount);
        Assert.Equal(["training_run", "bring_up", "checkpoint_storage", "dataset_storage", "dataset_egress", "experiments", "staff"], option.Bill.Select(l => l.Name));
        Assert.Equal(required, option.BillTotal);
        Assert.Equal(required + optional, option.BillTotalWithOptional);
        Assert.True(optional > 0);
        Assert.True(option.BillTotal > option.TotalCost);
    }
}
