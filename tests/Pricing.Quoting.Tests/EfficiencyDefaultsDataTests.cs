namespace Pricing.Quoting.Tests;

/// <summary>Data/efficiency-defaults.json: every figure sourced, for a known accelerator and precision, and a possible fraction.</summary>
public sealed class EfficiencyDefaultsDataTests
{
    private static readonly string[] Bases = ["vendor", "measured", "derived", "fitted", "judgement"];

    [Fact]
    public void The_file_has_rows() => Assert.NotEmpty(EfficiencyFile.Rows);

    [Fact]
    public void Every_row_names_a_source_and_a_basis()
    {
        Assert.All(EfficiencyFile.Rows.Append(EfficiencyFile.Fallback), row =>
        {
            Assert.False(string.IsNullOrWhiteSpace(row.Source), $"{row.AcceleratorId} has no source.");
            Assert.Contains(row.Basis, Bases);
        });
        Assert.All(EfficiencyFile.Curves, curve => Assert.False(string.IsNullOrWhiteSpace(curve.Source), $"{curve.Name} has no source."));
    }

    [Fact]
    public void Every_row_is_for_an_accelerator_in_the_registry_with_a_peak_in_its_precision()
    {
        Assert.All(EfficiencyFile.Rows, row =>
        {
            Assert.True(AcceleratorRegistry.Default.TryGet(row.AcceleratorId, out var accelerator), $"'{row.AcceleratorId}' is not in accelerators.json.");
            var precision = QuoteRequestRules.ParsePrecision(row.Precision);
            Assert.NotNull(precision);
            Assert.True(accelerator.PeakFlops(precision.Value) > 0, $"{row.AcceleratorId} has no {row.Precision} peak: its row is dead data.");
        });
    }

    [Fact]
    public void No_accelerator_has_two_rows_for_one_precision()
    {
        var duplicates = EfficiencyFile.Rows.GroupBy(r => (r.AcceleratorId, r.Precision)).Where(g => g.Count() > 1).Select(g => g.Key).ToList();

        Assert.Empty(duplicates);
    }

    [Fact]
    public void MFU_rows_are_fractions_and_factor_curves_rise_in_their_input_and_stay_within_0_and_1_1()
    {
        Assert.All(EfficiencyFile.Rows.Append(EfficiencyFile.Fallback).Where(r => !r.FromVendor), row => Assert.True(row.Mfu is > 0 and <= 1, $"{row.AcceleratorId}: MFU {row.Mfu}."));
        Assert.All(EfficiencyFile.Curves, curve =>
        {
            Assert.True(curve.Points.Zip(curve.Points.Skip(1)).All(p => p.First.At < p.Second.At), $"{curve.Name}: points out of order.");
            Assert.All(curve.Points, p => Assert.True(p.Factor is > 0 and <= 1.1, $"{curve.Name}: factor {p.Factor}."));
        });
    }

    [Fact]
    public void FP8_rows_are_measured_against_the_FP8_peak_so_they_sit_below_the_BF16_row_of_the_same_part()
    {
        // An FP8 row equal to the BF16 one would claim the full 2x of the peaks (quote-model-facts E3).
        var fp8 = EfficiencyFile.Rows.Where(r => r.Precision == "fp8").ToList();
        Assert.NotEmpty(fp8);
        Assert.All(fp8, row =>
        {
            Assert.True(AcceleratorRegistry.Default.TryGet(row.AcceleratorId, out var a));
            var fp8Mfu = Resolved(row.AcceleratorId, Precision.Fp8, a.PeakFlops(Precision.Fp8)!.Value);
            var bf16Mfu = Resolved(row.AcceleratorId, Precision.Bf16, a.PeakFlops(Precision.Bf16)!.Value);
            Assert.True(fp8Mfu < bf16Mfu, $"{row.AcceleratorId}: FP8 MFU {fp8Mfu} is not below its BF16 row {bf16Mfu}.");
        });
    }

    [Fact]
    public void The_loader_serves_each_rows_figures_and_the_fallback_for_an_accelerator_without_a_row()
    {
        Assert.All(EfficiencyFile.Rows, row =>
        {
            var loaded = EfficiencyModel.Default.RowFor(row.AcceleratorId, QuoteRequestRules.ParsePrecision(row.Precision)!.Value);
            Assert.NotNull(loaded);
            Assert.Equal(row.Mfu, loaded.Mfu);
            Assert.Equal(row.Source, loaded.Source);
            // A vendor row's MFU comes from the vendor runs × the production factor, within a possible fraction.
            if (row.FromVendor)
            {
                Assert.True(AcceleratorRegistry.Default.TryGet(row.AcceleratorId, out var a));
                var precision = QuoteRequestRules.ParsePrecision(row.Precision)!.Value;
                Assert.InRange(Resolved(row.AcceleratorId, precision, a.PeakFlops(precision)!.Value), 0.1, 0.8);
            }
        });
        Assert.Null(EfficiencyModel.Default.RowFor("nvidia-a10g", Precision.Bf16));
        Assert.Equal(EfficiencyFile.Fallback.Mfu, EfficiencyModel.Default.Fallback.Mfu);
    }

    [Fact]
    public void Curves_interpolate_in_log_space_between_their_points_and_are_flat_outside()
    {
        var curve = new FactorCurve([new CurvePoint(10, 1.0), new CurvePoint(1000, 0.5)], "test");

        Assert.Equal(1.0, curve.At(1));
        Assert.Equal(0.5, curve.At(1e6));
        TestData.Close(0.75, curve.At(100));
    }

    private static double Resolved(string acceleratorId, Precision precision, double peak) =>
        EfficiencyModel.Default.Resolve(EfficiencyModel.Default.RowFor(acceleratorId, precision)!, peak, DataFiles.Speedups).Row.Mfu;
}
