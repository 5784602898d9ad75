using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Pricing.Catalog;
using Pricing.Contracts;
using Pricing.Contracts.Events;
using Pricing.Contracts.V1;
using Pricing.Testing;
using Quotes.History;
using Offer = Pricing.Catalog.Offer;

namespace Quotes.Tests;

/// <summary>
/// OfferCatalog over gRPC and its CLI, on a Quotes host with the history in the real Redis: three catalog versions
/// committed through the real versioned catalog, every change recorded through the feed (the consumer's path), the
/// view at the last version. Offers now are filtered and cheapest first; as of a past time they are the catalog that
/// was live then, rebuilt from Redis; a time before the history is OUT_OF_RANGE; a quote as of a past time prices on
/// the old prices.
/// </summary>
public sealed class OfferCatalogTests(RedisTestServer redis) : IClassFixture<RedisTestServer>, IAsyncLifetime
{
    private const string Azure = "azure";
    private const string H100 = "nvidia-h100-80gb";

    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;
    private static readonly DateTimeOffset T1 = Now.AddDays(-3);
    private static readonly DateTimeOffset T2 = Now.AddDays(-2);
    private static readonly DateTimeOffset T3 = Now.AddDays(-1);

    private static readonly Offer H100East = Offer("Standard_ND96isr_H100_v5", H100, 8m, 98.32m);
    private static readonly Offer H100West = Offer("Standard_ND96isr_H100_v5", H100, 8m, 99.00m, region: "westus");
    private static readonly Offer H100Spot = Offer("Standard_ND96isr_H100_v5", H100, 8m, 40.00m, pricing: PricingModels.Spot);
    private static readonly Offer A100 = Offer("Standard_ND96amsr_A100_v4", "nvidia-a100-80gb", 8m, 32.77m);
    private static readonly Offer A100Single = Offer("Standard_NC24ads_A100_v4", "nvidia-a100-80gb", 1m, 3.67m);
    private static readonly Offer H200 = Offer("Standard_ND96isr_H200_v5", "nvidia-h200-141gb", 8m, 110.24m);

    private readonly List<CatalogSnapshot> _versions = [];
    private QuotesTestHost? _host;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private QuotesTestHost Host => _host ?? throw new InvalidOperationException("Redis is unavailable.");

    private OfferCatalog.OfferCatalogClient Catalog => new(Host.Channel);

    private string Server => Host.Channel.Target.StartsWith("http", StringComparison.Ordinal) ? Host.Channel.Target : "http://" + Host.Channel.Target;

    private static Offer Offer(string instance, string accelerator, decimal count, decimal price, string region = "eastus", string pricing = PricingModels.OnDemand) =>
        new(Azure, region, null, instance, accelerator, count, 96, 1900m, pricing, price, "USD", T1, "sku-" + instance, "meter-" + instance);

    public async ValueTask InitializeAsync()
    {
        if (!redis.IsAvailable)
        {
            return;
        }

        _host = await QuotesTestHost.StartAsync(redis.ConnectionString, $"{redis.KeyPrefix}asof-{Guid.NewGuid():N}:");
        var feed = Host.Services.GetRequiredService<PriceChangeFeed>();
        var catalog = new VersionedCatalog(Azure);
        (DateTimeOffset At, Offer[] Offers)[] scrapes =
        [
            (T1, [H100East, H100West, H100Spot, A100, A100Single]),
            // v2: H100 east cheaper, the 8-GPU A100 gone.
            (T2, [H100East with { PricePerInstanceHour = 80m, EffectiveDate = T2 }, H100West, H100Spot, A100Single]),
            // v3: H100 west cheaper, spot gone, H200 new.
            (T3, [H100East with { PricePerInstanceHour = 80m, EffectiveDate = T2 }, H100West with { PricePerInstanceHour = 70m, EffectiveDate = T3 }, A100Single, H200]),
        ];
        foreach (var (at, offers) in scrapes)
        {
            var commit = catalog.Commit(offers, [], at);
            _versions.Add(commit.Current);
            foreach (var change in commit.Changes)
            {
                await feed.RecordAsync(AcceleratorPriceChanged.From(Azure, commit.Current.Version, change, at), Ct);
            }
        }

        var last = _versions[^1];
        Host.View.LoadSnapshot(Azure, last.Version, last.AsOf, last.Offers.Values);
    }

