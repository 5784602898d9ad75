using System.Text.Json;
using Pricing.Cli;

namespace Quotes.Tests;

/// <summary><c>pricing compare</c>: quote's spec flags, answered with the best option per accelerator type.</summary>
public sealed class CliCompareTests(StandaloneServer server)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Task<(int Code, string Out, string Err)> RunAsync(params string[] args) => CliRun.RunAsync(args);

    [Fact]
    public void Compare_takes_the_spec_flags_of_quote()
    {
        var parsed = CompareArguments.Parse([
            "--params", "70e9", "--tokens", "1.4e12", "--accelerator", "nvidia-h100-80gb,nvidia-a100-80gb", "--accelerators", "1024",
            "--clouds", "azure", "--regions", "eastus", "--pricing", "on_demand", "--mfu", "0.4", "--discount", "azure=10", "--json",
            "--server", "http://127.0.0.1:5100"]);

        var r = parsed.Request;
        Assert.Equal(70e9, r.Parameters);
        Assert.Equal(1.4e12, r.Tokens);
        Assert.Equal(["nvidia-h100-80gb", "nvidia-a100-80gb"], r.AcceleratorIds);
        Assert.Equal(1024, r.AcceleratorCount);
        Assert.Equal(["azure"], r.Clouds);
        Assert.Equal(["eastus"], r.Regions);
        Assert.Equal(["on_demand"], r.PricingModels);
        Assert.Equal(0.4, r.Mfu);
        Assert.Equal(10, r.DiscountPercent["azure"]);
        Assert.True(parsed.Json);
        Assert.Equal("http://127.0.0.1:5100", parsed.Server);
    }

    [Theory]
    [InlineData("--params", "70e9", "--tokens", "1.4e12", "--top", "3")]
    [InlineData("--params", "70e9", "--tokens", "1.4e12", "--server", "localhost")]
    [InlineData("--tokens", "1.4e12")]
    [InlineData("--params", "70e9", "--tokens", "many")]
    public void Bad_compare_arguments_are_ArgumentExceptions(params string[] args) =>
        Assert.Throws<ArgumentException>(() => CompareArguments.Parse(args));

    [Fact]
    public async Task Compare_json_gives_the_best_option_of_each_accelerator_cheapest_first()
    {
        var (code, output, _) = await RunAsync(
            "compare", "--params", "70e9", "--tokens", "1.4e12", "--accelerator", "nvidia-h100-80gb,nvidia-a100-80gb",
            "--clouds", "azure", "--regions", "eastus", "--pricing", "on_demand", "--json", "--server", server.Address);

        Assert.Equal(0, code);
        using var json = JsonDocument.Parse(output);
        var choices = json.RootElement.GetProperty("choices").EnumerateArray().ToList();
        Assert.Equal(["nvidia-a100-80gb", "nvidia-h100-80gb"], choices.Select(c => c.GetProperty("acceleratorId").GetString()).Order());
        var h100 = choices.Single(c => c.GetProperty("acceleratorId").GetString() == "nvidia-h100-80gb").GetProperty("best");
        Assert.Equal("azure", h100.GetProperty("provider").GetString());
        Assert.Equal("eastus", h100.GetProperty("region").GetString());
        Assert.Equal("Standard_ND96isr_H100_v5", h100.GetProperty("instanceType").GetString());
        // 98.32 / 8 = 12.29 per accelerator-hour.
        Assert.Equal("12", h100.GetProperty("pricePerAcceleratorHour").GetProperty("units").GetString());
        Assert.Equal(290_000_000, h100.GetProperty("pricePerAcceleratorHour").GetProperty("nanos").GetInt32());
        static decimal Cost(JsonElement c)
        {
            var m = c.GetProperty("best").GetProperty("totalCost");
            return decimal.Parse(m.GetProperty("units").GetString()!, System.Globalization.CultureInfo.InvariantCulture) + m.GetProperty("nanos").GetInt32() / 1e9m;
        }

        Assert.True(Cost(choices[0]) <= Cost(choices[1]));
        Assert.Equal(5.88e23, json.RootElement.GetProperty("totalFlops").GetDouble(), 5.88e23 * 1e-12);
    }

    [Fact]
    public async Task Compare_table_lists_each_accelerator_type()
    {
        var (code, output, _) = await RunAsync(
            "compare", "--params", "70e9", "--tokens", "1.4e12", "--accelerator", "nvidia-h100-80gb,nvidia-a100-80gb",
            "--clouds", "azure", "--regions", "eastus", "--pricing", "on_demand", "--server", server.Address);

        Assert.Equal(0, code);
        Assert.Contains("Best option per accelerator type", output, StringComparison.Ordinal);
        Assert.Contains("nvidia-h100-80gb", output, StringComparison.Ordinal);
        Assert.Contains("nvidia-a100-80gb", output, StringComparison.Ordinal);
        Assert.Contains("Standard_ND96isr_H100_v5", output, StringComparison.Ordinal);
        Assert.Contains("12.2900", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Compare_with_nothing_that_can_run_it_exits_1()
    {
        var (code, _, _) = await RunAsync("compare", "--params", "70e9", "--tokens", "1.4e12", "--regions", "nowhere-1", "--server", server.Address);

        Assert.Equal(1, code);
    }

    [Fact]
    public async Task A_refused_compare_exits_2_and_lists_every_field_violation()
    {
        var (code, output, error) = await RunAsync("compare", "--params", "70e9", "--tokens", "1.4e12", "--mfu", "2", "--clouds", "oracle", "--server", server.Address);

        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.Contains("pricing compare: the request was refused:", error, StringComparison.Ordinal);
        Assert.Contains("  mfu: ", error, StringComparison.Ordinal);
        Assert.Contains("  clouds: ", error, StringComparison.Ordinal);
    }
}
