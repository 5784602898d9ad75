using static Pricing.Quoting.Tests.TestData;

namespace Pricing.Quoting.Tests;

/// <summary>
/// Goodput from the failure model (docs/quote-model.md §4): stalls δ/τ, lost work τ/2M and restarts λ·N·R, with the
/// Young/Daly interval τ = √(2δM); the quote takes its goodput from it unless the request overrides it.
/// </summary>
public sealed class FailureModelTests
{
    private static double Lambda => DataFiles.Maturity().Lambda;
    private static double Restart => DataFiles.Maturity().RestartHours;
    private static double StallSeconds => DataFiles.Default("checkpointStallSeconds");
    private static double SpotRestart => DataFiles.Default("spotRestartHours");

    private static GoodputParts Model(double accelerators, int instances, double spotPerInstanceMonth = 0) =>
        FailureModel.Goodput(accelerators, instances, Lambda, Restart, StallSeconds, spotPerInstanceMonth, SpotRestart);

    [Theory]
    [InlineData(8, 1)]
    [InlineData(1024, 128)]
    [InlineData(16384, 2048)]
    public void The_parts_are_stall_delta_over_tau_rework_tau_over_2M_and_restarts_lambda_N_R(double accelerators, int instances)
    {
        var parts = Model(accelerators, instances);

        var perHour = Lambda / 24 * accelerators;
        var m = 1 / perHour;
        var delta = StallSeconds / 3600;
        var tau = Math.Sqrt(2 * delta * m);
        Close(m, parts.MeanHoursBetweenInterruptions);
        Close(tau, parts.CheckpointIntervalHours);
        Close(delta / tau, parts.CheckpointStall);
        Close(tau / (2 * m) + perHour * Restart, parts.FailureLoss);
        Assert.Equal(0, parts.PreemptionLoss);
        Close(1 - delta / tau - tau / (2 * m) - perHour * Restart, parts.Goodput);
        Close(Lambda * accelerators, parts.InterruptionsPerDay);
        // At the Young/Daly optimum the stall and the lost work are equal.
        Close(parts.CheckpointStall, tau / (2 * m), 1e-9);
    }

    [Fact]
    public void Llama_3_scale_16384_accelerators_gives_about_90_percent_for_a_frontier_team()
    {
        // Llama 3 405B: "effective training time > 90%" on 16,384 H100 (arXiv:2407.21783 s3.3.4).
        var frontier = DataFiles.Maturity("frontier");
        var parts = FailureModel.Goodput(16384, 2048, frontier.Lambda, frontier.RestartHours, StallSeconds, 0, SpotRestart);

        Assert.InRange(parts.Goodput, 0.88, 0.92);
        // About 419 interruptions in 54 days: 7.76 a day.
        Assert.InRange(parts.InterruptionsPerDay * 54, 410, 425);
    }

    [Fact]
    public void Goodput_falls_with_cluster_size()
    {
        double[] sizes = [8, 64, 512, 4096, 16384, 65536];

        var goodputs = sizes.Select(n => Model(n, (int)(n / 8)).Goodput).ToList();

        Assert.Equal(goodputs.OrderDescending(), goodputs);
        Assert.Equal(goodputs.Count, goodputs.Distinct().Count());
        Assert.True(goodputs[0] > 0.99, $"8 accelerators lose {1 - goodputs[0]:P2}.");
    }

    [Fact]
    public void Spot_preemptions_add_lost_work_and_a_restart_per_preemption()
    {
        var spotRate = PlanDataFiles.Cost("aws").SpotInterruptionsPerInstanceMonth;

        var onDemand = Model(64, 8);
        var spot = Model(64, 8, spotRate);

        var expected = PlanFormulas.Goodput(64, 8, spotRate);
        Close(expected.Rework * (1 - expected.HardwareShare) + expected.SpotRestart, spot.PreemptionLoss);
        Close(expected.Rework * expected.HardwareShare + expected.Restart, spot.FailureLoss);
        Close(expected.Goodput, spot.Goodput);
        Close(spotRate / PlanFormulas.HoursPerMonth * 8 * 24, spot.PreemptionsPerDay);
        Assert.True(spot.Goodput < onDemand.Goodput);
        Assert.True(spot.PreemptionLoss > 0);
    }

