using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Pricing.FakeProviders;
using Pricing.ServiceDefaults;
using Pricing.Sources;
using Pricing.Testing;

namespace PriceChanges.Tests;

/// <summary>
/// The provider side of "nothing lost": the partial-scrape guard holds a restarted process's first scrape to the last
/// good catalog an earlier process saved, and on-demand scrapes are one at a time, rate-limited and unaffected by a
/// caller that goes away.
/// </summary>
public sealed class ProviderGuardTests(RabbitMqTestServer rabbit, RedisTestServer redis) : IClassFixture<RabbitMqTestServer>, IClassFixture<RedisTestServer>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Dictionary<string, string?> Settings(int offers, string? stateDirectory) => new()
    {
        ["Synthetic:Offers"] = offers.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Scrape:StateDirectory"] = stateDirectory,
    };

    private static async Task<ScrapeOutcome> FirstScrapeOfANewProcessAsync(int offers, string? stateDirectory)
    {
        await using var host = await SyntheticProviderHost.StartAsync(Settings(offers, stateDirectory), Ct);
        return await host.Catalog().ScrapeOnceAsync(Ct);
    }

    [Fact]
    public async Task A_restarted_providers_first_scrape_is_held_to_the_last_good_catalog_of_the_process_before()
    {
        var state = Directory.CreateTempSubdirectory("pricing-guard-");
        try
        {
            Assert.Equal(ScrapeResultKind.Published, (await FirstScrapeOfANewProcessAsync(100, state.FullName)).Kind);

            // The next process reads half the catalog (a page failed silently upstream): rejected, nothing published.
            var partial = await FirstScrapeOfANewProcessAsync(50, state.FullName);
            Assert.Equal(ScrapeResultKind.RejectedAsPartial, partial.Kind);
            Assert.Equal(0, partial.Changes);
            Assert.Contains("before this process started", partial.Error, StringComparison.Ordinal);
            Assert.Contains("had 100", partial.Error, StringComparison.Ordinal);

            // Without the saved state the same scrape would have become the whole catalog.
            var fresh = Directory.CreateTempSubdirectory("pricing-guard-");
            Assert.Equal(ScrapeResultKind.Published, (await FirstScrapeOfANewProcessAsync(50, fresh.FullName)).Kind);
            fresh.Delete(recursive: true);

            // A scrape within the ratio (90 of 100, at least 80) passes, and becomes the new last good catalog.
            Assert.Equal(ScrapeResultKind.Published, (await FirstScrapeOfANewProcessAsync(90, state.FullName)).Kind);
            Assert.Equal(ScrapeResultKind.RejectedAsPartial, (await FirstScrapeOfANewProcessAsync(71, state.FullName)).Kind);
            Assert.Equal(ScrapeResultKind.Published, (await FirstScrapeOfANewProcessAsync(72, state.FullName)).Kind);
        }
        finally
        {
            state.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task On_demand_scrapes_run_once_per_interval_and_a_caller_that_drops_mid_publish_leaves_the_version_whole()
    {
        rabbit.SkipIfUnavailable();
        redis.SkipIfUnavailable();
        const int Offers = 3000;
        // One change in flight at a time, so publishing a version takes long enough for the caller to drop mid-way.
        await using var hosts = await PriceChangeHosts.StartAsync(rabbit, redis, Offers, Ct, new Dictionary<string, string?>
        {
            ["Scrape:PublishWindow"] = "1",
            ["Scrape:OnDemandMinInterval"] = "00:10:00",
        });
        Assert.Equal(ScrapeResultKind.Published, (await hosts.Provider.Catalog().ScrapeOnceAsync(Ct)).Kind);
        await hosts.WaitForVersionAsync(1, Ct, TimeSpan.FromMinutes(2));

        using var http = new HttpClient
        {
            BaseAddress = new Uri(hosts.Provider.BoundAddress()),
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        hosts.Provider.Source().Bump();
        using (var drop = CancellationTokenSource.CreateLinkedTokenSource(Ct))
        {
            var first = http.PostAsync("/admin/scrape", null, drop.Token);
            // The scrape is under way (publishing the first changes) when the caller gives up.
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (hosts.Provider.Catalog().Current.Version < 2)
            {
                Assert.True(DateTime.UtcNow < deadline, "the on-demand scrape did not commit version 2");
                await Task.Delay(5, Ct);
            }

            // A second caller meanwhile joins the scrape that is running instead of starting another.
            var second = http.PostAsync("/admin/scrape", null, Ct);
            await drop.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first);

            using var joined = await second;
            Assert.Equal(HttpStatusCode.OK, joined.StatusCode);
            var outcomes = await joined.Content.ReadFromJsonAsync<List<ScrapeResponse>>(Ct);
            Assert.Equal(2, Assert.Single(outcomes!).Version);
        }

        // Every change of version 2 was published: Quotes completes it from events alone (no resync in this test).
        await hosts.WaitForVersionAsync(2, Ct, TimeSpan.FromMinutes(2));
        var view = hosts.Quotes.Services.GetRequiredService<Pricing.Quoting.PriceView>();
        Assert.All(Assert.Single(view.Current.Catalogs).Offers.Values, o =>
            Assert.Equal(SyntheticPriceSource.PriceOf(int.Parse(o.InstanceType.Split('.')[1], System.Globalization.CultureInfo.InvariantCulture), 1), o.PricePerInstanceHour));

        // Within the interval a third request starts nothing: 429 with when to come back.
        using var limited = await http.PostAsync("/admin/scrape", null, Ct);
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.True(limited.Headers.RetryAfter?.Delta > TimeSpan.Zero, "no Retry-After");
        Assert.Equal(2, hosts.Provider.Catalog().Current.Version);
    }

    private sealed record ScrapeResponse(string Provider, string Result, long Version, int Changes);
}
