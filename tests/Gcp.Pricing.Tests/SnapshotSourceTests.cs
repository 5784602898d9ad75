using Microsoft.Extensions.Options;
using Pricing.Catalog;
using Pricing.FakeProviders;
using Pricing.Sources;

namespace Gcp.Pricing.Tests;

/// <summary>The bundled snapshot: real prices composed as Google bills them, and the traps kept in it on purpose.</summary>
public sealed class SnapshotSourceTests
{
    private static async Task<(SourceScrape Scrape, ValidatedOffers Validated)> ScrapeAsync(GcpPricingOptions? options = null)
    {
        var source = options is null ? new GcpSnapshotSource() : new GcpSnapshotSource(Options.Create(options));
        var scrape = await source.ScrapeAsync(TestContext.Current.CancellationToken);
        return (scrape, new OfferValidator(AcceleratorRegistry.Default).Validate(scrape.Candidates, scrape.Quarantined));
    }

    private static Dictionary<string, Offer> ByKey(ValidatedOffers validated) => validated.Offers.ToDictionary(o => o.OfferKey, StringComparer.Ordinal);

    private static Offer Get(ValidatedOffers validated, string region, string instanceType, string model) =>
        ByKey(validated)[OfferKey.Format("gcp", region, null, instanceType, model)];

    /// <summary>The recorded SKUs, read with the parser, to take a VM's GPU part out of its price independently of the composer.</summary>
    private static async Task<decimal> SkuPriceAsync(string description)
    {
        foreach (var (_, pages) in FakeGcpCloudBillingApi.ReadEmbeddedSnapshotPages())
        {
            foreach (var page in pages)
            {
                var parsed = await ApiJson.ParseAsync(page);
                var sku = parsed.Skus.FirstOrDefault(s => s.Description == description);
                if (sku is not null)
                {
                    return sku.TieredRates[0].UnitPrice;
                }
            }
        }

        throw new KeyNotFoundException(description);
    }

