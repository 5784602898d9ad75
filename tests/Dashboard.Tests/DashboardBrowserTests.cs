using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Grpc.Net.Client;
using Microsoft.Extensions.DependencyInjection;
using Pricing.Catalog;
using Pricing.Cli;
using Pricing.Client;
using Pricing.Contracts;
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
        Assert.Equal(CloudProviders.Ids.Order(StringComparer.Ordinal), providers.Select(p => p.GetProperty("provider").GetString()).Order(StringComparer.Ordinal));
        // Every scrape succeeded; "stale" is the prices' age past the one StaleAfter setting, as a quote reports it.
        var staleness = server.Staleness();
        Assert.All(providers, p =>
        {
            Assert.False(p.GetProperty("scrapeFailed").GetBoolean(), $"{p.GetProperty("provider")} shown as failed");
            Assert.DoesNotContain("last scrape failed", p.GetProperty("text").GetString(), StringComparison.Ordinal);
            AssertStaleByAge(staleness, p);
        });

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

    /// <summary>
    /// The form, submitted in Chromium, against the same request to TrainingQuotes over gRPC and to the CLI's
    /// <c>pricing quote --server</c>: the page shows exactly the ranked options, and the plan of option #1 line for line
    /// as the CLI prints it (breakdown, billing and bill included). Once on every model, once on 1-year commitments
    /// (the commitment line), once on capacity blocks (the block line).
    /// </summary>
    [Theory]
    [InlineData(null)]
    [InlineData("committed_1y")]
    [InlineData("capacity_block")]
    public async Task A_quote_submitted_through_the_form_shows_the_options_and_the_plan_the_cli_prints(string? pricing)
    {
        var ct = TestContext.Current.CancellationToken;
        string[] models = pricing is null ? [] : [pricing];
        var result = await BrowserRunner.RunAsync("quote", server.DashboardUrl,
            new { @params = "70B", tokens = "1.4T", accelerator = "nvidia-h100-80gb", cluster = "1,024", pricing = models }, null, ScenarioTimeout, ct);
        AssertNoConsoleErrors(result);
        Assert.Empty(result.GetProperty("errors").EnumerateArray());

        // The form has a field for every training-run field the CLI has a flag for, under the flag's name, and the
        // cluster-size hint says what a blank really does.
        Assert.Equal(TrainingRunFields.All.Select(f => f.Name).Append(Pages.QuoteModel.TopField).Order(StringComparer.Ordinal),
            result.GetProperty("formFields").EnumerateArray().Select(f => f.GetString()!).Order(StringComparer.Ordinal));
        var hints = result.GetProperty("hints").EnumerateArray().Select(h => h.GetString()!).ToList();
        Assert.Contains(hints, h => h.Contains("sized to finish within the default deadline", StringComparison.Ordinal));
        Assert.DoesNotContain(hints, h => h.Contains("one instance", StringComparison.Ordinal));

        // The same request straight to TrainingQuotes over gRPC: the page shows exactly its options, in order.
        using var channel = GrpcChannel.ForAddress(server.GrpcUrl);
        var request = new QuoteTrainingRunRequest
        {
            Parameters = 70e9,
            Tokens = 1.4e12,
            AcceleratorIds = { "nvidia-h100-80gb" },
            AcceleratorCount = 1024,
            PricingModels = { models },
            MaxOptions = Pages.QuoteModel.DefaultTop,
            View = QuoteView.Full,
        };
        var quote = await new TrainingQuotes.TrainingQuotesClient(channel).QuoteTrainingRunAsync(request, cancellationToken: ct);
        var options = result.GetProperty("options").EnumerateArray().ToList();
        Assert.NotEmpty(options);
        Assert.Equal(quote.Options.Count, options.Count);
        for (var i = 0; i < options.Count; i++)
        {
            Assert.Equal(i + 1, options[i].GetProperty("rank").GetInt32());
            Assert.Equal(quote.Options[i].OfferKey, options[i].GetProperty("offerKey").GetString());
            Assert.Equal(quote.Options[i].TotalCost.ToDecimal(), decimal.Parse(options[i].GetProperty("totalCost").GetString()!, NumberStyles.Float, CultureInfo.InvariantCulture));
        }

        Assert.Equal(options.Count, result.GetProperty("chartPoints").GetInt32());
        Assert.Equal(ExcludedReasons.Of(quote).Select(r => r.Count), result.GetProperty("excluded").EnumerateArray().Select(c => c.GetInt32()));
        Assert.Contains("nvidia-h100-80gb", result.GetProperty("assumptions").EnumerateArray().Select(a => a.GetString()));
        Assert.Contains("params=70B", result.GetProperty("url").GetString(), StringComparison.Ordinal);

        // The CLI, asked the same through its flags, against the same server.
        string[] flags = ["--params", "70B", "--tokens", "1.4T", "--accelerator", "nvidia-h100-80gb", "--accelerators", "1,024", "--top", "20", "--server", server.GrpcUrl];
        var cliOutput = new StringWriter();
        Assert.Equal(0, await QuoteCommand.RunAsync(QuoteArguments.Parse(pricing is null ? flags : [.. flags, "--pricing", pricing]), cliOutput, ct));
        var cliLines = cliOutput.ToString().Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        var heading = cliLines.FindIndex(l => l.StartsWith("Plan #1 ", StringComparison.Ordinal));
        Assert.True(heading >= 0, $"no plan in the CLI's output:\n{cliOutput}");
        var cliPlan = cliLines.Skip(heading + 1).TakeWhile(l => l.StartsWith("  ", StringComparison.Ordinal)).Select(l => l[2..]).ToList();

        // The page's plan, line by line, reads as the CLI prints it: same heading, same labels, values and details.
        var best = quote.Options[0];
        Assert.Equal(best.OfferKey, result.GetProperty("planOfferKey").GetString());
        Assert.Equal(cliLines[heading].TrimEnd(':'), result.GetProperty("planHeading").GetString());
        var pageLines = result.GetProperty("planLines").EnumerateArray().ToList();
        var pagePlan = pageLines.Select(l => Text(l.GetProperty("label").GetString()!, l.GetProperty("value").GetString()!, l.GetProperty("detail").GetString()!)).ToList();
        Assert.Equal(cliPlan, pagePlan);
        Assert.All(pageLines, l => Assert.True(l.GetProperty("visible").GetBoolean(), $"{l.GetProperty("key")} is not shown"));

        // And both are the whole plan: the breakdown, the billing of the model asked for and every bill line.
        var keys = pageLines.Select(l => l.GetProperty("key").GetString()!).ToList();
        Assert.Equal(PlanLines.Of(best).Select(l => l.Key), keys);
        Assert.Contains("breakdown.compute", keys);
        Assert.Equal(best.Bill.Select(l => "bill." + l.Name), keys.Where(k => k.StartsWith("bill.", StringComparison.Ordinal)));
        Assert.Contains("bill-total", keys);
        // The program: its lines follow the bill, and its stacked bar (beside the run's) has a segment per summed part.
        Assert.Contains("program", keys);
        var segments = result.GetProperty("programSegments").EnumerateArray().ToList();
        var programBar = segments.Where(s => s.GetProperty("y").GetDouble() > segments[0].GetProperty("y").GetDouble()).Select(s => s.GetProperty("name").GetString()).ToList();
        Assert.Equal("pre_training", segments[0].GetProperty("name").GetString());
        Assert.Equal(Dashboard.Charts.ProgramBar.Segments(best.Program).Where(p => p.Amount > 0).Select(p => p.Name), programBar);
        Assert.All(segments, s => Assert.True(s.GetProperty("width").GetDouble() >= 0));
        // How the capacity is had (docs/quote-model.md §5b), right under the cluster, on the page as in the CLI.
        Assert.Equal("capacity", keys[1]);
        Assert.Equal(best.Capacity.Obtainable, !pageLines[1].GetProperty("value").GetString()!.Contains("NOT obtainable", StringComparison.Ordinal));
        Assert.Equal(best.Commitment is not null, keys.Contains("commitment"));
        Assert.Equal(best.Block is not null, keys.Contains("block"));
        if (pricing == "committed_1y")
        {
            Assert.NotNull(best.Commitment);
        }
        else if (pricing == "capacity_block")
        {
            Assert.NotNull(best.Block);
            Assert.Contains(cliPlan, l => l.StartsWith("Capacity block: ", StringComparison.Ordinal) && l.Contains("up front", StringComparison.Ordinal));
        }
    }

    /// <summary>How a plan line reads as text (<see cref="PlanLine.Text"/>), from what the page shows of it.</summary>
    private static string Text(string label, string value, string detail) =>
        detail.Length > 0 ? $"{label}: {value} — {detail}" : $"{label}: {value}";

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
            Assert.False(row.GetProperty("scrapeFailed").GetBoolean());
            AssertStaleByAge(server.Staleness(), row);
            Assert.Equal(row.GetProperty("stale").GetBoolean() ? server.Staleness().Label : "fresh", row.GetProperty("state").GetString());
            var rows = quarantined[catalog.Provider].GetProperty("rows").EnumerateArray().ToList();
            Assert.Equal(Math.Min(current.Quarantined.Count, 500), rows.Count);
            Assert.All(rows, r =>
            {
                Assert.False(string.IsNullOrWhiteSpace(r.GetProperty("rule").GetString()));
                Assert.False(string.IsNullOrWhiteSpace(r.GetProperty("reason").GetString()));
            });
        }

        Assert.Equal(CloudProviders.Ids.Order(StringComparer.Ordinal), result.GetProperty("view").EnumerateArray().Select(v => v.GetString()).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void The_embedded_default_hosts_every_provider_of_the_list()
    {
        var hosted = server.App.Services.GetServices<ProviderPriceCatalog>().Select(c => c.Provider).Order(StringComparer.Ordinal);

        Assert.Equal(CloudProviders.Ids.Order(StringComparer.Ordinal), hosted);
    }

    private static List<double> Numbers(JsonElement result, string name) =>
        [.. result.GetProperty(name).EnumerateArray().Select(e => e.GetDouble())];

    /// <summary>A provider shown stale exactly when the age it shows is past the setting, with the badge that says so.</summary>
    private static void AssertStaleByAge(Dashboard.Pages.PriceStaleness staleness, JsonElement shown)
    {
        var age = shown.GetProperty("ageSeconds").GetInt64();
        Assert.True(age >= 0, shown.ToString());
        Assert.Equal(staleness.IsStale(age), shown.GetProperty("stale").GetBoolean());
    }

    private static void AssertNoConsoleErrors(JsonElement result) =>
        Assert.Empty(result.GetProperty("consoleErrors").EnumerateArray().Select(e => e.GetString()));
}
