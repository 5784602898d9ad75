using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Pricing.Contracts.V1;
using Pricing.FakeProviders;
using Pricing.ServiceDefaults;
using Pricing.Sources;
using Pricing.Testing;
using Quotes.History;

namespace PriceChanges.Tests;

/// <summary>
/// A provider service restarts (a deploy): its catalog is rebuilt by a fresh scrape in a new process. Its versions
/// must continue above the ones Quotes holds, or Quotes would drop them as already seen and history would
/// deduplicate them away. The deployables number versions from the clock (Unix seconds at start); here a fixed
/// first version stands in for "now", on the real RabbitMQ and Redis.
/// </summary>
public sealed class ProviderRestartTests(RabbitMqTestServer rabbit, RedisTestServer redis)
    : IClassFixture<RabbitMqTestServer>, IClassFixture<RedisTestServer>
{
    private const int Offers = 20;
    private const long RestartedFirstVersion = 1_000;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_restarted_provider_continues_above_the_held_version_and_Quotes_history_and_watchers_follow_it()
    {
        rabbit.SkipIfUnavailable();
        redis.SkipIfUnavailable();
        var vhost = await rabbit.CreateVirtualHostAsync($"restart-{Guid.NewGuid():N}");
        Dictionary<string, string?> ProviderSettings(long firstVersion) => new()
        {
            ["ConnectionStrings:rabbitmq"] = vhost,
            ["Synthetic:Offers"] = Offers.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Scrape:FirstVersion"] = firstVersion.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };

        var before = await SyntheticProviderHost.StartAsync(ProviderSettings(1), Ct);
        var address = before.BoundAddress();
        // No gap resyncs in this test (a 5-minute grace): the restarted provider's first version must carry Quotes by itself.
        await using var quotes = await PriceChangeHosts.StartQuotesAsync(vhost, redis.ConnectionString, $"{redis.KeyPrefix}{Guid.NewGuid():N}:", address, Ct);
        using var channel = GrpcChannel.ForAddress(quotes.BoundAddress());
        var changes = new Pricing.Contracts.V1.PriceChanges.PriceChangesClient(channel);
        var feed = quotes.Services.GetRequiredService<PriceChangeFeed>();

        Assert.Equal(1, (await before.Catalog().ScrapeOnceAsync(Ct)).Version);
        before.Source().Bump();
        Assert.Equal(2, (await before.Catalog().ScrapeOnceAsync(Ct)).Version);
        await WaitForAsync(async () => await ViewVersionAsync(changes) == 2 && feed.Received == 2 * Offers, "Quotes at version 2");
        await before.StopAsync(Ct);
        await before.DisposeAsync();

        // The restarted process, on the same address; its prices have moved on meanwhile (generation 3).
        var settings = ProviderSettings(RestartedFirstVersion);
        settings["urls"] = address;
        await using var after = await SyntheticProviderHost.StartAsync(settings, Ct);
        for (var i = 0; i < 3; i++)
        {
            after.Source().Bump();
        }

        var restarted = await after.Catalog().ScrapeOnceAsync(Ct);
        Assert.Equal(ScrapeResultKind.Published, restarted.Kind);
        Assert.Equal(RestartedFirstVersion, restarted.Version);
        // A fresh process diffs against nothing, so it announces every offer again as added.
        Assert.Equal(Offers, restarted.Changes);

        // Quotes sees a jump from 2 to 1000; the version is diffed against nothing (previous version 0), so it is the
        // whole catalog: Quotes replaces what it held with it, no resync needed.
        await WaitForAsync(async () => await ViewVersionAsync(changes) == RestartedFirstVersion && feed.Received == 3 * Offers, "Quotes at the restarted provider's version");
        var view = quotes.Services.GetRequiredService<Pricing.Quoting.PriceView>();
        var catalog = Assert.Single(view.Current.Catalogs, c => c.Provider == "synthetic");
        Assert.All(catalog.Offers.Values, o =>
            Assert.Equal(SyntheticPriceSource.PriceOf(int.Parse(o.InstanceType.Split('.')[1], System.Globalization.CultureInfo.InvariantCulture), 3), o.PricePerInstanceHour));
        Assert.Equal(0, (await changes.GetViewStatusAsync(new GetViewStatusRequest(), cancellationToken: Ct)).Resyncs);

        // A subscriber that had seen version 2 resumes and gets the restarted provider's announcement, once per offer.
        using var watch = changes.WatchPriceChanges(new WatchPriceChangesRequest
        {
            Filter = new PriceChangeFilter { Provider = "synthetic" },
            ResumeAfter = { ["synthetic"] = 2 },
        }, cancellationToken: Ct);
        var notices = await PriceChangeHosts.ReadAsync(watch, Offers, TimeSpan.FromMilliseconds(500), Ct);
        Assert.Equal(Offers, notices.Count);
        Assert.All(notices, n =>
        {
            Assert.True(n.Replayed);
            Assert.Equal(RestartedFirstVersion, n.Change.CatalogVersion);
            Assert.Equal(PriceChangeKind.Added, n.Change.Kind);
        });
        Assert.Equal(Offers, notices.Select(n => n.Change.OfferKey).Distinct().Count());

        // The history of one offer holds both processes' versions, in order.
        var offerKey = Pricing.Catalog.OfferKey.Format("synthetic", SyntheticPriceSource.RegionOf(7), null, "synthetic.7", SyntheticPriceSource.PricingModelOf(7));
        var history = await changes.GetPriceHistoryAsync(new GetPriceHistoryRequest { OfferKey = offerKey }, cancellationToken: Ct);
        Assert.Equal([1L, 2L, RestartedFirstVersion], history.Changes.Select(c => c.CatalogVersion));
    }

    private static async Task<long> ViewVersionAsync(Pricing.Contracts.V1.PriceChanges.PriceChangesClient changes) =>
        (await changes.GetViewStatusAsync(new GetViewStatusRequest(), cancellationToken: Ct)).Providers.SingleOrDefault(p => p.Provider == "synthetic")?.Version ?? 0;

    private static async Task WaitForAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"Timed out waiting for {what}.");
            await Task.Delay(50, Ct);
        }
    }
}

