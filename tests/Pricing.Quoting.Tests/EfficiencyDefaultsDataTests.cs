namespace Pricing.Quoting.Tests;

/// <summary>Data/efficiency-defaults.json: every figure sourced, for a known accelerator, and a possible fraction.</summary>
public sealed class EfficiencyDefaultsDataTests
{
    private static readonly string[] Bases = ["measured", "derived", "judgement"];

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
    }

    [Fact]
    public void Every_row_is_for_an_accelerator_in_the_registry()
    {
        Assert.All(EfficiencyFile.Rows, row => Assert.True(AcceleratorRegistry.Default.Contains(row.AcceleratorId), $"'{row.AcceleratorId}' is not in accelerators.json."));
    }

    [Fact]
    public void No_accelerator_has_two_rows()
    {
        var duplicates = EfficiencyFile.Rows.GroupBy(r => r.AcceleratorId).Where(g => g.Count() > 1).Select(g => g.Key).ToList();

        Assert.Empty(duplicates);
    }

    [Fact]
    public void MFU_and_goodput_are_fractions_in_the_unit_interval()
    {
        Assert.All(EfficiencyFile.Rows.Append(EfficiencyFile.Fallback), row =>
        {
            Assert.True(row.Mfu is > 0 and <= 1, $"{row.AcceleratorId}: MFU {row.Mfu}.");
            Assert.True(row.Goodput is > 0 and <= 1, $"{row.AcceleratorId}: goodput {row.Goodput}.");
        });
    }

    [Fact]
    public void Every_row_is_for_an_accelerator_with_a_published_BF16_peak()
    {
        // A default for an accelerator the engine can never price would be dead data.
        Assert.All(EfficiencyFile.Rows, row =>
        {
            Assert.True(AcceleratorRegistry.Default.TryGet(row.AcceleratorId, out var accelerator));
            Assert.True(accelerator.PeakDenseBf16Tflops > 0, $"{row.AcceleratorId} has no BF16 peak.");
        });
    }

    [Fact]
    public void The_loader_serves_each_rows_figures()
    {
        Assert.All(EfficiencyFile.Rows, row =>
        {
            var loaded = EfficiencyDefaults.Default.For(row.AcceleratorId);
            Assert.Equal(row.Mfu, loaded.Mfu);
            Assert.Equal(row.Goodput, loaded.Goodput);
            Assert.Equal(row.Source, loaded.Source);
            Assert.Equal(row.Basis, loaded.Basis);
        });
    }

    [Fact]
    public void The_loader_serves_the_fallback_for_an_accelerator_without_a_row()
    {
        var loaded = EfficiencyDefaults.Default.For("nvidia-a10g");

        Assert.DoesNotContain(EfficiencyFile.Rows, r => r.AcceleratorId == "nvidia-a10g");
        Assert.Equal("nvidia-a10g", loaded.AcceleratorId);
        Assert.Equal(EfficiencyFile.Fallback.Mfu, loaded.Mfu);
        Assert.Equal(EfficiencyFile.Fallback.Goodput, loaded.Goodput);
        Assert.Equal(EfficiencyFile.Fallback.Source, loaded.Source);
    }
}