    public async ValueTask DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }

    private static List<string> Keys(ListCatalogOffersResponse response) => [.. response.Offers.Select(o => o.Offer.OfferKey)];

    private static List<string> CheapestFirst(IEnumerable<Offer> offers) =>
        [.. offers.OrderBy(o => o.PricePerAcceleratorHour).ThenBy(o => o.PricePerInstanceHour).Select(o => o.OfferKey)];

    // ---- now ----

    [Fact]
    public async Task Offers_now_are_every_offer_cheapest_per_accelerator_hour_first_with_version_and_price_age()
    {
        redis.SkipIfUnavailable();

        var response = await Catalog.ListCatalogOffersAsync(new ListCatalogOffersRequest(), cancellationToken: Ct);

        Assert.Equal(CheapestFirst(_versions[^1].Offers.Values), Keys(response));
        Assert.Equal(_versions[^1].Offers.Count, response.Matched);
        Assert.False(response.Truncated);
        Assert.All(response.Offers, o => Assert.Equal(3, o.CatalogVersion));
        // Scraped a day ago.
        Assert.All(response.Offers, o => Assert.InRange(o.PriceAgeSeconds, 86_000, 90_000));
        var version = Assert.Single(response.CatalogVersions);
        Assert.Equal((Azure, 3L), (version.Provider, version.Version));
    }

    [Fact]
    public async Task Each_filter_narrows_and_the_limit_keeps_the_cheapest()
    {
        redis.SkipIfUnavailable();
        var current = _versions[^1].Offers.Values.ToList();

        async Task<List<string>> Ask(ListCatalogOffersRequest request) => Keys(await Catalog.ListCatalogOffersAsync(request, cancellationToken: Ct));

        Assert.Equal(CheapestFirst(current.Where(o => o.AcceleratorId == H100)), await Ask(new() { AcceleratorIds = { H100 } }));
        Assert.Equal(CheapestFirst(current.Where(o => o.Region == "westus")), await Ask(new() { Regions = { "westus" } }));
        Assert.Equal(CheapestFirst(current.Where(o => o.AcceleratorsPerInstance >= 8)), await Ask(new() { MinAccelerators = 8 }));
        Assert.Empty(await Ask(new() { Providers = { "gcp" } }));
        Assert.Empty(await Ask(new() { PricingModels = { PricingModels.Spot } })); // spot was removed in v3

        var limited = await Catalog.ListCatalogOffersAsync(new ListCatalogOffersRequest { Limit = 2 }, cancellationToken: Ct);
        Assert.Equal(CheapestFirst(current).Take(2), Keys(limited));
        Assert.Equal(current.Count, limited.Matched);
        Assert.True(limited.Truncated);
    }

    [Fact]
    public async Task Bad_requests_are_InvalidArgument_naming_every_field()
    {
        redis.SkipIfUnavailable();

        var ex = await Assert.ThrowsAsync<RpcException>(async () => await Catalog.ListCatalogOffersAsync(new ListCatalogOffersRequest
        {
            Limit = 5000,
            MinAccelerators = -1,
            AsOf = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(1)),
        }, cancellationToken: Ct));

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        var fields = ex.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations.Select(v => v.Field).Order().ToList();
        Assert.Equal(["as_of", "limit", "min_accelerators"], fields);
    }

    // ---- as of a past time ----

    [Theory]
    [InlineData(1)] // between v1 and v2
    [InlineData(2)] // between v2 and v3
    public async Task As_of_a_past_time_the_offers_are_the_catalog_live_then_rebuilt_from_the_Redis_history(int version)
    {
        redis.SkipIfUnavailable();
        var live = _versions[version - 1];
        var asOf = live.AsOf.AddHours(12);

        var response = await Catalog.ListCatalogOffersAsync(new ListCatalogOffersRequest { AsOf = Timestamp.FromDateTimeOffset(asOf) }, cancellationToken: Ct);

        Assert.Equal(CheapestFirst(live.Offers.Values), Keys(response));
        Assert.All(response.Offers, o => Assert.Equal(live.Offers[o.Offer.OfferKey].PricePerInstanceHour, o.Offer.PricePerInstanceHour.ToDecimal()));
        Assert.All(response.Offers, o => Assert.Equal(version, o.CatalogVersion));
        Assert.Equal(asOf, response.AsOf.ToDateTimeOffset());
        Assert.Empty(response.Warnings);
    }

    [Fact]
    public async Task A_time_before_the_history_is_OUT_OF_RANGE_with_the_earliest_time_never_a_guess()
    {
        redis.SkipIfUnavailable();

        var ex = await Assert.ThrowsAsync<RpcException>(async () => await Catalog.ListCatalogOffersAsync(
            new ListCatalogOffersRequest { AsOf = Timestamp.FromDateTimeOffset(T1.AddHours(-1)) }, cancellationToken: Ct));

        Assert.Equal(StatusCode.OutOfRange, ex.StatusCode);
        var info = ex.GetRpcStatus()!.GetDetail<ErrorInfo>();
        Assert.Equal("AS_OF_BEFORE_HISTORY", info.Reason);
        Assert.Equal(Azure, info.Metadata["provider"]);
        Assert.Equal(T1, DateTimeOffset.Parse(info.Metadata["earliest"], System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task GetCatalogAsOf_pages_through_the_whole_past_catalog_by_offer_key()
    {
        redis.SkipIfUnavailable();
        var live = _versions[0];
        var asOf = Timestamp.FromDateTimeOffset(T1.AddHours(1));
        var keys = new List<string>();
        var token = "";
        var pages = 0;
        do
        {
            var page = await Catalog.GetCatalogAsOfAsync(new GetCatalogAsOfRequest { Provider = Azure, AsOf = asOf, PageSize = 2, PageToken = token }, cancellationToken: Ct);
            Assert.Equal(live.Offers.Count, page.TotalOffers);
            Assert.Equal(1, page.CatalogVersion);
            Assert.InRange(page.Offers.Count, 1, 2);
            keys.AddRange(page.Offers.Select(o => o.OfferKey));
            token = page.NextPageToken;
            pages++;
        }
        while (token.Length > 0);

        Assert.Equal(live.Offers.Keys.Order(StringComparer.Ordinal), keys);
        Assert.Equal((live.Offers.Count + 1) / 2, pages);
    }

    [Fact]
    public async Task GetCatalogAsOf_needs_a_provider_and_a_time_a_real_token_and_a_loaded_provider()
    {
        redis.SkipIfUnavailable();

        var missing = await Assert.ThrowsAsync<RpcException>(async () => await Catalog.GetCatalogAsOfAsync(new GetCatalogAsOfRequest { PageToken = "not-a-token" }, cancellationToken: Ct));
        Assert.Equal(StatusCode.InvalidArgument, missing.StatusCode);
        Assert.Equal(["as_of", "page_token", "provider"], missing.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations.Select(v => v.Field).Order().ToList());

        var unknown = await Assert.ThrowsAsync<RpcException>(async () => await Catalog.GetCatalogAsOfAsync(
            new GetCatalogAsOfRequest { Provider = "gcp", AsOf = Timestamp.FromDateTimeOffset(T3) }, cancellationToken: Ct));
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
    }

    // ---- a quote as of a past time ----

    [Fact]
    public async Task A_quote_as_of_a_past_time_is_priced_on_the_prices_then_and_cached_apart_from_the_current_one()
    {
        redis.SkipIfUnavailable();
        var request = new QuoteTrainingRunRequest { Parameters = 7e9, Tokens = 1.4e11, AcceleratorIds = { H100 }, PricingModels = { PricingModels.OnDemand } };
        var past = request.Clone();
        past.AsOf = Timestamp.FromDateTimeOffset(T1.AddHours(1));

        var current = await Host.Quotes.QuoteTrainingRunAsync(request, cancellationToken: Ct);
        var then = await Host.Quotes.QuoteTrainingRunAsync(past, cancellationToken: Ct);
        var currentAgain = await Host.Quotes.QuoteTrainingRunAsync(request, cancellationToken: Ct);

        // Now: H100 west at $70 (v3) is cheapest; then (v1): H100 east at $98.32, west $99.
        Assert.Equal(H100West.OfferKey, current.Options[0].KeyOfOffer());
        Assert.Equal(70m / 8, current.Options[0].PricePerAcceleratorHour.ToDecimal());
        Assert.Equal(H100East.OfferKey, then.Options[0].KeyOfOffer());
        Assert.Equal(98.32m / 8, then.Options[0].PricePerAcceleratorHour.ToDecimal());
        Assert.True(then.Options[0].TotalCost.ToDecimal() > current.Options[0].TotalCost.ToDecimal());
        Assert.Equal(1, Assert.Single(then.CatalogVersions).Version);
        Assert.Equal(past.AsOf, then.PricesAsOf);
        Assert.Null(current.PricesAsOf);
        Assert.Equal(current, currentAgain);
        // A comparison as of the same time says so too.
        Assert.Equal(past.AsOf, (await Host.Quotes.CompareAcceleratorsAsync(past, cancellationToken: Ct)).PricesAsOf);
    }

    [Fact]
    public async Task A_quote_as_of_the_future_or_before_the_history_is_refused_and_a_watch_as_of_is_InvalidArgument()
    {
        redis.SkipIfUnavailable();
        var request = new QuoteTrainingRunRequest { Parameters = 7e9, Tokens = 1.4e11, AcceleratorIds = { H100 } };

        request.AsOf = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(2));
        var future = await Assert.ThrowsAsync<RpcException>(async () => await Host.Quotes.QuoteTrainingRunAsync(request, cancellationToken: Ct));
        Assert.Equal(StatusCode.InvalidArgument, future.StatusCode);
        Assert.Equal("as_of", Assert.Single(future.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations).Field);

        request.AsOf = Timestamp.FromDateTimeOffset(T1.AddDays(-1));
        var before = await Assert.ThrowsAsync<RpcException>(async () => await Host.Quotes.QuoteTrainingRunAsync(request, cancellationToken: Ct));
        Assert.Equal(StatusCode.OutOfRange, before.StatusCode);

        request.AsOf = Timestamp.FromDateTimeOffset(T2);
        var watch = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            using var call = Host.Quotes.WatchQuote(request, cancellationToken: Ct);
            await call.ResponseStream.MoveNext(Ct);
        });
        Assert.Equal(StatusCode.InvalidArgument, watch.StatusCode);
    }

    [Fact]
    public async Task With_auth_on_the_catalog_needs_a_read_token_like_every_other_read()
    {
        var issuer = new TestTokenIssuer();
        await using var secured = await QuotesTestHost.StartAsync(settings: issuer.HostSettings);
        secured.View.LoadSnapshot(Azure, 1, T1, [H100East]);
        var address = secured.Channel.Target.StartsWith("http", StringComparison.Ordinal) ? secured.Channel.Target : "http://" + secured.Channel.Target;

        var anonymous = await Assert.ThrowsAsync<RpcException>(async () =>
            await new OfferCatalog.OfferCatalogClient(secured.Channel).ListCatalogOffersAsync(new ListCatalogOffersRequest(), cancellationToken: Ct));
        Assert.Equal(StatusCode.Unauthenticated, anonymous.StatusCode);

        using var reader = TestTokenIssuer.Channel(address, issuer.Mint(TestTokenIssuer.ReadScope));
        var offers = await new OfferCatalog.OfferCatalogClient(reader).ListCatalogOffersAsync(new ListCatalogOffersRequest(), cancellationToken: Ct);
        Assert.Equal([H100East.OfferKey], Keys(offers));
    }

    // ---- the CLI against this host ----

    [Fact]
    public async Task Cli_offers_prints_a_table_cheapest_first_with_price_age()
    {
        redis.SkipIfUnavailable();

        var (code, output, _) = await CliRun.RunAsync("offers", "--accelerator", H100, "--server", Server);

        Assert.Equal(0, code);
        foreach (var column in new[] { "Provider", "Region", "Instance", "Accelerator", "Pricing", "$/acc-h", "$/instance-h", "Price age" })
        {
            Assert.Contains(column, output, StringComparison.Ordinal);
        }

        // West ($70) above east ($80); "1 day old".
        Assert.True(output.IndexOf("westus", StringComparison.Ordinal) < output.IndexOf("eastus", StringComparison.Ordinal));
        Assert.Contains("$8.75", output, StringComparison.Ordinal);
        Assert.Contains("nvidia-h100-80gb x 8", output, StringComparison.Ordinal);
        Assert.Contains("1 day old", output, StringComparison.Ordinal);
        Assert.DoesNotContain("H200", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cli_offers_json_as_of_a_past_time_carries_the_fields_of_the_old_catalog()
    {
        redis.SkipIfUnavailable();

        var (code, output, _) = await CliRun.RunAsync("offers", "--as-of", T1.AddHours(1).ToString("O"), "--min-count", "8", "--limit", "2", "--json", "--server", Server);

        Assert.Equal(0, code);
        using var json = System.Text.Json.JsonDocument.Parse(output);
        var root = json.RootElement;
        var offers = root.GetProperty("offers").EnumerateArray().ToList();
        var expected = CheapestFirst(_versions[0].Offers.Values.Where(o => o.AcceleratorsPerInstance >= 8)).Take(2).ToList();
        Assert.Equal(expected, offers.Select(o => o.GetProperty("offer").GetProperty("offerKey").GetString()));
        Assert.All(offers, o => Assert.Equal("1", o.GetProperty("catalogVersion").GetString()));
        Assert.All(offers, o => Assert.True(o.TryGetProperty("priceAgeSeconds", out _)));
        Assert.All(offers, o => Assert.True(o.GetProperty("offer").TryGetProperty("pricePerAcceleratorHour", out _)));
        Assert.Equal(4, root.GetProperty("matched").GetInt32());
        Assert.True(root.GetProperty("truncated").GetBoolean());
    }

    [Fact]
    public async Task Cli_offers_exits_1_when_nothing_matches_or_the_time_is_before_the_history_and_2_on_bad_arguments()
    {
        redis.SkipIfUnavailable();

        Assert.Equal(1, (await CliRun.RunAsync("offers", "--provider", "gcp", "--server", Server)).Code);

        var (beforeCode, _, beforeError) = await CliRun.RunAsync("offers", "--as-of", "30d", "--server", Server);
        Assert.Equal(1, beforeCode);
        Assert.Contains("OutOfRange", beforeError, StringComparison.Ordinal);

        Assert.Equal(2, (await CliRun.RunAsync("offers", "--limit", "0", "--server", Server)).Code);
        Assert.Equal(2, (await CliRun.RunAsync("offers", "--as-of", "last tuesday", "--server", Server)).Code);
        Assert.Equal(2, (await CliRun.RunAsync("offers", "--min-count", "-1", "--server", Server)).Code);
        // The server's own rule: in the future.
        var (futureCode, _, futureError) = await CliRun.RunAsync("offers", "--as-of", DateTimeOffset.UtcNow.AddDays(3).ToString("O"), "--server", Server);
        Assert.Equal(2, futureCode);
        Assert.Contains("as_of", futureError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cli_quote_as_of_prints_the_past_price_and_says_so()
    {
        redis.SkipIfUnavailable();

        var (code, output, _) = await CliRun.RunAsync("quote", "--params", "7e9", "--tokens", "1.4e11", "--accelerator", H100, "--pricing", "on_demand",
            "--as-of", T1.AddHours(1).ToString("O"), "--json", "--server", Server);

        Assert.Equal(0, code);
        using var json = System.Text.Json.JsonDocument.Parse(output);
        var best = json.RootElement.GetProperty("options")[0];
        Assert.Equal(H100East.OfferKey, best.GetProperty("offerKey").GetString());
        Assert.True(json.RootElement.TryGetProperty("pricesAsOf", out var pricesAsOf) && pricesAsOf.ValueKind == System.Text.Json.JsonValueKind.String);
    }
}
