using System.Text.Json;
using Pricing.Cli;
using Pricing.Contracts;

namespace Quotes.Tests;

/// <summary>The newer <c>pricing quote</c> flags and the JSON fields scripts rely on.</summary>
public sealed class CliOptionsTests(StandaloneServer server)
{
    private static QuoteArguments Parse(params string[] args) => QuoteArguments.Parse(args);

    [Fact]
    public void The_cluster_efficiency_and_price_flags_map_to_their_request_fields()
    {
        var r = Parse(
            "--params", "70e9", "--tokens", "1.4e12", "--deadline-days", "30", "--goodput", "0.85",
            "--price-per-accelerator-hour", "2.35", "--layers", "80", "--d-model", "8192", "--seq-len", "4096",
            "--activation-allowance", "0.25", "--energy-utilisation", "0.8").Request;

        Assert.Equal(720, r.DeadlineHours);
        Assert.Equal(0.85, r.Goodput);
        // A price is parsed exactly: 2.35 is 2 units and 350,000,000 nanos, not binary noise.
        Assert.Equal(2, r.PricePerAcceleratorHour.Units);
        Assert.Equal(350_000_000, r.PricePerAcceleratorHour.Nanos);
        Assert.Equal("USD", r.PricePerAcceleratorHour.CurrencyCode);
        Assert.Equal(80, r.Layers);
        Assert.Equal(8192, r.DModel);
        Assert.Equal(4096, r.SequenceLength);
        Assert.Equal(0.25, r.ActivationAllowance);
        Assert.Equal(0.8, r.EnergyUtilisation);
    }

    [Fact]
    public void Discounts_are_cloud_equals_percent_pairs()
    {
        var r = Parse("--params", "70e9", "--tokens", "1.4e12", "--discount", "aws=10, gcp=5.5", "--discount", "azure=20").Request;

        Assert.Equal(10, r.DiscountPercent["aws"]);
        Assert.Equal(5.5, r.DiscountPercent["gcp"]);
        Assert.Equal(20, r.DiscountPercent["azure"]);
    }

    [Theory]
    [InlineData("aws")]
    [InlineData("=10")]
    [InlineData("aws=ten")]
    public void A_malformed_discount_is_an_ArgumentException(string value) =>
        Assert.Throws<ArgumentException>(() => Parse("--params", "70e9", "--tokens", "1.4e12", "--discount", value));

    [Fact]
    public void The_view_is_full_unless_basic_is_asked_for()
    {
        Assert.Equal(Pricing.Contracts.V1.QuoteView.Full, Parse("--params", "70e9", "--tokens", "1.4e12").Request.View);
        Assert.Equal(Pricing.Contracts.V1.QuoteView.Basic, Parse("--params", "70e9", "--tokens", "1.4e12", "--json", "--view", "basic").Request.View);
        Assert.Equal(Pricing.Contracts.V1.QuoteView.Basic, CompareArguments.Parse(["--params", "70e9", "--tokens", "1.4e12", "--view", "basic"]).Request.View);
        Assert.Contains("--view", Assert.Throws<ArgumentException>(() => Parse("--params", "70e9", "--tokens", "1.4e12", "--view", "short")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Numbers_take_the_shared_suffixes_and_thousands_separators()
    {
        var r = Parse("--params", "70B", "--tokens", "1.4T", "--seq-len", "16k", "--accelerators", "1,024", "--staff-monthly-cost", "25k").Request;

        Assert.Equal(70e9, r.Parameters);
        Assert.Equal(1.4e12, r.Tokens);
        Assert.Equal(16_000, r.SequenceLength);
        Assert.Equal(1024, r.AcceleratorCount);
        Assert.Equal(25_000, r.StaffMonthlyCost.Units);
    }

    [Fact]
    public void Chinchilla_replaces_tokens()
    {
        var parsed = Parse("--params", "70e9", "--chinchilla");

        Assert.True(parsed.Request.Chinchilla);
        Assert.Equal(0, parsed.Request.Tokens);
    }

    [Theory]
    [InlineData("--price-per-accelerator-hour", "cheap")]
    [InlineData("--deadline-days", "soon")]
    [InlineData("--layers", "1.5")]
    public void A_bad_value_is_an_ArgumentException_naming_the_flag(string flag, string value)
    {
        var ex = Assert.Throws<ArgumentException>(() => Parse("--params", "70e9", "--tokens", "1.4e12", flag, value));

        Assert.Contains(flag, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Quote_json_has_every_field_the_contract_promises()
    {
        var output = new StringWriter();
        var arguments = Parse("--params", "70e9", "--tokens", "1.4e12", "--accelerator", "nvidia-h100-80gb", "--clouds", "azure",
            "--pricing", "on_demand", "--deadline-days", "60", "--json", "--server", server.Address);

        var code = await QuoteCommand.RunAsync(arguments, output, TestContext.Current.CancellationToken);

        Assert.Equal(0, code);
        using var json = JsonDocument.Parse(output.ToString());
        var root = json.RootElement;
        Assert.True(root.GetProperty("totalFlops").GetDouble() > 0);
        Assert.True(root.GetProperty("acceleratorHours").GetDouble() > 0);
        var assumption = root.GetProperty("assumptions")[0];
        foreach (var field in new[] { "peakFlops", "mfu", "goodput" })
        {
            Assert.True(assumption.GetProperty(field).GetDouble() > 0, field);
        }

        var options = root.GetProperty("options");
        Assert.True(options.GetArrayLength() > 0);
        foreach (var option in options.EnumerateArray())
        {
            foreach (var field in new[] { "provider", "region", "instanceType", "acceleratorId", "pricingModel" })
            {
                Assert.False(string.IsNullOrEmpty(option.GetProperty(field).GetString()), field);
            }

            foreach (var field in new[] { "pricePerAcceleratorHour", "totalCost" })
            {
                Assert.Equal("USD", option.GetProperty(field).GetProperty("currencyCode").GetString());
            }

            var wall = option.GetProperty("wallClockHours").GetDouble();
            Assert.InRange(wall, 0.0, 60 * 24);
            Assert.True(option.GetProperty("energyKwh").GetDouble() > 0);
            Assert.True(option.GetProperty("co2Kg").GetDouble() > 0);
        }
    }

    [Fact]
    public async Task The_table_shows_the_range_energy_and_the_excluded_offers()
    {
        var output = new StringWriter();
        var arguments = Parse("--params", "70e9", "--tokens", "1.4e12", "--accelerators", "16", "--clouds", "azure", "--server", server.Address);

        await QuoteCommand.RunAsync(arguments, output, TestContext.Current.CancellationToken);

        var text = output.ToString();
        Assert.Contains("t CO2", text, StringComparison.Ordinal);
        Assert.Contains("offers excluded", text, StringComparison.Ordinal);
        Assert.Contains("Does not fit", text, StringComparison.Ordinal);
    }
}
