namespace Pricing.Quoting.Tests;

/// <summary>PUE, grid intensity and model defaults: every row sourced, plausible, and the regions of all three catalogs covered.</summary>
public sealed class EnergyDataTests
{
    [Fact]
    public void Every_provider_has_a_sourced_PUE_between_1_and_2()
    {
        Assert.Equal(["aws", "azure", "gcp"], DataFiles.PueRows.Select(r => r.Provider).Order(StringComparer.Ordinal));
        Assert.All(DataFiles.PueRows, r =>
        {
            Assert.InRange(r.Pue, 1.0, 2.0);
            Assert.False(string.IsNullOrWhiteSpace(r.Source), $"{r.Provider} PUE has no source.");
        });
    }

    [Fact]
    public void Every_grid_row_is_sourced_plausible_and_unique()
    {
        Assert.All(DataFiles.GridRows, r =>
        {
            // Between a hydro/nuclear grid (Sweden ~0.01) and a coal-heavy one (South Africa ~0.93).
            Assert.InRange(r.KgCo2PerKwh, 0.001, 1.2);
            Assert.Contains(r.Basis, new[] { "sourced", "derived" });
            Assert.False(string.IsNullOrWhiteSpace(r.Source), $"{r.Provider} {r.Region} has no source.");
        });
        Assert.DoesNotContain(DataFiles.GridRows.GroupBy(r => (r.Provider, r.Region)), g => g.Count() > 1);
        Assert.All(DataFiles.GridFallbacks, f => Assert.False(string.IsNullOrWhiteSpace(f.Source)));
    }

    [Theory]
    // The regions the three providers' catalogs price accelerators in (bundled snapshots and SkyPilot extracts).
    [InlineData("aws", "us-east-1")]
    [InlineData("aws", "us-east-2")]
    [InlineData("aws", "us-west-2")]
    [InlineData("aws", "eu-west-1")]
    [InlineData("aws", "eu-central-1")]
    [InlineData("aws", "eu-north-1")]
    [InlineData("aws", "ap-northeast-1")]
    [InlineData("aws", "ap-southeast-2")]
    [InlineData("gcp", "us-central1")]
    [InlineData("gcp", "us-east1")]
    [InlineData("gcp", "us-east4")]
    [InlineData("gcp", "us-east5")]
    [InlineData("gcp", "us-west1")]
    [InlineData("gcp", "europe-west4")]
    [InlineData("gcp", "asia-northeast1")]
    [InlineData("gcp", "asia-southeast1")]
    [InlineData("azure", "eastus")]
    [InlineData("azure", "eastus2")]
    [InlineData("azure", "westus")]
    [InlineData("azure", "westus2")]
    [InlineData("azure", "westus3")]
    [InlineData("azure", "southcentralus")]
    [InlineData("azure", "westeurope")]
    [InlineData("azure", "northeurope")]
    [InlineData("azure", "polandcentral")]
    [InlineData("azure", "swedencentral")]
    [InlineData("azure", "spaincentral")]
    [InlineData("azure", "switzerlandnorth")]
    [InlineData("azure", "uksouth")]
    [InlineData("azure", "eastasia")]
    public void A_catalog_region_has_its_own_row_and_the_loader_serves_it(string provider, string region)
    {
        var expected = DataFiles.GridOf(provider, region);

        var served = EnergyFactors.Default.GridIntensity(provider, region);

        Assert.False(served.IsFallback);
        Assert.Equal(expected, served.Value);
    }

    [Fact]
    public void An_unknown_region_gets_the_providers_fallback_flagged_as_such()
    {
        var served = EnergyFactors.Default.GridIntensity("aws", "mars-north-1");

        Assert.True(served.IsFallback);
        Assert.Equal(DataFiles.GridFallbacks.Single(f => f.Provider == "aws").KgCo2PerKwh, served.Value);
    }

    [Fact]
    public void An_unknown_provider_gets_the_world_average()
    {
        var served = EnergyFactors.Default.GridIntensity("oracle", "us-ashburn-1");

        Assert.True(served.IsFallback);
        Assert.Equal(DataFiles.GridFallbacks.Single(f => f.Provider == "*").KgCo2PerKwh, served.Value);
    }

    [Fact]
    public void Every_model_default_is_sourced_and_the_loader_serves_it()
    {
        Assert.NotEmpty(DataFiles.DefaultRows);
        Assert.All(DataFiles.DefaultRows, r =>
        {
            Assert.False(string.IsNullOrWhiteSpace(r.Source), $"{r.Name} has no source.");
            Assert.Equal(r.Value, ModelDefaults.Default[r.Name].Value);
        });
        Assert.Equal(16, ModelDefaults.Default.BytesPerParameter.Value);
        Assert.Equal(20, ModelDefaults.Default.ChinchillaTokensPerParameter.Value);
    }

    [Fact]
    public void Every_MFU_default_lies_within_its_bounds()
    {
        Assert.All(EfficiencyFile.Rows.Append(EfficiencyFile.Fallback), row =>
        {
            Assert.True(row.MfuLow > 0 && row.MfuLow <= row.Mfu && row.Mfu <= row.MfuHigh && row.MfuHigh <= 1,
                $"{row.AcceleratorId}: {row.MfuLow} <= {row.Mfu} <= {row.MfuHigh} does not hold.");
        });
    }
}
