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
        Assert.Equal(18, ModelDefaults.Default.BytesPerParameterMegatron.Value);
        Assert.Equal(20, ModelDefaults.Default.ChinchillaTokensPerParameter.Value);
    }

    [Fact]
    public void The_MFU_range_brackets_the_estimate()
    {
        Assert.InRange(PlanDataFiles.RangeLow, 0.3, 0.99);
        Assert.InRange(PlanDataFiles.RangeHigh, 1.01, 2.0);
        Assert.Equal(PlanDataFiles.RangeLow, EfficiencyModel.Default.RangeLow);
        Assert.Equal(PlanDataFiles.RangeHigh, EfficiencyModel.Default.RangeHigh);
    }

    [Fact]
    public void Every_instance_family_is_sourced_and_a_family_not_offered_for_training_says_why()
    {
        Assert.NotEmpty(PlanDataFiles.Families);
        Assert.All(PlanDataFiles.Families, f =>
        {
            var name = $"{f.Provider} {string.Join(",", f.Match)}";
            Assert.False(string.IsNullOrWhiteSpace(f.Source), $"{name} has no source.");
            Assert.False(string.IsNullOrWhiteSpace(f.ScaleOutDetail), $"{name} does not describe its fabric.");
            Assert.True(f.Trainable || !string.IsNullOrWhiteSpace(f.NotTrainableReason), $"{name} is not trainable but gives no reason.");
            Assert.True(f.NodePowerWatts is null or > 0, $"{name}: node power {f.NodePowerWatts}.");
            Assert.True(f.ScaleOutGbps is null or > 0, $"{name}: {f.ScaleOutGbps} Gbps.");
        });
        var exact = PlanDataFiles.Families.SelectMany(f => f.Match.Where(m => !m.EndsWith('*')).Select(m => (f.Provider, m))).ToList();
        Assert.Equal(exact.Count, exact.Distinct().Count());
    }

    [Theory]
    [InlineData("aws", "p5.48xlarge")]
    [InlineData("aws", "trn1.2xlarge")]
    [InlineData("aws", "inf2.48xlarge")]
    [InlineData("azure", "Standard_ND96isr_H100_v5")]
    [InlineData("azure", "Standard_NC24ads_A100_v4")]
    [InlineData("gcp", "a3-megagpu-8g")]
    [InlineData("gcp", "tpu-v5p")]
    public void The_loader_resolves_an_instance_type_to_its_family_row(string provider, string instanceType)
    {
        var row = PlanDataFiles.Families.Single(f => f.Provider == provider
            && f.Match.Any(m => m == instanceType || (m.EndsWith('*') && instanceType.StartsWith(m[..^1], StringComparison.Ordinal))));

        var family = InstanceCapabilities.Default.For(provider, instanceType);

        Assert.NotNull(family);
        Assert.Equal(row.Match, family.Match);
        Assert.Equal(row.TrainingGradeFabric, family.TrainingGradeFabric);
        Assert.Equal(row.Trainable, family.Trainable);
        Assert.Equal(row.NodePowerWatts, family.NodePowerWatts);
        Assert.Equal(row.ScaleOutGbps, family.ScaleOutGbps);
        Assert.Null(InstanceCapabilities.Default.For(provider, "no-such-instance"));
    }

    [Fact]
    public void Every_provider_has_sourced_plausible_storage_egress_and_spot_figures_and_the_loader_serves_them()
    {
        Assert.Equal(["*", "aws", "azure", "gcp"], PlanDataFiles.Costs.Select(c => c.Provider).Order(StringComparer.Ordinal));
        Assert.All(PlanDataFiles.Costs, c =>
        {
            Assert.InRange(c.StorageUsdPerGbMonth, 0.005, 0.1);
            Assert.InRange(c.InternetEgressUsdPerGb, 0.01, 0.5);
            Assert.InRange(c.SpotInterruptionsPerInstanceMonth, 0.01, 1);
            Assert.False(string.IsNullOrWhiteSpace(c.StorageSource) || string.IsNullOrWhiteSpace(c.EgressSource) || string.IsNullOrWhiteSpace(c.SpotSource), $"{c.Provider} lacks a source.");
            var served = ProviderCosts.Default.For(c.Provider);
            Assert.Equal(c.StorageUsdPerGbMonth, served.StorageUsdPerGbMonth);
            Assert.Equal(c.InternetEgressUsdPerGb, served.InternetEgressUsdPerGb);
            Assert.Equal(c.SpotInterruptionsPerInstanceMonth, served.SpotInterruptionsPerInstanceMonth);
        });
        // A provider without a row gets the '*' row under its own name.
        var fallback = ProviderCosts.Default.For("oracle");
        Assert.Equal("oracle", fallback.Provider);
        Assert.Equal(PlanDataFiles.Cost("*").StorageUsdPerGbMonth, fallback.StorageUsdPerGbMonth);
    }
}
