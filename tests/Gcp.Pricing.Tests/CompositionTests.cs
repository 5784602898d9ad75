using Pricing.Catalog;

namespace Gcp.Pricing.Tests;

/// <summary>A GPU VM's price is the sum of its parts, and never a GPU-only price.</summary>
public sealed class CompositionTests
{
    private const decimal A2Core = 0.031611m;
    private const decimal A2Ram = 0.004237m;
    private const decimal A100 = 2.933908m;

    private static string A3Core(string units, long nanos, string usageType = "OnDemand", string region = "us-east4") =>
        ApiJson.Sku($"{(usageType == "Preemptible" ? "Spot Preemptible " : "")}A3 Instance Core running in Virginia", units, nanos, $"A3-CORE-{usageType}", "CPU", usageType, [region]);

    private static string A3Ram(string units, long nanos, string usageType = "OnDemand", string region = "us-east4") =>
        ApiJson.Sku($"{(usageType == "Preemptible" ? "Spot Preemptible " : "")}A3 Instance Ram running in Virginia", units, nanos, $"A3-RAM-{usageType}", "RAM", usageType, [region]);

    private static string H100(string units, long nanos, string usageType = "OnDemand", string region = "us-east4") =>
        ApiJson.Sku($"Nvidia H100 80GB GPU {(usageType == "Preemptible" ? "attached to Spot Preemptible VMs " : "")}running in Virginia", units, nanos, $"H100-{usageType}", "GPU", usageType, [region]);

    [Fact]
    public async Task An_A2_VM_is_its_cores_plus_its_memory_plus_its_GPUs_exactly()
    {
        var composition = await ApiJson.ComposeAsync(ApiJson.A100Americas(), ApiJson.A2CoreAmericas(), ApiJson.A2RamAmericas());

        var one = ApiJson.Single(composition, "a2-highgpu-1g", "us-central1", PricingModels.OnDemand);
        var eight = ApiJson.Single(composition, "a2-highgpu-8g", "us-central1", PricingModels.OnDemand);
        Assert.Equal(12 * A2Core + 85 * A2Ram + 1 * A100, one.PricePerInstanceHour);
        Assert.Equal(96 * A2Core + 680 * A2Ram + 8 * A100, eight.PricePerInstanceHour);
        // The same figure Google's own GKE cluster-autoscaler lists for a2-highgpu-1g (gce_price_info.go: 3.673385).
        Assert.Equal(3.673385m, one.PricePerInstanceHour);

        Assert.Equal("gcp", one.Provider);
        Assert.Null(one.Zone);
        Assert.Equal("nvidia-a100-40gb", one.AcceleratorId);
        Assert.Equal(1m, one.AcceleratorsPerInstance);
        Assert.Equal(8m, eight.AcceleratorsPerInstance);
        Assert.Equal((12, 85m), (one.Vcpus, one.MemoryGib));
        Assert.Equal("039F-D0DA-4055", one.SkuId);
        Assert.Equal("core=2922-40C5-B19F;ram=2390-DCAF-DA38;gpu=039F-D0DA-4055", one.MeterId);
        Assert.Equal("USD", one.Currency);
    }

    [Fact]
    public async Task A_SKU_serving_several_regions_prices_the_VM_in_each()
    {
        var composition = await ApiJson.ComposeAsync(ApiJson.A100Americas(), ApiJson.A2CoreAmericas(), ApiJson.A2RamAmericas());

        var regions = composition.Offers.Where(o => o.InstanceType == "a2-highgpu-1g").Select(o => o.Region).Order(StringComparer.Ordinal);
        Assert.Equal(ApiJson.Americas, regions);
        Assert.Single(composition.Offers.Where(o => o.InstanceType == "a2-highgpu-1g").Select(o => o.PricePerInstanceHour).Distinct());
        Assert.Empty(composition.Quarantined);
    }