public sealed class FirstVersionOptionTests
{
    [Fact]
    public void Clock_versions_start_at_the_Unix_time_in_seconds_so_a_later_process_starts_higher()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 11, 28, 20, 0, 0, TimeSpan.Zero));
        var options = new ScrapeOptions { FirstVersion = "clock" };

        var first = options.ResolveFirstVersion(time);
        time.Advance(TimeSpan.FromMinutes(5));
        var afterRestart = options.ResolveFirstVersion(time);

        Assert.Equal(new DateTimeOffset(2026, 11, 28, 20, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds(), first);
        Assert.Equal(first + 300, afterRestart);
    }

    [Theory]
    [InlineData("1", 1L)]
    [InlineData("1000", 1000L)]
    [InlineData("CLOCK", -1L)]
    public void A_number_or_clock_is_accepted(string setting, long expected)
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UnixEpoch.AddSeconds(42));
        Assert.Equal(expected == -1 ? 42 : expected, new ScrapeOptions { FirstVersion = setting }.ResolveFirstVersion(time));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-5")]
    [InlineData("soon")]
    [InlineData("")]
    public void Anything_else_fails_at_start_with_the_setting_named(string setting)
    {
        var error = Assert.Throws<InvalidOperationException>(() => new ScrapeOptions { FirstVersion = setting }.ResolveFirstVersion(TimeProvider.System));
        Assert.Contains("Scrape:FirstVersion", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_default_is_1_and_the_deployables_ask_for_the_clock()
    {
        Assert.Equal("1", new ScrapeOptions().FirstVersion);
        var builder = WebApplication.CreateBuilder();
        builder.UseRestartSafeCatalogVersions();
        Assert.Equal(ScrapeOptions.ClockVersions, builder.Configuration["Scrape:FirstVersion"]);

        var configured = WebApplication.CreateBuilder();
        configured.Configuration["Scrape:FirstVersion"] = "7";
        configured.UseRestartSafeCatalogVersions();
        Assert.Equal("7", configured.Configuration["Scrape:FirstVersion"]);
    }
}