    [Fact]
    public void No_interruptions_means_full_goodput()
    {
        var parts = FailureModel.Goodput(64, 8, 0, Restart, StallSeconds, 0, SpotRestart);

        Assert.Equal(1, parts.Goodput);
        Assert.Equal(0, parts.CheckpointStall + parts.FailureLoss + parts.PreemptionLoss);
    }

    [Fact]
    public void A_quote_takes_its_goodput_from_the_failure_model_for_its_cluster()
    {
        var offer = P5();

        var option = Assert.Single(Engine().Quote(Spec(acceleratorCount: 512, mfu: 0.4), Prices(offer)).Options);

        var expected = PlanFormulas.Goodput(512, 64);
        Assert.NotNull(option.Goodput);
        Close(expected.Goodput, option.Goodput.Goodput, 1e-12);
        Close(PlanFormulas.Hours(6 * 70e9 * 1.4e12, H100DenseBf16, 0.4, expected.Goodput), option.AcceleratorHours, 1e-12);
        var assumption = Assert.Single(Engine().Quote(Spec(acceleratorCount: 512, mfu: 0.4), Prices(offer)).Assumptions);
        Close(expected.Goodput, assumption.Goodput, 1e-12);
        Assert.Contains("failure model", assumption.GoodputSource, StringComparison.Ordinal);
    }

    [Fact]
    public void The_breakdown_splits_the_hours_into_compute_checkpoint_stalls_and_failures_by_the_model()
    {
        var offer = P5();

        var option = Assert.Single(Engine().Quote(Spec(acceleratorCount: 4096, mfu: 0.4), Prices(offer)).Options);

        var expected = PlanFormulas.Goodput(4096, 512);
        var b = option.Breakdown;
        Close(option.AcceleratorHours * expected.Goodput, b.ComputeHours, 1e-9);
        Close(option.AcceleratorHours * expected.Stall, b.CheckpointHours, 1e-9);
        Close(option.AcceleratorHours * (expected.Rework + expected.Restart), b.FailureHours, 1e-9);
        Assert.Equal(0, b.PreemptionHours);
        Assert.Equal(option.TotalCost, b.Compute + b.FailuresAndRestarts + b.Checkpoints + b.Preemptions + b.UnusedCommitment);
    }

