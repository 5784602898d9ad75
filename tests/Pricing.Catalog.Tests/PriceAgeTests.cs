namespace Pricing.Catalog.Tests;

public sealed class PriceAgeTests
{
    [Theory]
    [InlineData(0, "0 minutes old")]
    [InlineData(60, "1 minute old")]
    [InlineData(59 * 60, "59 minutes old")]
    [InlineData(3600, "1 hour old")]
    [InlineData(23 * 3600 + 3599, "23 hours old")]
    [InlineData(86_400, "1 day old")]
    [InlineData(2 * 86_400 - 1, "1 day old")]
    [InlineData(12 * 86_400, "12 days old")]
    [InlineData(-30, "0 minutes old")]
    public void Describes_an_age_in_the_largest_whole_unit_with_the_right_plural(int seconds, string expected) =>
        Assert.Equal(expected, PriceAge.Describe(TimeSpan.FromSeconds(seconds)));
}
