using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Grpc.Net.Client;
using Microsoft.Extensions.DependencyInjection;
using Pricing.Contracts.V1;
using Pricing.FakeProviders;
using Pricing.Sources;

namespace Dashboard.Tests;

/// <summary>
/// The dashboard in real headless Chromium. Each test drives one page through browser/dashboard.mjs, which saves a
/// screenshot of it under bin/.../screenshots/, and checks what the browser shows against the services.
/// One class, so the scenarios run one after another (one Chromium at a time).
/// </summary>
public sealed class DashboardBrowserTests(DashboardServer server)
{
    private static readonly TimeSpan ScenarioTimeout = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task Matrix_renders_the_real_snapshot_prices_with_the_cheapest_cell_highlighted()
    {
        var ct = TestContext.Current.CancellationToken;
        var result = await BrowserRunner.RunAsync("matrix", server.DashboardUrl, null, null, ScenarioTimeout, ct);
        AssertNoConsoleErrors(result);

        var providers = result.GetProperty("providers").EnumerateArray().ToList();
        Assert.Equal(["aws", "azure", "gcp"], providers.Select(p => p.GetProperty("provider").GetString()).Order(StringComparer.Ordinal));
        Assert.All(providers, p => Assert.False(p.GetProperty("stale").GetBoolean(), $"{p.GetProperty("provider")} shown as stale"));

        // Every cell is the cheapest price per accelerator-hour of its accelerator, provider and pricing model in
        // the catalog the provider holds now, and every such group has its cell.
        var expected = server.App.Services.GetServices<ProviderPriceCatalog>()
            .SelectMany(c => c.Current.Offers.Values)
            .GroupBy(o => (o.AcceleratorId, o.Provider, o.PricingModel))
            .ToDictionary(g => g.Key, g => decimal.Round(g.Min(o => o.PricePerAcceleratorHour), 9, MidpointRounding.AwayFromZero));
        var cells = result.GetProperty("cells").EnumerateArray().Select(c => new
        {
            Key = (c.GetProperty("accelerator").GetString()!, c.GetProperty("provider").GetString()!, c.GetProperty("model").GetString()!),
            Price = decimal.Parse(c.GetProperty("price").GetString()!, NumberStyles.Float, CultureInfo.InvariantCulture),
            Text = c.GetProperty("text").GetString()!,
            Cheapest = c.GetProperty("cheapest").GetBoolean(),
            Background = c.GetProperty("highlighted").GetString()!,
        }).ToList();
        Assert.True(expected.Count > 20, $"only {expected.Count} groups in the catalogs");
        Assert.Equal(expected.Count, cells.Count);
        foreach (var cell in cells)
        {
            Assert.True(expected.TryGetValue(cell.Key, out var price), $"unexpected cell {cell.Key}");
            Assert.Equal(price, cell.Price);
            Assert.StartsWith("$", cell.Text, StringComparison.Ordinal);
        }

        // The cheapest cell of each row (accelerator × pricing model) is highlighted, and only it (ties aside).
        foreach (var row in cells.GroupBy(c => (c.Key.Item1, c.Key.Item3)))
        {
            var best = row.Min(c => c.Price);
            Assert.All(row, c => Assert.Equal(c.Price == best, c.Cheapest));
        }

        var highlighted = cells.Where(c => c.Cheapest).Select(c => c.Background).Distinct().ToList();
        var plain = cells.Where(c => !c.Cheapest).Select(c => c.Background).Distinct().ToList();
        Assert.Single(highlighted);
        Assert.DoesNotContain(highlighted[0], plain);

        // A real recorded price: the Azure H100 on-demand cell is one of the snapshot's ND96isr H100 v5 Consumption
        // prices (USD per instance-hour, 8 GPUs), as recorded from the Retail Prices API.
        var recorded = FakeAzureRetailPricesApi.ReadEmbeddedSnapshotPages()
            .SelectMany(page => JsonNode.Parse(page)!["Items"]!.AsArray().OfType<JsonObject>())
            .Where(i => FakeAzureRetailPricesApi.Field(i, "armSkuName") == "Standard_ND96isr_H100_v5"
                && FakeAzureRetailPricesApi.Field(i, "type") == "Consumption" && !FakeAzureRetailPricesApi.IsSpot(i))
            .Select(i => i["retailPrice"]!.GetValue<decimal>() / 8)
            .ToHashSet();
        var h100 = cells.Single(c => c.Key == ("nvidia-h100-80gb", "azure", "on_demand"));
        Assert.Contains(h100.Price, recorded);
    }