    [Theory]
    // Google's own GKE cluster-autoscaler list prices (kubernetes/autoscaler gce_price_info.go instancePrices).
    [InlineData("a2-highgpu-1g", "3.673385")]
    [InlineData("a2-highgpu-8g", "29.38708")]
    [InlineData("a2-megagpu-16g", "55.739504")]
    public async Task A2_VMs_in_us_central1_compose_to_Googles_published_list_prices(string machineType, string expected)
    {
        var (_, validated) = await ScrapeAsync();

        Assert.Equal(decimal.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), Get(validated, "us-central1", machineType, PricingModels.OnDemand).PricePerInstanceHour);
    }

    [Theory]
    // SkyPilot catalog v8 host rows (prices of the VM without its GPUs), which the snapshot's core/RAM SKUs were derived from.
    [InlineData("a2-highgpu-1g", "europe-west4", PricingModels.OnDemand, "0.81406", "Nvidia Tesla A100 GPU running in Netherlands")]
    [InlineData("a2-highgpu-1g", "europe-west4", PricingModels.Spot, "0.31824", "Nvidia Tesla A100 GPU attached to Spot Preemptible VMs running in Netherlands")]
    [InlineData("a2-ultragpu-1g", "asia-southeast1", PricingModels.OnDemand, "1.35641", "Nvidia Tesla A100 80GB GPU running in Singapore")]
    [InlineData("a2-ultragpu-1g", "us-east4", PricingModels.Spot, "0.49613", "Nvidia Tesla A100 80GB GPU attached to Spot Preemptible VMs running in Virginia")]
    [InlineData("a3-highgpu-1g", "us-central1", PricingModels.OnDemand, "1.18251", "Nvidia H100 80GB GPU running in Americas")]
    [InlineData("a3-highgpu-2g", "europe-west4", PricingModels.Spot, "0.56867", "Nvidia H100 80GB GPU attached to Spot Preemptible VMs running in Netherlands")]
    [InlineData("a3-highgpu-4g", "asia-southeast1", PricingModels.Spot, "1.39516", "Nvidia H100 80GB GPU attached to Spot Preemptible VMs running in Singapore")]
    [InlineData("a3-highgpu-8g", "asia-east1", PricingModels.OnDemand, "10.95381", "Nvidia H100 80GB GPU running in Taiwan")]
    [InlineData("a3-edgegpu-8g", "northamerica-northeast2", PricingModels.Spot, "1.87408", "Nvidia H100 80GB GPU attached to Spot Preemptible VMs running in Toronto")]
    [InlineData("a2-highgpu-8g", "us-west3", PricingModels.OnDemand, "7.10564", "Nvidia Tesla A100 GPU running in Salt Lake City")]
    [InlineData("g2-standard-16", "europe-west4", PricingModels.OnDemand, "0.61714", "Nvidia L4 GPU running in Netherlands")]
    [InlineData("a3-megagpu-8g", "us-central1", PricingModels.OnDemand, "9.46006", "Nvidia H100 80GB Plus GPU running in Americas")]
    [InlineData("a3-megagpu-8g", "australia-southeast1", PricingModels.Spot, "2.49496", "Nvidia H100 80GB Mega GPU attached to Spot Preemptible VMs running in Sydney")]
    [InlineData("g2-standard-32", "asia-east1", PricingModels.Spot, "0.35917", "Nvidia L4 GPU attached to Spot Preemptible VMs running in Taiwan")]
    public async Task The_composed_host_reproduces_SkyPilots_host_price_to_within_its_rounding(string machineType, string region, string model, string skyPilotHost, string gpuSku)
    {
        var (_, validated) = await ScrapeAsync();
        var vm = Get(validated, region, machineType, model);

        var host = vm.PricePerInstanceHour - vm.AcceleratorsPerInstance * await SkuPriceAsync(gpuSku);

        // SkyPilot prints 5 decimals; the per-core and per-GiB SKUs reproduce its host prices to within $0.00005/h.
        Assert.InRange(host - decimal.Parse(skyPilotHost, System.Globalization.CultureInfo.InvariantCulture), -0.00005m, 0.00005m);
    }

    [Fact]
    public async Task Every_recorded_price_kind_is_there_for_the_A100()
    {
        var (_, validated) = await ScrapeAsync();

        Assert.Equal(
            [PricingModels.Committed1Y, PricingModels.Committed3Y, PricingModels.DwsFlexStart, PricingModels.OnDemand, PricingModels.Spot],
            validated.Offers.Where(o => o.InstanceType == "a2-highgpu-1g" && o.Region == "us-central1").Select(o => o.PricingModel).Order(StringComparer.Ordinal));
        // The catalog read the DWS SKUs come from prints the a2-highgpu-1g flex-start total as 2.02038 (1.61365 + 0.20868 + 0.19805).
        Assert.InRange(Get(validated, "us-central1", "a2-highgpu-1g", PricingModels.DwsFlexStart).PricePerInstanceHour - 2.02038m, -0.000005m, 0.000005m);
        // Cyclenerd's a2-highgpu-1g us-central1 1-year commitment: month_1y 1689.3711392 / 730 hours.
        Assert.InRange(Get(validated, "us-central1", "a2-highgpu-1g", PricingModels.Committed1Y).PricePerInstanceHour - 1689.3711392m / 730m, -0.000001m, 0.000001m);
    }

    [Fact]
    public async Task The_A3_Ultra_VM_is_its_H200s_plus_its_host_not_the_GPUs_alone()
    {
        var (_, validated) = await ScrapeAsync();
        var vm = Get(validated, "us-central1", "a3-ultragpu-8g", PricingModels.OnDemand);

        // Whole-VM instance share of 10.4365 per GPU (tanod/cloud-gpu-list-prices); the GPU SKU alone is 9.31174.
        Assert.InRange(vm.PricePerAcceleratorHour - 10.4365m, -0.000001m, 0.000001m);
        Assert.True(vm.PricePerInstanceHour > 8 * await SkuPriceAsync("H200 141GB GPU running in Americas"));
        Assert.Equal("nvidia-h200-141gb", vm.AcceleratorId);
    }

    [Fact]
    public async Task The_A4_VM_is_exactly_eight_B200_slices_in_every_pricing_model_the_catalog_lists()
    {
        var (_, validated) = await ScrapeAsync();

        // The catalog's A4 B200 SKUs per GPU-hour in the Americas (read 2026-07-30): on-demand 16.11, spot 4.9542,
        // DWS flex-start 8.055, DWS calendar 11.277, commitments 11.1159 (1 year) and 7.0884 (3 years). SkyPilot's
        // 90.216 and 64.44 for the VM are the calendar and flex-start SKUs, not an on-demand price.
        Assert.Equal(128.88m, Get(validated, "us-central1", "a4-highgpu-8g", PricingModels.OnDemand).PricePerInstanceHour);
        Assert.Equal(8 * await SkuPriceAsync("A4 Nvidia B200 (1 gpu slice) running in Americas"), Get(validated, "us-central1", "a4-highgpu-8g", PricingModels.OnDemand).PricePerInstanceHour);
        Assert.Equal(64.44m, Get(validated, "us-central1", "a4-highgpu-8g", PricingModels.DwsFlexStart).PricePerInstanceHour);
        Assert.Equal(90.216m, Get(validated, "us-central1", "a4-highgpu-8g", PricingModels.DwsCalendar).PricePerInstanceHour);
        Assert.Equal(8 * 4.9542m, Get(validated, "us-central1", "a4-highgpu-8g", PricingModels.Spot).PricePerInstanceHour);
        Assert.Equal(8 * 7.0884m, Get(validated, "us-central1", "a4-highgpu-8g", PricingModels.Committed3Y).PricePerInstanceHour);
    }

    [Fact]
    public async Task G2_N1_and_TPU_prices_are_the_recorded_ones()
    {
        var (_, validated) = await ScrapeAsync();

        Assert.Equal(0.853608m, Get(validated, "us-central1", "g2-standard-8", PricingModels.OnDemand).PricePerInstanceHour);
        Assert.Equal(8 * 0.031611m + 30 * 0.004237m + 0.35m, Get(validated, "us-central1", "n1-standard-8+1xT4", PricingModels.OnDemand).PricePerInstanceHour);
        Assert.Equal(1.2m, Get(validated, "us-central1", "tpu-v5e", PricingModels.OnDemand).PricePerAcceleratorHour);
        Assert.Equal(4.2m, Get(validated, "us-east5", "tpu-v5p", PricingModels.OnDemand).PricePerAcceleratorHour);
        Assert.Equal(2.7m, Get(validated, "us-east1", "tpu-v6e", PricingModels.OnDemand).PricePerAcceleratorHour);
        // The verbatim 'TpuV5e running in Delhi' SKU.
        Assert.Equal(1.44132m, Get(validated, "asia-south2", "tpu-v5e", PricingModels.OnDemand).PricePerAcceleratorHour);
        // Categorised OnDemand by the API, spot by its description.
        Assert.Equal(0.51m, Get(validated, "us-west4", "tpu-v5e", PricingModels.Spot).PricePerAcceleratorHour);
    }

    [Fact]
    public async Task The_verbatim_catalog_capture_brings_TPU7x_a_TPU_calendar_reservation_and_a_TPU_commitment()
    {
        var (_, validated) = await ScrapeAsync();

        // SKUs captured from the Cloud Billing Catalog on 2026-06-14, ids and prices verbatim.
        foreach (var region in new[] { "us-central1", "us-east1", "us-west1" })
        {
            var tpu7x = Get(validated, region, "tpu7x", PricingModels.OnDemand);
            Assert.Equal(("google-tpu-v7", 12m, "0F71-4391-B6CA"), (tpu7x.AcceleratorId, tpu7x.PricePerAcceleratorHour, tpu7x.SkuId));
        }

        Assert.Equal(2.94m, Get(validated, "asia-south2", "tpu-v5p", PricingModels.DwsCalendar).PricePerAcceleratorHour);
        Assert.Equal(1.911m, Get(validated, "europe-west4", "tpu-v5p", PricingModels.Committed3Y).PricePerAcceleratorHour);
        Assert.Equal(6.430995m, Get(validated, "southamerica-east1", "tpu-v5p", PricingModels.OnDemand).PricePerAcceleratorHour);
        // Where SkyPilot prices the same part, the verbatim SKU is the one kept.
        Assert.Equal("2549-F208-72FA", Get(validated, "us-south1", "tpu-v6e", PricingModels.OnDemand).SkuId);
    }

    [Fact]
    public async Task Trap_the_v6e_700_placeholder_is_quarantined_and_the_real_on_demand_price_beside_it_kept()
    {
        var (_, validated) = await ScrapeAsync();

        Assert.Contains(validated.Quarantined, r => r.Rule == QuarantineRules.ImplausiblePrice && r.Row.StartsWith("tpu-v6e region=southamerica-west1 model=spot", StringComparison.Ordinal));
        Assert.DoesNotContain(validated.Offers, o => o.PricePerAcceleratorHour >= 700m);
        Assert.Equal(2.7m, Get(validated, "southamerica-west1", "tpu-v6e", PricingModels.OnDemand).PricePerInstanceHour);
    }

    [Fact]
    public async Task Trap_the_us_east4_SKU_listed_twice_is_priced_once_and_reported()
    {
        var (_, validated) = await ScrapeAsync();

        var duplicate = Assert.Single(validated.Quarantined, r => r.Rule == QuarantineRules.Duplicate);
        Assert.Contains("Spot Preemptible A3 Instance Core running in", duplicate.Row, StringComparison.Ordinal);
        Assert.Contains("us-east4", duplicate.Row, StringComparison.Ordinal);
        Assert.Contains(validated.Offers, o => o.InstanceType == "a3-highgpu-8g" && o.Region == "us-east4" && o.PricingModel == PricingModels.Spot);
    }

    [Fact]
    public async Task H100_on_demand_is_priced_per_region_and_never_from_the_row_SkyPilot_repeats_across_continents()
    {
        var (_, validated) = await ScrapeAsync();

        // The catalog's on-demand Americas SKU (9.7966, read 2026-07-07), which SkyPilot's us-east4 row agrees with.
        Assert.Equal(9.7966m, await SkuPriceAsync("Nvidia H100 80GB GPU running in Americas"));
        var iowa = Get(validated, "us-central1", "a3-highgpu-8g", PricingModels.OnDemand);
        var netherlands = Get(validated, "europe-west4", "a3-highgpu-8g", PricingModels.OnDemand);
        Assert.True(netherlands.PricePerInstanceHour > iowa.PricePerInstanceHour);
        // SkyPilot's H100 x8 row of 33.60609 (4.20 per GPU) appears unchanged in eight regions on three continents
        // (us-central1, asia-southeast1, australia-southeast1, ...): another SKU its matcher picks up, never an on-demand price.
        Assert.True(iowa.PricePerInstanceHour > 8 * 9.7966m);
        Assert.DoesNotContain(validated.Offers, o => o.InstanceType == "a3-highgpu-8g" && o.Region == "asia-southeast1" && o.PricingModel == PricingModels.OnDemand);
        Assert.Contains(validated.Offers, o => o.InstanceType == "a3-highgpu-8g" && o.Region == "asia-southeast1" && o.PricingModel == PricingModels.Spot);
        Assert.DoesNotContain(validated.Quarantined, r => r.Row.StartsWith("a3-highgpu", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Trap_GPU_SKUs_without_their_host_are_quarantined_never_priced_as_VMs()
    {
        var (_, validated) = await ScrapeAsync();

        var missing = validated.Quarantined.Where(r => r.Rule == GcpQuarantineRules.MissingComponent).Select(r => r.Row.Split(' ')[0] + " " + r.Row.Split(' ')[1] + " " + r.Row.Split(' ')[2]).Order(StringComparer.Ordinal);
        Assert.Equal(
        [
            // europe-west4 H200: no A3 Ultra host price there, so no VM price (its spot row is quarantined earlier, as
            // spot above on-demand: see the next test).
            "a3-ultragpu-8g region=europe-west4 model=on_demand",
            "a3-ultragpu-8g region=us-central1 model=spot",
            "a3-ultragpu-8g region=us-east4 model=spot",
        ], missing);
        // A3 Mega is priced where its A3Plus host is (SkyPilot's a3-megagpu-8g host rows), never from the GPU SKU alone.
        var mega = Get(validated, "us-central1", "a3-megagpu-8g", PricingModels.OnDemand);
        Assert.True(mega.PricePerInstanceHour > 8 * await SkuPriceAsync("Nvidia H100 80GB Plus GPU running in Americas"));
        Assert.DoesNotContain(validated.Offers, o => o.InstanceType == "a3-ultragpu-8g" && (o.Region == "europe-west4" || o.PricingModel == PricingModels.Spot));
    }

    [Fact]
    public async Task Trap_a_spot_price_above_on_demand_is_quarantined_for_the_VM_and_for_the_GPU_SKU()
    {
        var (scrape, validated) = await ScrapeAsync();

        // The candidate is produced (TPU v4 in us-central2: 3.686 preemptible, 3.22 on demand) and the validator rejects it.
        Assert.Contains(scrape.Candidates, o => o.InstanceType == "tpu-v4" && o.PricingModel == PricingModels.Spot);
        var rows = validated.Quarantined.Where(r => r.Rule == QuarantineRules.SpotAboveOnDemand).ToList();
        // Besides TPU v4, the GPU SKUs whose spot row is above the on-demand row in the sources (SkyPilot's accelerator
        // rows): H200 in europe-west4 (the listed trap) and A100 80GB in europe-west4, whose A2 Ultra
        // spot VMs would otherwise pass, their cheaper spot host hiding it.
        Assert.Equal(
        [
            "a2-ultragpu-1g europe-west4", "a2-ultragpu-2g europe-west4", "a2-ultragpu-4g europe-west4", "a2-ultragpu-8g europe-west4",
            "a3-ultragpu-8g europe-west4", "tpu-v4 us-central2",
        ], rows.Select(r => r.Row.Split(' ')[0] + " " + r.Row.Split(' ')[1]["region=".Length..]).Order(StringComparer.Ordinal));
        Assert.All(rows, r => Assert.Contains("model=spot", r.Row, StringComparison.Ordinal));
        Assert.Contains(validated.Offers, o => o.InstanceType == "a2-ultragpu-8g" && o.Region == "us-east4" && o.PricingModel == PricingModels.Spot);
        Assert.Contains(rows, r => r.Row.StartsWith("tpu-v4 region=us-central2 model=spot", StringComparison.Ordinal));
        Assert.Equal(3.22m, Get(validated, "us-central2", "tpu-v4", PricingModels.OnDemand).PricePerInstanceHour);

        // The trap as listed: H200 in europe-west4, SkyPilot's spot row (4.8887 per GPU) above its on-demand row
        // (4.5753225), caught at the GPU SKU before any VM is composed.
        var h200 = Assert.Single(rows, r => r.Row.StartsWith("a3-ultragpu-8g region=europe-west4 model=spot", StringComparison.Ordinal));
        Assert.Contains("sku=A820-EC98-C070", h200.Row, StringComparison.Ordinal);
        Assert.Contains("(4.8887 USD/h) is priced above its on-demand SKU EFAB-B0F3-1C6C (4.5753225 USD/h)", h200.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain(validated.Offers, o => o.InstanceType == "a3-ultragpu-8g" && o.Region == "europe-west4");
    }

    [Fact]
    public async Task Every_SKU_binds_and_every_accepted_offer_is_plausible_and_dated()
    {
        var (scrape, validated) = await ScrapeAsync();

        Assert.DoesNotContain(scrape.Quarantined, r => r.Rule == QuarantineRules.Malformed);
        Assert.Equal(GcpSnapshotSource.SnapshotDate, scrape.AsOf);
        Assert.True(validated.Offers.Count > 150, $"{validated.Offers.Count} offers");
        Assert.All(validated.Offers, o =>
        {
            Assert.True(AcceleratorRegistry.Default.Contains(o.AcceleratorId));
            // A CPU offer (n2-standard-32, for the quote's data processing) prices a vCPU-hour, cents not dollars.
            if (AcceleratorRegistry.Default.IsCpu(o.AcceleratorId))
            {
                Assert.InRange(o.PricePerAcceleratorHour, 0.005m, 1m);
            }
            else
            {
                Assert.InRange(o.PricePerAcceleratorHour, 0.05m, 20m);
            }

            Assert.Equal("USD", o.Currency);
            Assert.True(o.EffectiveDate > DateTimeOffset.UnixEpoch);
        });
    }

    [Fact]
    public async Task The_regions_option_limits_the_snapshot_too()
    {
        var (_, validated) = await ScrapeAsync(new GcpPricingOptions { Regions = ["europe-west4"] });

        Assert.NotEmpty(validated.Offers);
        Assert.All(validated.Offers, o => Assert.Equal("europe-west4", o.Region));
    }

    [Fact]
    public async Task Skipping_the_TPU_service_drops_only_what_it_prices()
    {
        var (_, all) = await ScrapeAsync();
        var (_, computeOnly) = await ScrapeAsync(new GcpPricingOptions { TpuServiceId = "" });

        Assert.Equal(all.Offers.Where(o => o.InstanceType != "tpu-v4").Select(o => o.OfferKey), computeOnly.Offers.Select(o => o.OfferKey));
    }
}
