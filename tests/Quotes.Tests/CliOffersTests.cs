using System.Globalization;
using System.Text.Json;
using Pricing.Cli;

namespace Quotes.Tests;

/// <summary>
/// <c>pricing offers</c>: its flags as the request they send, and the embedded default (no --server) answering it
/// from the bundled snapshots, cheapest first. Against a server with a recorded history: <see cref="OfferCatalogTests"/>.
/// </summary>
public sealed class CliOffersTests
{
    [Fact]
    public void Flags_map_to_the_request_and_an_age_counts_back_from_now()
    {
        var now = new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

        var parsed = OffersArguments.Parse([
            "--accelerator", "nvidia-h100-80gb,nvidia-h200-141gb", "--provider", "aws", "--provider", "gcp", "--region", "us-east-1",
            "--pricing", "spot", "--min-count", "8", "--as-of", "7d", "--limit", "25", "--json", "--server", "http://127.0.0.1:5100"], now);

        var r = parsed.Request;
        Assert.Equal(["nvidia-h100-80gb", "nvidia-h200-141gb"], r.AcceleratorIds);
        Assert.Equal(["aws", "gcp"], r.Providers);
        Assert.Equal(["us-east-1"], r.Regions);
        Assert.Equal(["spot"], r.PricingModels);
        Assert.Equal(8, r.MinAccelerators);
        Assert.Equal(25, r.Limit);
        Assert.Equal(now.AddDays(-7), r.AsOf.ToDateTimeOffset());
        Assert.True(parsed.Json);
        Assert.Equal("http://127.0.0.1:5100", parsed.Server);

        var plain = OffersArguments.Parse([]);
        Assert.Null(plain.Request.AsOf);
        Assert.Equal(0, plain.Request.Limit);
        Assert.Empty(plain.Request.AcceleratorIds);
        Assert.Null(plain.Server);
    }

    [Fact]
    public void An_iso_time_is_taken_as_UTC_unless_it_has_an_offset()
    {
        Assert.Equal(new DateTimeOffset(2026, 11, 28, 0, 0, 0, TimeSpan.Zero), OffersArguments.Parse(["--as-of", "2026-11-28"]).Request.AsOf.ToDateTimeOffset());
        Assert.Equal(new DateTimeOffset(2026, 11, 28, 7, 0, 0, TimeSpan.Zero), OffersArguments.Parse(["--as-of", "2026-11-28T09:00:00+02:00"]).Request.AsOf.ToDateTimeOffset());
    }

    [Fact]
    public async Task Embedded_it_lists_the_bundled_offers_cheapest_per_accelerator_hour_first()
    {
        var (code, output, error) = await CliRun.RunAsync("offers", "--accelerator", "nvidia-h100-80gb", "--min-count", "8", "--limit", "20", "--json");

        Assert.True(code == 0, error);
        using var json = JsonDocument.Parse(output);
        var offers = json.RootElement.GetProperty("offers").EnumerateArray().Select(o => o.GetProperty("offer")).ToList();
        Assert.Equal(20, offers.Count);
        Assert.All(offers, o => Assert.Equal("nvidia-h100-80gb", o.GetProperty("acceleratorId").GetString()));
        Assert.All(offers, o => Assert.True(o.GetProperty("acceleratorsPerInstance").GetDouble() >= 8));
        var prices = offers.Select(o => PerAcceleratorHour(o.GetProperty("pricePerAcceleratorHour"))).ToList();
        Assert.Equal(prices.Order(), prices);
        Assert.True(json.RootElement.GetProperty("matched").GetInt32() >= 20);
        // More than one provider's catalog was read.
        Assert.True(json.RootElement.GetProperty("catalogVersions").GetArrayLength() >= 2);
    }

    [Fact]
    public async Task Embedded_as_of_before_this_process_loaded_its_prices_exits_1_saying_why()
    {
        var (code, output, error) = await CliRun.RunAsync("offers", "--as-of", "30d");

        Assert.Equal(1, code);
        Assert.Equal("", output);
        Assert.Contains("OutOfRange", error, StringComparison.Ordinal);
        Assert.Contains("ask for a later time", error, StringComparison.Ordinal);
    }

    private static decimal PerAcceleratorHour(JsonElement money) =>
        decimal.Parse(money.GetProperty("units").GetString()!, CultureInfo.InvariantCulture) + money.GetProperty("nanos").GetInt32() / 1_000_000_000m;
}
