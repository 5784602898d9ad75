using System.Text.Json;
using Pricing.Cli;

namespace Quotes.Tests;

/// <summary>The <c>pricing quote</c> flag contract, and the command end to end (embedded and against a server).</summary>
public sealed class CliTests(StandaloneServer server)
{
    private static QuoteArguments Parse(params string[] args) => QuoteArguments.Parse(args);

    [Fact]
    public void The_minimum_is_params_and_tokens_in_scientific_notation()
    {
        var parsed = Parse("--params", "70e9", "--tokens", "1.4e12");

        Assert.Equal(70e9, parsed.Request.Parameters);
        Assert.Equal(1.4e12, parsed.Request.Tokens);
        Assert.False(parsed.Json);
        Assert.Null(parsed.Server);
        // Defaults: top 10, everything else left to the server.
        Assert.Equal(10, parsed.Request.MaxOptions);
        Assert.Empty(parsed.Request.AcceleratorIds);
        Assert.Equal(0, parsed.Request.AcceleratorCount);
        Assert.Equal(0, parsed.Request.Mfu);
        Assert.Equal("", parsed.Request.Precision);
    }

    [Fact]
    public void Every_flag_maps_to_its_request_field()
    {
        var parsed = Parse(
            "--params", "1e12", "--active-params", "1.2e11", "--tokens", "15e12", "--accelerator", "nvidia-h100-80gb",
            "--accelerators", "1024", "--mfu", "0.45", "--precision", "fp8", "--clouds", "azure", "--regions", "eastus",
            "--pricing", "spot", "--top", "5", "--json", "--server", "http://127.0.0.1:5000");

        var r = parsed.Request;
        Assert.Equal(1e12, r.Parameters);
        Assert.Equal(1.2e11, r.ActiveParameters);
        Assert.Equal(15e12, r.Tokens);
        Assert.Equal(["nvidia-h100-80gb"], r.AcceleratorIds);
        Assert.Equal(1024, r.AcceleratorCount);
        Assert.Equal(0.45, r.Mfu);
        Assert.Equal("fp8", r.Precision);
        Assert.Equal(["azure"], r.Clouds);
        Assert.Equal(["eastus"], r.Regions);
        Assert.Equal(["spot"], r.PricingModels);
        Assert.Equal(5, r.MaxOptions);
        Assert.True(parsed.Json);
        Assert.Equal("http://127.0.0.1:5000", parsed.Server);
    }

    [Fact]
    public void Lists_are_comma_separated_trimmed_and_skip_empty_entries()
    {
        var parsed = Parse(
            "--params", "70e9", "--tokens", "1.4e12",
            "--accelerator", "nvidia-h100-80gb,nvidia-a100-80gb", "--clouds", "aws, azure", "--regions", "eastus,,westus3",
            "--pricing", "on_demand,spot,committed_1y");

        Assert.Equal(["nvidia-h100-80gb", "nvidia-a100-80gb"], parsed.Request.AcceleratorIds);
        Assert.Equal(["aws", "azure"], parsed.Request.Clouds);
        Assert.Equal(["eastus", "westus3"], parsed.Request.Regions);
        Assert.Equal(["on_demand", "spot", "committed_1y"], parsed.Request.PricingModels);
    }

    [Fact]
    public void A_repeated_list_flag_adds_to_the_list()
    {
        var parsed = Parse("--params", "70e9", "--tokens", "1.4e12", "--accelerator", "nvidia-h100-80gb", "--accelerator", "nvidia-h200-141gb");

        Assert.Equal(["nvidia-h100-80gb", "nvidia-h200-141gb"], parsed.Request.AcceleratorIds);
    }

    [Fact]
    public void Flags_may_come_in_any_order_and_json_anywhere()
    {
        var parsed = Parse("--json", "--tokens", "1.4e12", "--params", "70000000000");

        Assert.True(parsed.Json);
        Assert.Equal(70e9, parsed.Request.Parameters);
        Assert.Equal(1.4e12, parsed.Request.Tokens);
    }

