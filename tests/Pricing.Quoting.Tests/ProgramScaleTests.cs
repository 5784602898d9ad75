using System.Text.Json;
using Pricing.Catalog;
using static Pricing.Quoting.Tests.TestData;

namespace Pricing.Quoting.Tests;

/// <summary>
/// The program's lines that follow the program's scale and the option's provider (docs/quote-model.md §6a): the team
/// grows with the run's training compute along the cited anchors unless the request gives it; data processing is the
/// measured CPU-hours per raw TB at the provider's vCPU price; every accelerator of the catalog has an owner's server
/// price or is named as one an owner cannot buy (or has no cited price yet).
/// </summary>
public sealed class ProgramScaleTests
{
    private static QuoteSpec Run(double parameters, double tokens, int accelerators = 64) =>
        Spec(parameters: parameters, tokens: tokens, acceleratorCount: accelerators, mfu: 0.4) with { Goodput = 0.9 };

    private static ProgramLine Line(QuoteSpec spec, string name, Offer? offer = null) =>
        Assert.Single(Engine().Quote(spec, Prices(offer ?? P5())).Options).Program!.Lines.Single(l => l.Name == name);

    private static StaffScale Scale => ProgramDefaults.Default.Staff;

    [Fact]
    public void The_default_team_grows_with_the_runs_training_compute()
    {
        var small = Line(Run(7e9, 1.4e11), "staff");
        var middle = Line(Run(70e9, 1.4e12), "staff");
        var large = Line(Run(405e9, 15.6e12, 16384), "staff");

        Assert.True(small.Amount < middle.Amount && middle.Amount < large.Amount, $"{small.Amount} < {middle.Amount} < {large.Amount}");
        Assert.True(large.Low < large.Amount && large.Amount < large.High);
    }

    [Fact]
    public void At_an_anchors_compute_the_team_is_that_anchors_and_beyond_the_ends_it_holds()
    {
        foreach (var anchor in Scale.Anchors)
        {
            var (value, low, high, cite) = Scale.For(anchor.TrainingFlops);
            Assert.Equal(anchor.Engineers, value, 6);
            Assert.Equal((anchor.Low, anchor.High), (Math.Round(low, 6), Math.Round(high, 6)));
            Assert.Contains(anchor.Cite, cite, StringComparison.Ordinal);
        }

        Assert.Equal(Scale.Anchors[0].Engineers, Scale.For(Scale.Anchors[0].TrainingFlops / 1000).Value);
        Assert.Equal(Scale.Anchors[^1].Engineers, Scale.For(Scale.Anchors[^1].TrainingFlops * 1000).Value);
        var between = Scale.For(Math.Sqrt(Scale.Anchors[0].TrainingFlops * Scale.Anchors[1].TrainingFlops)).Value;
        Assert.InRange(between, Scale.Anchors[0].Engineers, Scale.Anchors[1].Engineers);
    }

