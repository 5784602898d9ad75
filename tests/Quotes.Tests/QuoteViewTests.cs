using System.Net;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Grpc.Core;
using Pricing.Client;
using Pricing.Contracts;
using Pricing.Contracts.V1;
using Pricing.Quoting;
using Quotes.Grpc;

namespace Quotes.Tests;

/// <summary>
/// Views (AIP-157) on the embedded default: unspecified is basic (ranked options with cost, range, cluster and plan
/// summary; excluded offers grouped by reason), full is every detail; the two are cached apart; JSON transcoding reads
/// the view as the enum's name.
/// </summary>
public sealed class QuoteViewTests(StandaloneServer server)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static QuoteTrainingRunRequest TenOptions(QuoteView view) => new() { Parameters = 70e9, Tokens = 1.4e12, MaxOptions = 10, View = view };

    [Fact]
    public async Task The_default_view_is_basic_the_full_options_ranked_alike_without_their_parts()
    {
        var basic = await server.Quotes.QuoteTrainingRunAsync(TenOptions(QuoteView.Unspecified), cancellationToken: Ct);
        var full = await server.Quotes.QuoteTrainingRunAsync(TenOptions(QuoteView.Full), cancellationToken: Ct);

        Assert.Equal(QuoteView.Basic, basic.View);
        Assert.Equal(QuoteView.Full, full.View);
        Assert.Equal(10, basic.Options.Count);
        Assert.Equal(full.Options.Select(o => (o.Rank, o.OfferKey, o.TotalCost, o.TotalCostLow, o.TotalCostHigh, o.Accelerators, o.Instances, o.ClusterBasis)),
            basic.Options.Select(o => (o.Rank, o.KeyOfOffer(), o.TotalCost, o.TotalCostLow, o.TotalCostHigh, o.Accelerators, o.Instances, o.ClusterBasis)));
        // The offer key is the full view's: the basic one has the fields it joins.
        Assert.All(full.Options, o => Assert.Equal(Pricing.Catalog.OfferKey.Format(o.Provider, o.Region, o.Zone, o.InstanceType, o.PricingModel), o.OfferKey));
        Assert.All(basic.Options, o => Assert.Empty(o.OfferKey));
        Assert.Equal(full.Options.Select(o => o.Summary), basic.Options.Select(o => o.Summary));
        // Per-provider facts are the answer's catalog_versions, once each; the instance-hour price follows from the accelerator-hour one.
        Assert.Equal(full.Options.Select(o => (o.Provider, o.CatalogVersion)).Distinct().Order(),
            full.Options.Select(o => (o.Provider, full.CatalogVersions.Single(v => v.Provider == o.Provider).Version)).Distinct().Order());
        Assert.All(full.Options, o => Assert.Equal(o.PricePerAcceleratorHour.ToDecimal() * o.Accelerators / o.Instances, o.PricePerInstanceHour.ToDecimal(), 2));
        // How each option's capacity is had is in both views; the request in words, the rate's note, the rule's source
        // and notes only in the full one.
        Assert.Equal(full.Options.Select(o => (o.Capacity.Kind, o.Capacity.Obtainable, o.Capacity.Reason, o.Capacity.RateAsOf)),
            basic.Options.Select(o => (o.Capacity.Kind, o.Capacity.Obtainable, o.Capacity.Reason, o.Capacity.RateAsOf)));
        Assert.All(basic.Options, o => Assert.Equal(new Pricing.Contracts.V1.CapacityPlan { Kind = o.Capacity.Kind, Obtainable = o.Capacity.Obtainable, Reason = o.Capacity.Reason, RateAsOf = o.Capacity.RateAsOf }, o.Capacity));
        Assert.All(full.Options, o => Assert.NotEmpty(o.Capacity.Source));
        Assert.All(full.Options, o => Assert.NotEmpty(o.Capacity.Request));
        Assert.All(basic.Options, o =>
        {
            Assert.Equal(full.Options[o.Rank - 1].PricePerAcceleratorHour, o.PricePerAcceleratorHour);
            Assert.Null(o.PricePerInstanceHour);
            Assert.Equal(0, o.CatalogVersion);
            Assert.Equal(0, o.PriceAgeSeconds);
            Assert.Null(o.Breakdown);
            Assert.Null(o.Fabric);
            Assert.Null(o.Mfu);
            Assert.Null(o.Goodput);
            Assert.Empty(o.Bill);
            Assert.True(o.Summary.Mfu > 0 && o.Summary.Goodput > 0 && o.Summary.Billing.Length > 0);
        });
        Assert.All(full.Options, o => Assert.Equal(o.Mfu.Mfu, o.Summary.Mfu));
        Assert.Empty(basic.Assumptions);
        Assert.Empty(basic.Excluded);
        // Warnings stay in the basic view (stale catalogs, as-of rebuilds, feasibility), in the full view's order; only
        // those about figures the basic view leaves out (energy, power, CO2) or that an option's capacity carries go.
        Assert.Equal(full.Warnings.Where(basic.Warnings.Contains), basic.Warnings);
        var dropped = full.Warnings.Except(basic.Warnings).ToList();
        Assert.NotEmpty(dropped);
        Assert.All(dropped, w => Assert.Matches(@"^(No grid carbon intensity|No published power|Not obtainable as planned|[A-Za-z -]+ rate as of \d{4}-\d{2} )", w));
        Assert.Contains(basic.Warnings, w => w.StartsWith("No cluster size or deadline given", StringComparison.Ordinal));
        // The same versions (their age is counted at each call, so it may tick between the two).
        Assert.Equal(full.CatalogVersions.Select(v => (v.Provider, v.Version, v.AsOf, v.Stale)), basic.CatalogVersions.Select(v => (v.Provider, v.Version, v.AsOf, v.Stale)));
        Assert.NotEmpty(full.Assumptions);
        Assert.True(basic.CalculateSize() * 4 < full.CalculateSize(), $"basic {basic.CalculateSize()} B, full {full.CalculateSize()} B");
    }

    [Fact]
    public async Task The_basic_view_keeps_the_warnings_of_a_request_nothing_can_run()
    {
        var request = TenOptions(QuoteView.Basic);
        request.Regions.Add("nowhere-1");
        var basic = await server.Quotes.QuoteTrainingRunAsync(request, cancellationToken: Ct);
        request.View = QuoteView.Full;
        var full = await server.Quotes.QuoteTrainingRunAsync(request, cancellationToken: Ct);
        var comparisonRequest = StandaloneServer.H100Request();
        comparisonRequest.Regions.Add("nowhere-1");
        var comparison = await server.Quotes.CompareAcceleratorsAsync(comparisonRequest, cancellationToken: Ct);

        Assert.Empty(basic.Options);
        Assert.Contains("No offer matches the filters.", full.Warnings);
        Assert.Equal(full.Warnings, basic.Warnings);
        Assert.Equal(QuoteView.Basic, comparison.View);
        Assert.NotEmpty(comparison.Warnings);
    }

    [Fact]
    public async Task The_plan_of_a_basic_option_prints_no_figure_the_view_left_out()
    {
        var full = await server.Quotes.QuoteTrainingRunAsync(TenOptions(QuoteView.Full), cancellationToken: Ct);
        // The real cut, not a hand-made option: what a basic answer carries, rendered by the one plan renderer.
        var basic = QuoteViews.In(full.Clone(), QuoteView.Basic);

        Assert.Equal(full.Options.Count, basic.Options.Count);
        Assert.All(full.Options.Zip(basic.Options), pair =>
        {
            var (fullOption, basicOption) = pair;
            var fullLines = PlanLines.Of(fullOption);
            var lines = PlanLines.Of(basicOption);
            var text = string.Join("\n", lines.Select(l => l.Text));
            Assert.DoesNotContain(lines, l => l.Key == "energy");
            Assert.DoesNotContain("0.0 MWh", text, StringComparison.Ordinal);
            Assert.DoesNotContain("at most 0 ", text, StringComparison.Ordinal);
            Assert.DoesNotContain(": $0", text, StringComparison.Ordinal);
            // The bill total is in the basic view: the figure the full plan shows, without the optional-lines detail.
            Assert.True(fullOption.BillTotal.ToDecimal() > 0);
            Assert.Equal(fullLines.Single(l => l.Key == "bill-total").Value, lines.Single(l => l.Key == "bill-total").Value);
            Assert.Equal(fullLines.Single(l => l.Key == "cluster").Value, lines.Single(l => l.Key == "cluster").Value);
            // Every line the basic plan prints is one the full plan prints too, or the summary's billing standing in for it.
            Assert.Subset(fullLines.Select(f => f.Key).Append("billing").ToHashSet(StringComparer.Ordinal), lines.Select(l => l.Key).ToHashSet(StringComparer.Ordinal));
        });
    }

    [Fact]
    public async Task The_CLI_table_of_a_basic_quote_shows_absent_energy_as_a_dash_not_zero()
    {
        var (code, output, error) = await CliRun.RunAsync("quote", "--params", "70e9", "--tokens", "1.4e12", "--top", "3", "--view", "basic", "--server", server.Address);

        Assert.True(code == 0, error);
        Assert.DoesNotContain("0.0 MWh", output, StringComparison.Ordinal);
        Assert.DoesNotContain("at most 0 ", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Bill total: $0", output, StringComparison.Ordinal);
        Assert.Contains("Bill total: $", output, StringComparison.Ordinal);
        // The table's MWh and t CO2 cells of each of the 3 rows.
        Assert.True(output.Split('—').Length - 1 >= 6, output);
        Assert.Matches(@"Prices: \w+ catalog v\d+, as of \d{4}-\d{2}-\d{2} \(\d+ \w+ old(, stale)?\)", output);
    }

    [Fact]
    public async Task Excluded_offers_are_grouped_by_cause_with_exact_counts_and_a_few_examples()
    {
        var basic = await server.Quotes.QuoteTrainingRunAsync(TenOptions(QuoteView.Basic), cancellationToken: Ct);
        var full = await server.Quotes.QuoteTrainingRunAsync(TenOptions(QuoteView.Full), cancellationToken: Ct);

        Assert.True(full.OptionsExcluded > 0, "The 70B run excludes offers too small for it.");
        Assert.Equal(full.OptionsExcluded, full.ExcludedGroups.Sum(g => g.Count));
        Assert.Equal(full.ExcludedGroups.Count, full.ExcludedGroups.Select(g => (g.Kind, g.Reason)).Distinct().Count());
        Assert.Equal(full.ExcludedGroups.Select(g => g.Count).OrderDescending(), full.ExcludedGroups.Select(g => g.Count));
        Assert.All(full.ExcludedGroups, g =>
        {
            Assert.False(string.IsNullOrEmpty(g.Kind));
            Assert.InRange(g.Examples.Count, 1, Math.Min(3, g.Count));
            // Each example is named by its offer key and carries its own reason in full.
            Assert.All(g.Examples, e => Assert.Equal(new ExcludedOption { OfferKey = e.OfferKey, Reason = e.Reason }, e));
            Assert.All(g.Examples, e => Assert.Equal(5, e.OfferKey.Split('|').Length));
            Assert.All(g.Examples, e => Assert.False(string.IsNullOrEmpty(e.Reason)));
        });
        // A kind with a summary is one group however many instance types its reasons name: the fabric exclusions of
        // this run name several G2 types, and they group as one.
        var kinds = full.ExcludedGroups.Where(g => ExclusionKinds.Known.Contains(g.Kind)).Select(g => g.Kind).ToList();
        Assert.Equal(kinds.Distinct(), kinds);
        Assert.Contains(full.ExcludedGroups, g => g.Kind == "fabric" && g.Examples.Select(e => e.Reason).Distinct().Count() > 1);
        // The offers listed one by one carry the reason their group's example would.
        var listed = full.Excluded.ToDictionary(e => e.OfferKey, e => e.Reason);
        Assert.All(full.ExcludedGroups.SelectMany(g => g.Examples).Where(e => listed.ContainsKey(e.OfferKey)),
            e => Assert.Equal(listed[e.OfferKey], e.Reason));

        // The basic view: the largest groups, one example each named by its key alone, counts exact.
        Assert.Equal(basic.OptionsExcluded, full.OptionsExcluded);
        Assert.Equal(
            full.ExcludedGroups.Take(QuoteViews.BasicExcludedGroups).Select(g => (g.Kind, g.Count, g.Examples[0].OfferKey)),
            basic.ExcludedGroups.Select(g => (g.Kind, g.Count, Assert.Single(g.Examples).OfferKey)));
        Assert.All(basic.ExcludedGroups, g => Assert.Equal(new ExcludedOption { OfferKey = g.Examples[0].OfferKey }, g.Examples[0]));
        // A kind with a summary is the cause; a kind without one keeps the shared reason, its only statement.
        Assert.All(basic.ExcludedGroups.Zip(full.ExcludedGroups),
            pair => Assert.Equal(Pricing.Quoting.ExclusionKinds.Known.Contains(pair.First.Kind) ? "" : pair.Second.Reason, pair.First.Reason));
    }

    [Fact]
    public async Task The_views_are_cached_apart_and_each_is_served_from_the_cache()
    {
        var request = TenOptions(QuoteView.Basic);
        request.Parameters = 71.25e9;
        var basic = await server.Quotes.QuoteTrainingRunAsync(request, cancellationToken: Ct);
        request.View = QuoteView.Full;
        var full = await server.Quotes.QuoteTrainingRunAsync(request, cancellationToken: Ct);
        request.View = QuoteView.Unspecified;
        var basicAgain = await server.Quotes.QuoteTrainingRunAsync(request, cancellationToken: Ct);

        Assert.Equal(QuoteView.Full, full.View);
        // A computed answer is stamped when computed: the full view was computed on its own, the basic one came back cached.
        Assert.NotEqual(basic.QuotedAt, full.QuotedAt);
        Assert.Equal(basic.ToByteString(), basicAgain.ToByteString());
    }

    [Fact]
    public async Task A_basic_comparison_keeps_each_best_option_and_leaves_out_assumptions_and_parts()
    {
        var request = new QuoteTrainingRunRequest { Parameters = 70e9, Tokens = 1.4e12 };
        var basic = await server.Quotes.CompareAcceleratorsAsync(request, cancellationToken: Ct);
        request.View = QuoteView.Full;
        var full = await server.Quotes.CompareAcceleratorsAsync(request, cancellationToken: Ct);

        Assert.Equal(QuoteView.Basic, basic.View);
        Assert.Equal(full.Choices.Select(c => (c.AcceleratorId, c.Best?.OfferKey, c.Best?.TotalCost)),
            basic.Choices.Select(c => (c.AcceleratorId, c.Best is null ? null : c.Best.KeyOfOffer(), c.Best?.TotalCost)));
        Assert.All(basic.Choices, c => Assert.Null(c.Assumptions));
        Assert.All(basic.Choices.Where(c => c.Best is not null), c => Assert.Null(c.Best.Breakdown));
        Assert.Contains(full.Choices, c => c.Best?.Breakdown is not null);
    }

    [Fact]
    public async Task A_view_outside_the_enum_is_InvalidArgument_naming_the_field()
    {
        var request = TenOptions((QuoteView)7);

        var ex = await Assert.ThrowsAsync<RpcException>(() => server.Quotes.QuoteTrainingRunAsync(request, cancellationToken: Ct).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        var badRequest = ex.GetRpcStatus()!.GetDetail<Google.Rpc.BadRequest>();
        Assert.Contains(badRequest.FieldViolations, v => v.Field == "view");
    }

    [Fact]
    public async Task JSON_transcoding_takes_the_view_by_name()
    {
        using var client = new HttpClient { DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };

        async Task<JsonElement> QuoteAsync(string view)
        {
            using var body = new StringContent(
                $"{{\"parameters\": 7e10, \"tokens\": 1.4e12, \"maxOptions\": 3, \"acceleratorIds\": [\"nvidia-h100-80gb\"]{view}}}", Encoding.UTF8, "application/json");
            using var response = await client.PostAsync(server.Address + "/v1/quotes:training-run", body, Ct);
            var text = await response.Content.ReadAsStringAsync(Ct);
            Assert.True(response.StatusCode == HttpStatusCode.OK, text);
            return JsonDocument.Parse(text).RootElement;
        }

        var full = await QuoteAsync(", \"view\": \"QUOTE_VIEW_FULL\"");
        var basic = await QuoteAsync("");

        Assert.Equal("QUOTE_VIEW_FULL", full.GetProperty("view").GetString());
        Assert.True(full.GetProperty("options")[0].TryGetProperty("breakdown", out _));
        Assert.Equal("QUOTE_VIEW_BASIC", basic.GetProperty("view").GetString());
        Assert.False(basic.GetProperty("options")[0].TryGetProperty("breakdown", out _));
        Assert.True(basic.GetProperty("options")[0].GetProperty("summary").GetProperty("mfu").GetDouble() > 0);
    }
}