    [Fact]
    public async Task A_quote_submitted_through_the_form_shows_the_ranked_options()
    {
        var ct = TestContext.Current.CancellationToken;
        var result = await BrowserRunner.RunAsync("quote", server.DashboardUrl,
            new { @params = "70e9", tokens = "1.4e12", accelerator = "nvidia-h100-80gb", cluster = 1024 }, null, ScenarioTimeout, ct);
        AssertNoConsoleErrors(result);
        Assert.Empty(result.GetProperty("errors").EnumerateArray());

        // The same request straight to TrainingQuotes over gRPC: the page shows exactly its options, in order.
        using var channel = GrpcChannel.ForAddress(server.GrpcUrl);
        var quote = await new TrainingQuotes.TrainingQuotesClient(channel).QuoteTrainingRunAsync(new QuoteTrainingRunRequest
        {
            Parameters = 70e9,
            Tokens = 1.4e12,
            AcceleratorIds = { "nvidia-h100-80gb" },
            AcceleratorCount = 1024,
            MaxOptions = 20,
        }, cancellationToken: ct);
        var options = result.GetProperty("options").EnumerateArray().ToList();
        Assert.NotEmpty(options);
        Assert.Equal(quote.Options.Count, options.Count);
        for (var i = 0; i < options.Count; i++)
        {
            Assert.Equal(i + 1, options[i].GetProperty("rank").GetInt32());
            Assert.Equal(quote.Options[i].OfferKey, options[i].GetProperty("offerKey").GetString());
            Assert.Equal(Format.ToDecimal(quote.Options[i].TotalCost), decimal.Parse(options[i].GetProperty("totalCost").GetString()!, NumberStyles.Float, CultureInfo.InvariantCulture));
        }

        Assert.Equal(["aws", "azure", "gcp"], options.Select(o => o.GetProperty("provider").GetString()).Distinct().Order(StringComparer.Ordinal));
        Assert.Equal(options.Count, result.GetProperty("chartPoints").GetInt32());
        Assert.Contains("nvidia-h100-80gb", result.GetProperty("assumptions").EnumerateArray().Select(a => a.GetString()));
        Assert.Contains("params=70e9", result.GetProperty("url").GetString(), StringComparison.Ordinal);

        // The plan of option #1: its fabric, goodput and whole bill, as TrainingQuotes gave them.
        var best = quote.Options[0];
        var plan = result.GetProperty("plan");
        Assert.Equal(best.OfferKey, plan.GetProperty("offerKey").GetString());
        Assert.Equal(best.Fabric.ScaleOutFabric, plan.GetProperty("fabric").GetString());
        Assert.Equal("true", plan.GetProperty("trainingGrade").GetString());
        Assert.Equal(best.Goodput.Goodput, double.Parse(plan.GetProperty("goodput").GetString()!, CultureInfo.InvariantCulture));
        Assert.Equal(Format.ToDecimal(best.BillTotal), decimal.Parse(plan.GetProperty("billTotal").GetString()!, NumberStyles.Float, CultureInfo.InvariantCulture));
        var bill = result.GetProperty("bill").EnumerateArray().ToList();
        Assert.Equal(best.Bill.Select(l => l.Name), bill.Select(l => l.GetProperty("line").GetString()));
        Assert.Equal(best.Bill.Select(l => Format.ToDecimal(l.Amount)), bill.Select(l => decimal.Parse(l.GetProperty("amount").GetString()!, NumberStyles.Float, CultureInfo.InvariantCulture)));
    }