    [Theory]
    [InlineData("--gpus", "8")]
    [InlineData("--param", "70e9")]
    [InlineData("quote", "70e9")]
    public void An_unknown_flag_is_an_ArgumentException_naming_it(string flag, string value)
    {
        var ex = Assert.Throws<ArgumentException>(() => Parse("--params", "70e9", "--tokens", "1.4e12", flag, value));

        Assert.Contains(flag, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_params_is_an_ArgumentException() =>
        Assert.Throws<ArgumentException>(() => Parse("--tokens", "1.4e12"));

    [Fact]
    public void Missing_tokens_is_an_ArgumentException() =>
        Assert.Throws<ArgumentException>(() => Parse("--params", "70e9"));

    [Fact]
    public void No_arguments_is_an_ArgumentException() =>
        Assert.Throws<ArgumentException>(() => Parse());

    [Fact]
    public void A_flag_without_its_value_is_an_ArgumentException() =>
        Assert.Throws<ArgumentException>(() => Parse("--params", "70e9", "--tokens"));

    [Theory]
    [InlineData("--params", "seventy-billion")]
    [InlineData("--tokens", "1,4e12")]
    [InlineData("--mfu", "40%")]
    public void A_value_that_is_not_a_number_is_an_ArgumentException(string flag, string value)
    {
        string[] args = ["--params", "70e9", "--tokens", "1.4e12"];

        var ex = Assert.Throws<ArgumentException>(() => Parse([.. args, flag, value]));

        Assert.Contains(flag, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--accelerators", "1e10")]
    [InlineData("--accelerators", "NaN")]
    [InlineData("--top", "1e10")]
    public void A_count_beyond_an_int_is_an_ArgumentException(string flag, string value) =>
        Assert.Throws<ArgumentException>(() => Parse("--params", "70e9", "--tokens", "1.4e12", flag, value));

    private static QuoteArguments H100OnDemandEastUs(params string[] extra) =>
        Parse(["--params", "70e9", "--tokens", "1.4e12", "--accelerator", "nvidia-h100-80gb", "--regions", "eastus", "--pricing", "on_demand", "--json", .. extra]);

    private static void AssertH100QuoteJson(string text)
    {
        using var json = JsonDocument.Parse(text);
        var root = json.RootElement;

        Assert.Equal(5.88e23, root.GetProperty("totalFlops").GetDouble(), 5.88e23 * 1e-12);
        var option = root.GetProperty("options")[0];
        Assert.Equal("azure", option.GetProperty("provider").GetString());
        Assert.Equal("Standard_ND96isr_H100_v5", option.GetProperty("instanceType").GetString());
        // Money in proto JSON: int64 units as a string, nanos as a number. 98.32 / 8 = 12.29.
        var price = option.GetProperty("pricePerAcceleratorHour");
        Assert.Equal("USD", price.GetProperty("currencyCode").GetString());
        Assert.Equal("12", price.GetProperty("units").GetString());
        Assert.Equal(290_000_000, price.GetProperty("nanos").GetInt32());
        var assumption = root.GetProperty("assumptions")[0];
        Assert.Equal(989.4e12, assumption.GetProperty("peakFlops").GetDouble(), 989.4e12 * 1e-12);
        Assert.Equal("nvidia-h100-80gb", assumption.GetProperty("acceleratorId").GetString());
    }

    [Fact]
    public async Task Quote_json_embedded_writes_proto_JSON_of_the_quote()
    {
        var output = new StringWriter();

        var code = await QuoteCommand.RunAsync(H100OnDemandEastUs(), output, TestContext.Current.CancellationToken);

        Assert.Equal(0, code);
        AssertH100QuoteJson(output.ToString());
    }

    [Fact]
    public async Task The_plain_table_says_how_each_options_capacity_is_had()
    {
        string[] ask = ["--params", "70e9", "--tokens", "1.4e12", "--accelerator", "nvidia-h100-80gb", "--top", "6"];
        var json = new StringWriter();
        Assert.Equal(0, await QuoteCommand.RunAsync(QuoteArguments.Parse([.. ask, "--json", "--view", "full"]), json, TestContext.Current.CancellationToken));
        var kinds = JsonDocument.Parse(json.ToString()).RootElement.GetProperty("options").EnumerateArray()
            .Select(o => o.GetProperty("capacity").GetProperty("kind").GetString()!.Replace('_', ' ')).ToList();
        var plain = new StringWriter();

        Assert.Equal(0, await QuoteCommand.RunAsync(QuoteArguments.Parse(ask), plain, TestContext.Current.CancellationToken));

        // The options table is the first one printed; its rows start with a border and the option's rank.
        var rows = plain.ToString().Split('\n').SkipWhile(l => !l.StartsWith('╭')).TakeWhile(l => !l.StartsWith('╰'))
            .Where(l => l.StartsWith("│ ", StringComparison.Ordinal) && char.IsAsciiDigit(l[2])).ToList();
        Assert.Contains("Capacity", plain.ToString(), StringComparison.Ordinal);
        Assert.Equal(kinds.Count, rows.Count);
        Assert.All(kinds.Zip(rows), pair => Assert.Contains(pair.First, pair.Second, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Quote_json_against_a_server_writes_the_same_quote()
    {
        var output = new StringWriter();

        var code = await QuoteCommand.RunAsync(H100OnDemandEastUs("--server", server.Address), output, TestContext.Current.CancellationToken);

        Assert.Equal(0, code);
        AssertH100QuoteJson(output.ToString());
    }

    [Fact]
    public async Task A_quote_with_no_options_exits_1()
    {
        // No provider has a region of that name (the embedded default now prices GCP too, so --clouds gcp matches).
        var arguments = Parse("--params", "70e9", "--tokens", "1.4e12", "--regions", "nowhere-1", "--server", server.Address);

        var code = await QuoteCommand.RunAsync(arguments, new StringWriter(), TestContext.Current.CancellationToken);

        Assert.Equal(1, code);
    }

    [Fact]
    public async Task A_refused_quote_lists_every_violation()
    {
        var arguments = Parse("--params", "70e9", "--tokens", "1.4e12", "--mfu", "2", "--clouds", "oracle", "--server", server.Address);

        var ex = await Assert.ThrowsAsync<global::Grpc.Core.RpcException>(() => QuoteCommand.RunAsync(arguments, new StringWriter(), TestContext.Current.CancellationToken));

        var violations = QuoteCommand.Violations(ex).ToList();
        Assert.Equal(2, violations.Count);
        Assert.Contains(violations, v => v.StartsWith("mfu: ", StringComparison.Ordinal));
        Assert.Contains(violations, v => v.StartsWith("clouds: ", StringComparison.Ordinal));
    }
}