    [Fact]
    public async Task An_H100_SKU_without_its_A3_host_is_quarantined_not_published_as_a_VM_price()
    {
        var composition = await ApiJson.ComposeAsync(H100("9", 796551250));

        Assert.DoesNotContain(composition.Offers, o => o.AcceleratorId == "nvidia-h100-80gb");
        var rows = composition.Quarantined.Where(r => r.Rule == GcpQuarantineRules.MissingComponent).ToList();
        Assert.Equal(["a3-edgegpu-8g", "a3-highgpu-1g", "a3-highgpu-2g", "a3-highgpu-4g", "a3-highgpu-8g"], rows.Select(r => r.Row.Split(' ')[0]).Order(StringComparer.Ordinal));
        Assert.All(rows, r =>
        {
            Assert.Contains("'A3 Instance Core' and 'A3 Instance Ram' are not", r.Reason, StringComparison.Ordinal);
            Assert.Contains("us-east4", r.Reason, StringComparison.Ordinal);
            Assert.Contains("sku=H100-OnDemand", r.Row, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task A_spot_GPU_SKU_above_its_on_demand_SKU_keeps_the_spot_VM_out_even_when_the_host_discount_hides_it()
    {
        // The GPU's spot SKU is above its on-demand SKU (as SkyPilot's H200 rows in europe-west4), but the spot host is
        // so much cheaper that the 8-GPU VM's spot total lands below on demand, where the shared validator would pass it.
        var composition = await ApiJson.ComposeAsync(
            H100("4", 575322500), H100("4", 888700000, "Preemptible"),
            A3Core("0", 25452950), A3Ram("0", 2225356), A3Core("0", 2545295, "Preemptible"), A3Ram("0", 222535, "Preemptible"));

        var onDemand = ApiJson.Single(composition, "a3-highgpu-8g", "us-east4", PricingModels.OnDemand);
        var spotHost = 208 * 0.002545295m + 1872 * 0.000222535m;
        var onDemandHost = 208 * 0.02545295m + 1872 * 0.002225356m;
        Assert.True(8 * 4.8887m + spotHost < onDemand.PricePerInstanceHour, "the test's spot VM total must be below on demand, or it shows nothing");
        Assert.Equal(8 * 4.5753225m + onDemandHost, onDemand.PricePerInstanceHour);
        Assert.DoesNotContain(composition.Offers, o => o.PricingModel == PricingModels.Spot);
        var rows = composition.Quarantined.Where(r => r.Rule == QuarantineRules.SpotAboveOnDemand).ToList();
        Assert.Equal(["a3-edgegpu-8g", "a3-highgpu-1g", "a3-highgpu-2g", "a3-highgpu-4g", "a3-highgpu-8g"], rows.Select(r => r.Row.Split(' ')[0]).Order(StringComparer.Ordinal));
        Assert.All(rows, r =>
        {
            Assert.Contains("model=spot", r.Row, StringComparison.Ordinal);
            Assert.Contains("(4.8887 USD/h) is priced above its on-demand SKU H100-OnDemand (4.5753225 USD/h)", r.Reason, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task A_missing_RAM_SKU_alone_is_named_as_what_is_missing()
    {
        var composition = await ApiJson.ComposeAsync(H100("9", 796551250), A3Core("0", 25452950));

        Assert.Empty(composition.Offers);
        Assert.All(composition.Quarantined, r =>
        {
            Assert.Equal(GcpQuarantineRules.MissingComponent, r.Rule);
            Assert.Contains("'A3 Instance Ram' is not", r.Reason, StringComparison.Ordinal);
            Assert.DoesNotContain("A3 Instance Core", r.Reason, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task An_A3_High_VM_with_its_host_is_priced_as_the_sum_with_the_host_counted_once()
    {
        var composition = await ApiJson.ComposeAsync(H100("9", 796551250), A3Core("0", 25452950), A3Ram("0", 2225356));

        var vm = ApiJson.Single(composition, "a3-highgpu-8g", "us-east4", PricingModels.OnDemand);
        Assert.Equal(208 * 0.025452950m + 1872 * 0.002225356m + 8 * 9.796551250m, vm.PricePerInstanceHour);
        Assert.Equal(9.796551250m + (208 * 0.025452950m + 1872 * 0.002225356m) / 8, vm.PricePerAcceleratorHour);
    }

    [Fact]
    public async Task An_A4_VM_is_eight_GPU_slices_with_no_host_added_even_when_host_SKUs_exist_in_the_region()
    {
        // The B200 '1 gpu slice' SKU already carries the VM's vCPUs and memory; other series' core/RAM SKUs in the
        // same region must not leak into it.
        var slice = ApiJson.Sku("A4 Nvidia B200 (1 gpu slice) running in Virginia", "8", 55000000, "B200-SLICE", regions: ["us-east4"]);
        var composition = await ApiJson.ComposeAsync(slice, A3Core("0", 25452950), A3Ram("0", 2225356));

        var vm = ApiJson.Single(composition, "a4-highgpu-8g", "us-east4", PricingModels.OnDemand);
        Assert.Equal(8 * 8.055m, vm.PricePerInstanceHour);
        Assert.Equal(8.055m, vm.PricePerAcceleratorHour);
        Assert.Equal("gpu=B200-SLICE", vm.MeterId);
        Assert.Equal((224, 3968m), (vm.Vcpus, vm.MemoryGib));
        Assert.DoesNotContain(composition.Quarantined, r => r.Row.StartsWith("a4-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Spot_VMs_are_composed_from_spot_parts_only()
    {
        var composition = await ApiJson.ComposeAsync(
            H100("2", 235600000, "Preemptible"), A3Core("0", 5821643, "Preemptible"), A3Ram("0", 506826, "Preemptible"),
            A3Core("0", 25452950), A3Ram("0", 2225356));

        var spot = ApiJson.Single(composition, "a3-highgpu-1g", "us-east4", PricingModels.Spot);
        Assert.Equal(26 * 0.005821643m + 234 * 0.000506826m + 2.2356m, spot.PricePerInstanceHour);
        Assert.Equal("H100-Preemptible", spot.SkuId);
        // On-demand host SKUs exist but no on-demand GPU: no on-demand VM, and nothing to report for it.
        Assert.DoesNotContain(composition.Offers, o => o.PricingModel == PricingModels.OnDemand);
        Assert.Empty(composition.Quarantined);
    }

    [Fact]
    public async Task A_spot_GPU_with_only_on_demand_host_SKUs_is_quarantined()
    {
        var composition = await ApiJson.ComposeAsync(H100("2", 235600000, "Preemptible"), A3Core("0", 25452950), A3Ram("0", 2225356));

        Assert.Empty(composition.Offers);
        Assert.All(composition.Quarantined, r => Assert.Contains("(spot)", r.Reason, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(1, "Commit1Yr", PricingModels.Committed1Y)]
    [InlineData(3, "Commit3Yr", PricingModels.Committed3Y)]
    public async Task Commitments_are_composed_from_commitment_SKUs(int years, string usageType, string model)
    {
        var composition = await ApiJson.ComposeAsync(
            ApiJson.Sku($"Commitment v1: A2 Cpu in Americas for {years} Year", "0", 19914710, "C-CPU", "CPU", usageType, ApiJson.Americas),
            ApiJson.Sku($"Commitment v1: A2 Ram in Americas for {years} Year", "0", 2669281, "C-RAM", "RAM", usageType, ApiJson.Americas),
            ApiJson.Sku($"Commitment v1: Nvidia Tesla A100 GPU in Americas for {years} Year", "1", 848341665, "C-GPU", "GPU", usageType, ApiJson.Americas));

        var vm = ApiJson.Single(composition, "a2-highgpu-1g", "us-central1", model);
        Assert.Equal(12 * 0.019914710m + 85 * 0.002669281m + 1.848341665m, vm.PricePerInstanceHour);
        Assert.Equal("core=C-CPU;ram=C-RAM;gpu=C-GPU", vm.MeterId);
        Assert.All(composition.Offers, o => Assert.Equal(model, o.PricingModel));
    }

    [Fact]
    public async Task A_commitment_GPU_without_host_commitment_SKUs_is_quarantined()
    {
        var composition = await ApiJson.ComposeAsync(
            ApiJson.A2CoreAmericas(), ApiJson.A2RamAmericas(),
            ApiJson.Sku("Commitment v1: Nvidia Tesla A100 GPU in Americas for 1 Year", "1", 848341665, "C-GPU", "GPU", "Commit1Yr", ["us-central1"]));

        Assert.DoesNotContain(composition.Offers, o => o.PricingModel == PricingModels.Committed1Y);
        Assert.Contains(composition.Quarantined, r => r.Rule == GcpQuarantineRules.MissingComponent && r.Reason.Contains("'A2 Cpu' and 'A2 Ram' are not", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SKU_names_match_exactly_so_the_80GB_A100_never_prices_the_40GB_machines()
    {
        var a100x80 = ApiJson.Sku("Nvidia Tesla A100 80GB GPU running in Americas", "1", 846197500, "A100-80", regions: ["us-central1"]);
        var composition = await ApiJson.ComposeAsync(a100x80, ApiJson.A2CoreAmericas(), ApiJson.A2RamAmericas());

        Assert.NotEmpty(composition.Offers);
        Assert.All(composition.Offers, o =>
        {
            Assert.StartsWith("a2-ultragpu-", o.InstanceType, StringComparison.Ordinal);
            Assert.Equal("nvidia-a100-80gb", o.AcceleratorId);
        });
        Assert.Equal(12 * A2Core + 170 * A2Ram + 1.8461975m, ApiJson.Single(composition, "a2-ultragpu-1g", "us-central1", PricingModels.OnDemand).PricePerInstanceHour);
    }

    [Fact]
    public async Task N1_core_and_RAM_share_a_resource_group_and_are_told_apart_by_description()
    {
        var composition = await ApiJson.ComposeAsync(
            ApiJson.Sku("N1 Predefined Instance Core running in Americas", "0", 31611000, "N1-CORE", "N1Standard"),
            ApiJson.Sku("N1 Predefined Instance Ram running in Americas", "0", 4237000, "N1-RAM", "N1Standard", usageUnit: "GiBy.h"),
            ApiJson.Sku("Nvidia Tesla T4 GPU running in Americas", "0", 350000000, "T4"));

        var vm = ApiJson.Single(composition, "n1-standard-8+1xT4", "us-central1", PricingModels.OnDemand);
        Assert.Equal(8 * 0.031611m + 30 * 0.004237m + 0.35m, vm.PricePerInstanceHour);
        Assert.Equal("nvidia-t4", vm.AcceleratorId);
        Assert.Equal(4m, ApiJson.Single(composition, "n1-standard-16+4xT4", "us-central1", PricingModels.OnDemand).AcceleratorsPerInstance);
    }

    [Fact]
    public async Task A_GPU_SKU_priced_per_month_is_quarantined_as_non_hourly()
    {
        var monthly = ApiJson.Sku("Nvidia Tesla A100 GPU running in Americas", "2141", 0, "A100-MONTH", usageUnit: "mo", regions: ApiJson.Americas);
        var composition = await ApiJson.ComposeAsync(monthly, ApiJson.A2CoreAmericas(), ApiJson.A2RamAmericas());

        Assert.Empty(composition.Offers);
        var row = Assert.Single(composition.Quarantined);
        Assert.Equal(QuarantineRules.NonHourlyUnit, row.Rule);
        Assert.Contains("sku=A100-MONTH", row.Row, StringComparison.Ordinal);
        Assert.Contains("'mo'", row.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_RAM_SKU_that_is_not_per_GiB_hour_is_quarantined_and_its_VMs_with_it()
    {
        var perGbMonth = ApiJson.Sku("A2 Instance Ram running in Americas", "3", 93000000, "RAM-MONTH", "RAM", usageUnit: "GiBy.mo", regions: ApiJson.Americas);
        var composition = await ApiJson.ComposeAsync(ApiJson.A100Americas(), ApiJson.A2CoreAmericas(), perGbMonth);

        Assert.Empty(composition.Offers);
        Assert.Contains(composition.Quarantined, r => r.Rule == QuarantineRules.NonHourlyUnit && r.Row.Contains("sku=RAM-MONTH", StringComparison.Ordinal));
        Assert.Contains(composition.Quarantined, r => r.Rule == GcpQuarantineRules.MissingComponent && r.Reason.Contains("'A2 Instance Ram' is not", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_free_first_tier_is_an_allowance_and_the_first_paid_tier_is_the_price()
    {
        var tiers = string.Join(", ", ApiJson.Rate(0, "0", 0), ApiJson.Rate(730, "0", 560040000), ApiJson.Rate(10000, "0", 500000000));
        var l4 = ApiJson.Sku("Nvidia L4 GPU running in Americas", "0", 0, "L4-TIERED", tieredRates: tiers);
        var composition = await ApiJson.ComposeAsync(l4,
            ApiJson.Sku("G2 Instance Core running in Americas", "0", 24988000, "G2-CORE", "CPU"),
            ApiJson.Sku("G2 Instance Ram running in Americas", "0", 2927000, "G2-RAM", "RAM"));

        var vm = ApiJson.Single(composition, "g2-standard-8", "us-central1", PricingModels.OnDemand);
        Assert.Equal(8 * 0.024988m + 32 * 0.002927m + 0.56004m, vm.PricePerInstanceHour);
        Assert.Equal(0.853608m, vm.PricePerInstanceHour);
    }

    [Fact]
    public void A_paid_first_tier_is_the_price_and_later_volume_tiers_do_not_lower_it()
    {
        var price = GcpOfferComposer.ListPrice([new(10000, 0.5m, "USD"), new(0, 0.56004m, "USD")], out var problem);

        Assert.Null(problem);
        Assert.Equal((0.56004m, "USD"), price);
    }

    [Fact]
    public async Task Tiers_that_do_not_start_at_zero_are_malformed_and_an_all_free_SKU_is_a_zero_price()
    {
        var noZeroTier = ApiJson.Sku("Nvidia Tesla A100 GPU running in Americas", "0", 0, "NO-ZERO", regions: ApiJson.Americas, tieredRates: ApiJson.Rate(100, "2", 933908000));
        var free = ApiJson.Sku("A2 Instance Core running in Americas", "0", 0, "FREE-CORE", "CPU", regions: ApiJson.Americas);
        var composition = await ApiJson.ComposeAsync(noZeroTier, free, ApiJson.A2RamAmericas());

        Assert.Empty(composition.Offers);
        Assert.Contains(composition.Quarantined, r => r.Rule == QuarantineRules.Malformed && r.Row.Contains("sku=NO-ZERO", StringComparison.Ordinal) && r.Reason.Contains("usage 0", StringComparison.Ordinal));
        Assert.Contains(composition.Quarantined, r => r.Rule == QuarantineRules.ZeroPrice && r.Row.Contains("sku=FREE-CORE", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_same_part_listed_twice_at_one_price_is_kept_once_and_the_repeat_reported()
    {
        // us-east4 appears as both 'Virginia' and 'Northern Virginia' in the catalog.
        var twice = ApiJson.Sku("Spot Preemptible A3 Instance Core running in Northern Virginia", "0", 5821643, "A3-CORE-NVA", "CPU", "Preemptible", ["us-east4"]);
        var composition = await ApiJson.ComposeAsync(H100("2", 235600000, "Preemptible"), A3Core("0", 5821643, "Preemptible"), twice, A3Ram("0", 506826, "Preemptible"));

        var vm = ApiJson.Single(composition, "a3-highgpu-1g", "us-east4", PricingModels.Spot);
        Assert.Equal(26 * 0.005821643m + 234 * 0.000506826m + 2.2356m, vm.PricePerInstanceHour);
        Assert.Contains("core=A3-CORE-NVA", vm.MeterId, StringComparison.Ordinal);
        var row = Assert.Single(composition.Quarantined);
        Assert.Equal(QuarantineRules.Duplicate, row.Rule);
        Assert.Contains("sku=A3-CORE-Preemptible", row.Row, StringComparison.Ordinal);
        Assert.Contains("A3-CORE-NVA", row.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_same_part_at_two_prices_prices_nothing_built_from_it()
    {
        var other = ApiJson.Sku("A2 Instance Core running in Iowa", "0", 40000000, "OTHER-CORE", "CPU", regions: ["us-central1"]);
        var composition = await ApiJson.ComposeAsync(ApiJson.A100Americas(), ApiJson.A2CoreAmericas(), other, ApiJson.A2RamAmericas());

        Assert.DoesNotContain(composition.Offers, o => o.Region == "us-central1");
        Assert.Equal(2, composition.Offers.Count(o => o.InstanceType == "a2-highgpu-1g"));
        Assert.Equal(2, composition.Quarantined.Count(r => r.Rule == QuarantineRules.ConflictingDuplicate && r.Row.StartsWith("sku=", StringComparison.Ordinal)));
        Assert.Contains(composition.Quarantined, r => r.Rule == QuarantineRules.ConflictingDuplicate && r.Row.StartsWith("a2-highgpu-1g region=us-central1", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Parts_priced_in_different_currencies_do_not_add_up()
    {
        var idrCore = ApiJson.Sku("A2 Instance Core running in Americas", "474", 165000000, "IDR-CORE", "CPU", regions: ApiJson.Americas, currency: "IDR");
        var composition = await ApiJson.ComposeAsync(ApiJson.A100Americas(), idrCore, ApiJson.A2RamAmericas());

        Assert.Empty(composition.Offers);
        Assert.Contains(composition.Quarantined, r => r.Rule == QuarantineRules.Malformed
            && (r.Reason.Contains("USD and IDR", StringComparison.Ordinal) || r.Reason.Contains("IDR and USD", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task The_region_filter_keeps_only_the_regions_asked_for()
    {
        var skus = await ApiJson.SkusAsync(ApiJson.A100Americas(), ApiJson.A2CoreAmericas(), ApiJson.A2RamAmericas());

        var composition = new GcpOfferComposer(GcpMachineTypeMap.Default, ["us-east1"]).Compose(skus);

        Assert.NotEmpty(composition.Offers);
        Assert.All(composition.Offers, o => Assert.Equal("us-east1", o.Region));
    }

    [Fact]
    public async Task SKUs_of_families_we_do_not_price_are_skipped_and_counted()
    {
        var e2 = ApiJson.Sku("E2 Instance Core running in Americas", "0", 21811000, "E2-CORE", "CPU", regions: ApiJson.Americas);
        var ssd = ApiJson.Sku("SSD backed Local Storage", "0", 80000000, "LOCAL-SSD", "LocalSSD", usageUnit: "GiBy.mo");
        var soleTenant = ApiJson.Sku("Nvidia Tesla T4 GPU attached to Sole Tenancy VMs running in Americas", "0", 350000000, "T4-SOLE");

        var composition = await ApiJson.ComposeAsync(e2, ssd, soleTenant);

        Assert.Empty(composition.Offers);
        Assert.Empty(composition.Quarantined);
        Assert.Equal(3, composition.Skipped["not a component of a priced machine type"]);
    }

    [Fact]
    public async Task A_VM_takes_the_latest_effective_time_of_its_parts()
    {
        var gpu = ApiJson.Sku("Nvidia Tesla T4 GPU running in Americas", "0", 350000000, "T4", effectiveTime: "2026-03-01T00:00:00Z");
        var core = ApiJson.Sku("N1 Predefined Instance Core running in Americas", "0", 31611000, "N1-CORE", "N1Standard", effectiveTime: "2026-05-01T12:00:00Z");
        var ram = ApiJson.Sku("N1 Predefined Instance Ram running in Americas", "0", 4237000, "N1-RAM", "N1Standard", usageUnit: "GiBy.h", effectiveTime: "2025-01-01T00:00:00Z");

        var composition = await ApiJson.ComposeAsync(gpu, core, ram);

        Assert.All(composition.Offers, o => Assert.Equal(new DateTimeOffset(2026, 5, 1, 12, 0, 0, TimeSpan.Zero), o.EffectiveDate));
    }
}
