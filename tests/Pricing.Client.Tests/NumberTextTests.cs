namespace Pricing.Client.Tests;

/// <summary>The one number parser of the CLI and the Dashboard.</summary>
public sealed class NumberTextTests
{
    [Theory]
    [InlineData("70e9", 70e9)]
    [InlineData("7e9", 7e9)]
    [InlineData("1.4e12", 1.4e12)]
    [InlineData("70B", 70e9)]
    [InlineData("70b", 70e9)]
    [InlineData("70G", 70e9)]
    [InlineData("1.4T", 1.4e12)]
    [InlineData("16k", 16e3)]
    [InlineData("16K", 16e3)]
    [InlineData("4M", 4e6)]
    [InlineData("2P", 2e15)]
    [InlineData("1,024", 1024)]
    [InlineData("1,000,000", 1e6)]
    [InlineData("70000000000", 70e9)]
    [InlineData(" 0.45 ", 0.45)]
    [InlineData(".5", 0.5)]
    [InlineData("-3", -3)]
    public void Reads_plain_scientific_grouped_and_suffixed_numbers(string text, double expected)
    {
        Assert.True(NumberText.TryParse(text, out var value), text);
        Assert.Equal(expected, value, Math.Abs(expected) * 1e-15);
    }

    [Theory]
    [InlineData("")]
    [InlineData("seventy-billion")]
    [InlineData("1,4e12")]
    [InlineData("1,02")]
    [InlineData("40%")]
    [InlineData("70m")]
    [InlineData("70X")]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    [InlineData("1e999")]
    [InlineData("e9")]
    [InlineData("B")]
    [InlineData("7 B")]
    public void Refuses_what_is_not_a_number(string text) =>
        Assert.False(NumberText.TryParse(text, out _), text);

    [Fact]
    public void A_price_is_read_exactly_with_its_suffix()
    {
        Assert.True(NumberText.TryParseDecimal("2.35", out var price));
        Assert.Equal(2.35m, price);
        Assert.True(NumberText.TryParseDecimal("25k", out var monthly));
        Assert.Equal(25_000m, monthly);
        Assert.False(NumberText.TryParseDecimal("cheap", out _));
    }

    [Theory]
    [InlineData("1024", 1024)]
    [InlineData("1e3", 1000)]
    [InlineData("16k", 16_000)]
    [InlineData("8,192", 8192)]
    public void A_count_is_whole_and_within_an_int(string text, int expected)
    {
        Assert.True(NumberText.TryParseCount(text, out var n));
        Assert.Equal(expected, n);
    }

    [Theory]
    [InlineData("1.5")]
    [InlineData("1e10")]
    [InlineData("-1")]
    public void A_count_that_is_not_whole_or_beyond_an_int_is_refused(string text) =>
        Assert.False(NumberText.TryParseCount(text, out _));

    [Fact]
    public void An_error_never_echoes_much_of_its_input() =>
        Assert.True(NumberText.Echo(new string('9', 10_000)).Length <= 33);
}