    [Fact]
    public void A_cluster_so_large_it_would_spend_more_time_recovering_than_training_is_excluded()
    {
        // 524,288 H100 (a batch of 512M tokens keeps them busy): an interruption every ~6 minutes, each costing a 10-minute restart.
        const int count = 524_288;
        var expected = PlanFormulas.Goodput(count, count / 8);
        Assert.True(expected.Loss > FailureModel.MaxLoss);

        var result = Engine().Quote(Spec(acceleratorCount: count) with { GlobalBatchTokens = count * 1024.0 }, Prices(P5()));

        Assert.Empty(result.Options);
        var reason = Assert.Single(result.Excluded).Reason;
        Assert.Contains($"{count / 8:N0} × p5.48xlarge (on_demand) would be interrupted every {expected.MeanHours * 60:N0} minutes", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void The_levels_are_best_first_and_each_one_worse_loses_more_on_the_same_cluster()
    {
        var levels = DataFiles.MaturityRows;
        Assert.Equal(["frontier", "experienced", "first_large_run"], levels.Select(l => l.Name));
        Assert.Contains(DataFiles.DefaultMaturity, levels.Select(l => l.Name));
        Assert.All(levels, l => Assert.True(l.Source.Length > 80, $"{l.Name} cites its source."));

        var goodputs = levels.Select(l => FailureModel.Goodput(1024, 128, l.Lambda, l.RestartHours, StallSeconds, 0, SpotRestart).Goodput).ToList();

        Assert.Equal(goodputs.OrderDescending(), goodputs);
        Assert.Equal(goodputs.Count, goodputs.Distinct().Count());
        Assert.Equal(levels.Select(l => l.BringUpHours).Order(), levels.Select(l => l.BringUpHours));
    }

    [Fact]
    public void OPTs_level_reproduces_its_59_percent_uptime_on_its_992_GPUs()
    {
        // OPT-175B: 59% job uptime on 992 A100 (glennklockwood.com job-reliability, from the logbook).
        var first = DataFiles.Maturity("first_large_run");

        var parts = FailureModel.Goodput(992, 124, first.Lambda, first.RestartHours, StallSeconds, 0, SpotRestart);

        Assert.InRange(parts.Goodput, 0.57, 0.61);
    }

    [Theory]
    [InlineData("frontier")]
    [InlineData("experienced")]
    [InlineData("first_large_run")]
    public void A_quote_takes_the_levels_rates_and_its_range_reaches_halfway_to_the_levels_either_side(string maturity)
    {
        var option = Assert.Single(Engine().Quote(Spec(acceleratorCount: 512, mfu: 0.4) with { TeamMaturity = maturity }, Prices(P5())).Options);

        var rows = DataFiles.MaturityRows.ToList();
        var i = rows.FindIndex(r => r.Name == maturity);
        var (level, better, worse) = (rows[i], rows[Math.Max(0, i - 1)], rows[Math.Min(rows.Count - 1, i + 1)]);
        double At(double lambda, double restart) => FailureModel.Goodput(512, 64, lambda, restart, StallSeconds, 0, SpotRestart).Goodput;
        var g = option.Goodput!;
        Assert.Equal(maturity, g.TeamMaturity);
        Close(At(level.Lambda, level.RestartHours), g.Goodput, 1e-12);
        Close(At(Math.Sqrt(level.Lambda * better.Lambda), Math.Sqrt(level.RestartHours * better.RestartHours)), g.GoodputHigh, 1e-12);
        Close(Math.Max(1 - FailureModel.MaxLoss, At(Math.Sqrt(level.Lambda * worse.Lambda), Math.Sqrt(level.RestartHours * worse.RestartHours))), g.GoodputLow, 1e-12);
        Assert.True(g.GoodputLow <= g.Goodput && g.Goodput <= g.GoodputHigh);
        // MFU is overridden, so the range is goodput's alone.
        Close(option.AcceleratorHours * g.Goodput / g.GoodputLow, (double)option.TotalCostHigh / (double)option.PricePerAcceleratorHour, 1e-6);
    }

    [Fact]
    public void A_default_quote_says_which_level_it_used()
    {
        var option = Assert.Single(Engine().Quote(Spec(acceleratorCount: 512, mfu: 0.4), Prices(P5())).Options);

        Assert.Equal(DataFiles.DefaultMaturity, option.Goodput!.TeamMaturity);
    }

    [Theory]
    [InlineData("tpu-v5e", 256)]
    [InlineData("tpu-v4", 6144)]
    public void A_TPU_spot_run_loses_a_host_per_preemption_not_a_chip(string instanceType, int chips)
    {
        var spotRate = PlanDataFiles.Cost("gcp").SpotInterruptionsPerInstanceMonth;
        var accelerator = instanceType == "tpu-v5e" ? "google-tpu-v5e" : "google-tpu-v4";
        var spot = Offer(instanceType: instanceType, provider: "gcp", acceleratorId: accelerator, acceleratorsPerInstance: 1m, region: "us-central1",
            price: 1m, pricingModel: Pricing.Catalog.PricingModels.Spot);

        // A batch that keeps every chip busy (1,024 tokens each), so the cluster is what was asked.
        var result = Engine().Quote(Spec(parameters: 7e9, tokens: 1e11, acceleratorCount: chips, mfu: 0.4) with
        {
            TeamMaturity = "frontier", GlobalBatchTokens = chips * 1024.0, PricingModels = [Pricing.Catalog.PricingModels.Spot],
        },
            Prices(spot));

        var option = Assert.Single(result.Options, o => o.Accelerators == chips);
        var hosts = chips / DataFiles.ChipsPerHost(instanceType);
        Close(spotRate / PlanFormulas.HoursPerMonth * hosts * 24, option.Goodput!.PreemptionsPerDay, 1e-9);
        // Counted per chip, the restarts alone would cost 4-8x as much (past 100% for 6,144 v4 chips: excluded).
        var perChipRestarts = spotRate / PlanFormulas.HoursPerMonth * chips * SpotRestart;
        Assert.True(option.Goodput.PreemptionLoss < perChipRestarts / 2, $"{option.Goodput.PreemptionLoss:P1} lost to preemptions.");
    }
}