    [Fact]
    public void The_requests_team_size_overrides_the_scale()
    {
        var given = Line(Run(405e9, 15.6e12, 16384) with { StaffEngineers = 12 }, "staff");
        var months = ProgramDefaults.Default.StaffMonths.Value;
        var monthly = ProgramDefaults.Default.StaffMonthlyCost.Value;

        Assert.Equal(PlanFormulas.Cents(12 * months * monthly), given.Amount);
        Assert.StartsWith("12 engineers", given.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("team size", given.Source, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_staff_anchor_has_a_source_and_the_anchors_rise_with_compute()
    {
        Assert.True(Scale.Anchors.Count >= 3);
        Assert.All(Scale.Anchors, a => Assert.False(string.IsNullOrWhiteSpace(a.Source)));
        Assert.All(Scale.Anchors.Zip(Scale.Anchors.Skip(1)), p => Assert.True(p.First.Engineers < p.Second.Engineers));
    }

    [Fact]
    public void Data_processing_scales_with_the_dataset_and_with_the_providers_CPU_price()
    {
        var spec = Run(70e9, 1.4e12);
        var aws = Line(spec with { DatasetBytes = 10e12 }, "data_processing");
        var twice = Line(spec with { DatasetBytes = 20e12 }, "data_processing");
        var azure = Line(spec with { DatasetBytes = 10e12 }, "data_processing", Offer());

        var defaults = ProgramDefaults.Default;
        var cpu = ProviderCosts.Default.For("aws").CpuUsdPerVcpuHour;
        Assert.Equal(PlanFormulas.Cents(10 * defaults.RawBytesPerDatasetByte.Value * defaults.CpuHoursPerRawTb.Value * cpu), aws.Amount);
        Close((double)aws.Amount * 2, (double)twice.Amount, 1e-6);
        var ratio = ProviderCosts.Default.For("azure").CpuUsdPerVcpuHour / cpu;
        Close((double)aws.Amount * ratio, (double)azure.Amount, 1e-6);
        Assert.StartsWith("computed from", aws.Source, StringComparison.Ordinal);
        Assert.Contains("vCPU-hours per raw TB", aws.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_provider_row_prices_a_vCPU_hour_with_its_source()
    {
        Assert.All(ProviderCosts.Default.All, r =>
        {
            Assert.True(r.CpuUsdPerVcpuHour > 0, r.Provider);
            Assert.False(string.IsNullOrWhiteSpace(r.CpuSource), r.Provider);
        });
    }

    [Fact]
    public void Every_catalog_accelerator_has_an_owners_server_or_says_why_not()
    {
        var defaults = ProgramDefaults.Default;
        var listed = defaults.Servers.Select(s => s.AcceleratorId)
            .Concat(defaults.NotForSale.Select(n => n.AcceleratorId))
            .Concat(defaults.Unpriced.Select(n => n.AcceleratorId)).ToList();

        Assert.Equal(listed.Count, listed.Distinct().Count());
        // A new accelerator in accelerators.json fails here until it gets a server price, or is named as not for sale or not yet priced.
        // The CPU row is not an accelerator an owner buys for the run.
        Assert.All(AcceleratorRegistry.Default.Accelerators, a => Assert.Contains(a.Id, listed));
        Assert.All(listed, id => Assert.True(AcceleratorRegistry.Default.TryGet(id, out _), id));
    }

    [Fact]
    public void Every_owner_row_has_a_source_a_cite_and_an_ordered_price_range()
    {
        var defaults = ProgramDefaults.Default;
        Assert.All(defaults.Servers, s =>
        {
            Assert.False(string.IsNullOrWhiteSpace(s.Source), s.AcceleratorId);
            Assert.False(string.IsNullOrWhiteSpace(s.Cite), s.AcceleratorId);
            Assert.True(s.AcceleratorsPerServer > 0 && s.LowUsd <= s.PriceUsd && s.PriceUsd <= s.HighUsd, s.AcceleratorId);
        });
        Assert.All(defaults.NotForSale.Concat(defaults.Unpriced), n => Assert.False(string.IsNullOrWhiteSpace(n.Source), n.AcceleratorId));
        foreach (var id in new[] { "nvidia-h200-141gb", "nvidia-b200", "nvidia-gb200", "nvidia-a100-80gb", "nvidia-l40s", "nvidia-l4", "amd-mi300x" })
        {
            Assert.NotNull(defaults.ServerFor(id));
        }
    }

    [Fact]
    public void A_B200_option_has_an_owners_cost_per_accelerator_hour()
    {
        var b200 = Offer(provider: "aws", region: "us-east-1", instanceType: "p6-b200.48xlarge", acceleratorId: "nvidia-b200", price: 113.93m);
        var owner = Assert.Single(Engine().Quote(Run(70e9, 1.4e12), Prices(b200)).Options).Program!.Owner;

        Assert.NotNull(owner);
        Assert.True(owner.Low <= owner.PerAcceleratorHour && owner.PerAcceleratorHour <= owner.High);
        Assert.True(owner.PerAcceleratorHour < owner.RentPerAcceleratorHour);
    }
}
