using Dashboard.Pages;
using Microsoft.Extensions.Configuration;
using Pricing.Catalog;

namespace Dashboard.Tests;

/// <summary>The Dashboard's "stale" is the quote's: prices older than the one Quotes:StaleAfter setting.</summary>
public sealed class PriceStalenessTests
{
    private static PriceStaleness With(string? staleAfter) => new(new ConfigurationBuilder()
        .AddInMemoryCollection(staleAfter is null ? [] : [new(PriceStaleness.Key, staleAfter)])
        .Build());

    [Fact]
    public void Unset_it_is_the_default_a_week()
    {
        var staleness = With(null);

        Assert.Equal(PriceAge.DefaultStaleAfter, staleness.StaleAfter);
        Assert.False(staleness.IsStale((long)PriceAge.DefaultStaleAfter.TotalSeconds));
        Assert.True(staleness.IsStale((long)PriceAge.DefaultStaleAfter.TotalSeconds + 1));
        Assert.Equal("stale: older than 7 days", staleness.Label);
    }

    [Fact]
    public void Set_it_is_the_setting_Quotes_reads()
    {
        var staleness = With("2.00:00:00");

        Assert.Equal("Quotes:StaleAfter", PriceStaleness.Key);
        Assert.Equal(TimeSpan.FromDays(2), staleness.StaleAfter);
        Assert.True(staleness.IsStale((long)TimeSpan.FromDays(3).TotalSeconds));
        Assert.False(staleness.IsStale((long)TimeSpan.FromDays(1).TotalSeconds));
        Assert.Equal("stale: older than 2 days", staleness.Label);
    }
}