    [Fact]
    public async Task A_price_change_at_the_fake_provider_appears_in_the_live_feed_without_reload()
    {
        var ct = TestContext.Current.CancellationToken;
        const string offerKey = "azure|westus3||Standard_NC24ads_A100_v4|on_demand";
        var azure = server.Catalog("azure");
        var before = azure.Current.Offers[offerKey].PricePerInstanceHour;
        var after = before + 1.25m;
        long versionBefore = azure.Current.Version;

        var result = await BrowserRunner.RunAsync("feed", server.DashboardUrl, new { offerKey, timeoutMs = 60_000 }, async () =>
        {
            // The page is open and subscribed: change the price at the "provider" and scrape it.
            Assert.True(server.Fake.SetRetailPrice("Standard_NC24ads_A100_v4", "westus3", "Consumption", spot: false, after) >= 1);
            var outcome = await azure.ScrapeOnceAsync(ct);
            Assert.Equal(ScrapeResultKind.Published, outcome.Kind);
        }, ScenarioTimeout, ct);
        AssertNoConsoleErrors(result);

        var row = result.GetProperty("row");
        Assert.Equal("changed", row.GetProperty("kind").GetString());
        Assert.True(row.GetProperty("live").GetBoolean(), "the row was not added by the event stream");
        Assert.True(row.GetProperty("isFirstRow").GetBoolean(), "the newest change is not on top");
        Assert.Equal(versionBefore + 1, row.GetProperty("version").GetInt64());
        Assert.Equal(before, decimal.Parse(row.GetProperty("oldPrice").GetString()!, CultureInfo.InvariantCulture));
        Assert.Equal(after, decimal.Parse(row.GetProperty("newPrice").GetString()!, CultureInfo.InvariantCulture));
        Assert.True(result.GetProperty("sameDocument").GetBoolean(), "the page was replaced");
        Assert.False(result.GetProperty("reloaded").GetBoolean(), "the page navigated");
    }

    [Fact]
    public async Task Drill_down_lists_every_offer_of_an_accelerator_sortably_with_a_price_history_chart()
    {
        var ct = TestContext.Current.CancellationToken;
        const string accelerator = "nvidia-h100-80gb";
        var result = await BrowserRunner.RunAsync("accelerator", server.DashboardUrl, new { accelerator }, null, ScenarioTimeout, ct);
        AssertNoConsoleErrors(result);

        var expected = server.App.Services.GetServices<ProviderPriceCatalog>()
            .SelectMany(c => c.Current.Offers.Values)
            .Where(o => o.AcceleratorId == accelerator)
            .Select(o => o.OfferKey)
            .Order(StringComparer.Ordinal);
        Assert.Equal(expected, result.GetProperty("offerKeys").EnumerateArray().Select(k => k.GetString()!).Order(StringComparer.Ordinal));

        var initial = Numbers(result, "initial");
        var descending = Numbers(result, "descending");
        var ascending = Numbers(result, "ascending");
        Assert.Equal(initial.Order(), initial);
        Assert.Equal(initial.OrderDescending(), descending);
        Assert.Equal(initial.Order(), ascending);

        var chart = result.GetProperty("chart").EnumerateArray().ToList();
        Assert.NotEmpty(chart);
        Assert.All(chart, s => Assert.True(s.GetProperty("points").GetInt32() >= 2, $"series {s.GetProperty("name")} has under 2 points"));
    }

    [Fact]
    public async Task Status_page_shows_each_provider_with_version_offers_and_quarantined_rows()
    {
        var ct = TestContext.Current.CancellationToken;
        var result = await BrowserRunner.RunAsync("status", server.DashboardUrl, null, null, ScenarioTimeout, ct);
        AssertNoConsoleErrors(result);

        var shown = result.GetProperty("providers").EnumerateArray().ToDictionary(p => p.GetProperty("provider").GetString()!);
        var quarantined = result.GetProperty("quarantined").EnumerateArray().ToDictionary(q => q.GetProperty("provider").GetString()!);
        foreach (var catalog in server.App.Services.GetServices<ProviderPriceCatalog>())
        {
            var current = catalog.Current;
            var row = shown[catalog.Provider];
            Assert.True(row.GetProperty("version").GetInt64() >= 1);
            Assert.Equal(current.Offers.Count, row.GetProperty("offers").GetInt32());
            Assert.Equal(current.Quarantined.Count, row.GetProperty("quarantined").GetInt32());
            Assert.False(row.GetProperty("stale").GetBoolean());
            var rows = quarantined[catalog.Provider].GetProperty("rows").EnumerateArray().ToList();
            Assert.Equal(Math.Min(current.Quarantined.Count, 500), rows.Count);
            Assert.All(rows, r =>
            {
                Assert.False(string.IsNullOrWhiteSpace(r.GetProperty("rule").GetString()));
                Assert.False(string.IsNullOrWhiteSpace(r.GetProperty("reason").GetString()));
            });
        }

        Assert.Equal(["aws", "azure", "gcp"], result.GetProperty("view").EnumerateArray().Select(v => v.GetString()).Order(StringComparer.Ordinal));
    }

    private static List<double> Numbers(JsonElement result, string name) =>
        [.. result.GetProperty(name).EnumerateArray().Select(e => e.GetDouble())];

    private static void AssertNoConsoleErrors(JsonElement result) =>
        Assert.Empty(result.GetProperty("consoleErrors").EnumerateArray().Select(e => e.GetString()));
}
