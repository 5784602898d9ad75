using Google.Rpc;
using Grpc.Core;
using Pricing.Contracts;
using Pricing.Contracts.V1;
using Pricing.Quoting;

namespace Quotes.Tests;

/// <summary>
/// gRPC <c>TrainingQuotes</c> on the embedded default: a quote priced from the bundled Azure snapshot, and
/// every bad input refused as InvalidArgument with a BadRequest naming the fields.
/// </summary>
public sealed class TrainingQuotesTests(StandaloneServer server)
{
    private const string H100 = "nvidia-h100-80gb";
    private const string NdH100 = "Standard_ND96isr_H100_v5";

    /// <summary>H100 SXM5 dense BF16 peak (NVIDIA whitepaper v1.04), FLOP/s.</summary>
    private const double H100DenseBf16 = 989.4e12;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // These tests read the plan's details: the full view (the default is basic).
    private Task<TrainingQuote> QuoteAsync(QuoteTrainingRunRequest request) =>
        server.Quotes.QuoteTrainingRunAsync(Full(request), cancellationToken: Ct).ResponseAsync;

    private static QuoteTrainingRunRequest Full(QuoteTrainingRunRequest request)
    {
        request.View = QuoteView.Full;
        return request;
    }

    private static void Close(double expected, double actual, double relative = 1e-12) =>
        Assert.True(Math.Abs(expected - actual) <= Math.Abs(expected) * relative, $"Expected {expected:R}, got {actual:R}.");

    private static void WithinACent(decimal expected, decimal actual) =>
        Assert.True(Math.Abs(expected - actual) <= 0.01m, $"Expected {expected} within a cent, got {actual}.");

    [Fact]
    public async Task A_valid_H100_quote_is_priced_from_the_bundled_Azure_snapshot()
    {
        var request = StandaloneServer.H100Request();
        request.Clouds.Add("azure");
        request.MaxOptions = 100;
        var quote = await QuoteAsync(request);

        Assert.NotEmpty(quote.Options);
        Assert.All(quote.Options, o =>
        {
            Assert.Equal("azure", o.Provider);
            Assert.Equal(H100, o.AcceleratorId);
        });
        var ondemand = Assert.Single(quote.Options, o => o.InstanceType == NdH100 && o.Region == "eastus" && o.PricingModel == "on_demand");
        Assert.Equal(98.32m / 8, ondemand.PricePerAcceleratorHour.ToDecimal());
        Assert.Equal(98.32m, ondemand.PricePerInstanceHour.ToDecimal());
        Assert.Equal("USD", ondemand.PricePerAcceleratorHour.CurrencyCode);
        Assert.Equal($"azure|eastus||{NdH100}|on_demand", ondemand.OfferKey);

        // 6 × 70e9 × 1.4e12.
        Close(5.88e23, quote.TotalFlops);
        var assumption = Assert.Single(quote.Assumptions);
        Assert.Equal(H100, assumption.AcceleratorId);
        Close(H100DenseBf16, assumption.PeakFlops);

        var catalog = Assert.Single(quote.CatalogVersions, c => c.Provider == "azure");
        Assert.True(catalog.Version >= 1, $"azure catalog version {catalog.Version}.");
        Assert.All(quote.Options, o => Assert.Equal(catalog.Version, o.CatalogVersion));
    }

    [Fact]
    public async Task Each_option_is_a_plan_whose_hours_follow_its_own_MFU_and_goodput_and_whose_bill_adds_up()
    {
        var quote = await QuoteAsync(StandaloneServer.H100Request());

        Assert.NotEmpty(quote.Options);
        foreach (var option in quote.Options)
        {
            // accelerator-hours = FLOPs / (peak × MFU × goodput × 3600), with the MFU and goodput of this plan.
            Close(5.88e23 / (H100DenseBf16 * option.Mfu.Mfu * option.Goodput.Goodput * 3600), option.AcceleratorHours, 1e-9);
            Assert.True(option.Goodput.Goodput is > 0.5 and < 1, $"goodput {option.Goodput.Goodput}.");
            Close(option.Goodput.Goodput, 1 - option.Goodput.CheckpointStall - option.Goodput.FailureLoss - option.Goodput.PreemptionLoss, 1e-9);
            Assert.True(option.Fabric.Known && option.Fabric.TrainingGrade, $"{option.InstanceType}: {option.Fabric.ScaleOutDetail}.");
            Assert.Equal(option.TotalCost, Assert.Single(option.Bill, l => l.Name == "training_run").Amount);
            Assert.Equal(option.Bill.Where(l => !l.Optional).Sum(l => l.Amount.ToDecimal()), option.BillTotal.ToDecimal());
            Assert.Contains(option.Bill, l => l.Name == "checkpoint_storage" && l.Amount.ToDecimal() > 0);
            Assert.True(option.WattsPerAccelerator > 700, $"node-level power per H100 {option.WattsPerAccelerator} W.");
            // The default plan: sized to the 60-day default deadline, never the memory minimum of 3 instances.
            Assert.Equal("default_deadline", option.ClusterBasis);
            Assert.True(option.WallClockHours <= 60 * 24 + 1e-6 && option.Instances > 3, $"{option.Instances} instances for {option.WallClockHours / 24:F1} days.");
        }
    }

    [Fact]
    public async Task Options_are_ranked_obtainable_first_then_by_total_cost()
    {
        var quote = await QuoteAsync(new QuoteTrainingRunRequest { Parameters = 70e9, Tokens = 1.4e12, MaxOptions = 1000 });

        Assert.True(quote.Options.Count > 1);
        Assert.Equal(Enumerable.Range(1, quote.Options.Count), quote.Options.Select(o => o.Rank));
        // Obtainable plans first (capacity-rules.json), each group cheapest first.
        var obtainable = quote.Options.Select(o => o.Capacity.Obtainable).ToList();
        Assert.Equal(obtainable.OrderByDescending(x => x), obtainable);
        foreach (var group in quote.Options.GroupBy(o => o.Capacity.Obtainable))
        {
            var costs = group.Select(o => o.TotalCost.ToDecimal()).ToList();
            Assert.Equal(costs.Order(), costs);
        }
        Assert.Equal(quote.Options.Count, quote.OptionsConsidered);
    }

    [Fact]
    public async Task The_team_maturity_reaches_the_engine_and_comes_back_with_its_bring_up_line()
    {
        var request = StandaloneServer.H100Request();
        request.Regions.Add("eastus");
        request.PricingModels.Add("on_demand");
        request.AcceleratorCount = 64;
        request.View = QuoteView.Full;
        var asked = request.Clone();
        asked.TeamMaturity = "first_large_run";

        var defaulted = Assert.Single((await QuoteAsync(request)).Options);
        var first = Assert.Single((await QuoteAsync(asked)).Options);

        Assert.Equal("experienced", defaulted.Goodput.TeamMaturity);
        Assert.Equal("first_large_run", first.Goodput.TeamMaturity);
        Assert.True(first.Goodput.Goodput < defaulted.Goodput.Goodput);
        Assert.True(first.Goodput.GoodputLow <= first.Goodput.Goodput && first.Goodput.Goodput <= first.Goodput.GoodputHigh);
        Assert.Equal(168, first.Goodput.BringUpHours);
        var bringUp = Assert.Single(first.Bill, l => l.Name == "bring_up");
        Assert.Contains("168 h × 64 accelerators", bringUp.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Filters_and_cluster_size_reach_the_engine()
    {
        var request = StandaloneServer.H100Request();
        request.Regions.Add("eastus");
        request.PricingModels.Add("on_demand");
        // 70B needs 23 H100s for its optimizer state (18 B/parameter); 20 rounds up to 3 of the 8-GPU instances.
        request.AcceleratorCount = 20;
        request.OptimizerSetup = "zero";

        var quote = await QuoteAsync(request);

        var option = Assert.Single(quote.Options);
        Assert.Equal(NdH100, option.InstanceType);
        Assert.Equal(3, option.Instances);
        Assert.Equal(24, option.Accelerators);
        Assert.Equal("requested", option.ClusterBasis);
        Close(option.AcceleratorHours / 24, option.WallClockHours);
    }

    [Fact]
    public async Task An_MFU_override_is_reported_with_source_request()
    {
        var request = StandaloneServer.H100Request();
        request.Mfu = 0.5;

        var quote = await QuoteAsync(request);

        var assumption = Assert.Single(quote.Assumptions);
        Assert.Equal(0.5, assumption.Mfu);
        Assert.Equal("request", assumption.MfuSource);
        Close(5.88e23 / (H100DenseBf16 * 0.5 * assumption.Goodput * 3600), quote.AcceleratorHours);
    }

    [Fact]
    public async Task A_quote_matching_nothing_is_empty_with_a_warning_not_an_error()
    {
        var request = StandaloneServer.H100Request();
        request.Regions.Add("nowhere-1");

        var quote = await QuoteAsync(request);

        Assert.Empty(quote.Options);
        Assert.NotEmpty(quote.Warnings);
    }

    [Fact]
    public async Task A_region_containing_a_comma_is_not_answered_from_another_questions_cache_entry()
    {
        var two = StandaloneServer.H100Request();
        two.Regions.Add("eastus");
        two.Regions.Add("nowhere");
        var one = StandaloneServer.H100Request();
        one.Regions.Add("eastus,nowhere");

        var first = await QuoteAsync(two);
        var second = await QuoteAsync(one);

        Assert.NotEmpty(first.Options);
        // No offer is in a region called "eastus,nowhere".
        Assert.Empty(second.Options);
    }

    private async Task<BadRequest> RefusedAsync(QuoteTrainingRunRequest request)
    {
        var ex = await Assert.ThrowsAsync<RpcException>(() => QuoteAsync(request));
        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        var badRequest = ex.GetRpcStatus()?.GetDetail<BadRequest>();
        Assert.NotNull(badRequest);
        Assert.All(badRequest.FieldViolations, v => Assert.False(string.IsNullOrWhiteSpace(v.Description)));
        return badRequest;
    }

    [Theory]
    [InlineData("parameters", "zero")]
    [InlineData("parameters", "negative")]
    [InlineData("parameters", "nan")]
    [InlineData("parameters", "absurd")]
    [InlineData("tokens", "zero")]
    [InlineData("tokens", "negative")]
    [InlineData("tokens", "infinite")]
    [InlineData("tokens", "absurd")]
    [InlineData("active_parameters", "above_total")]
    [InlineData("accelerator_ids", "unknown")]
    [InlineData("accelerator_count", "negative")]
    [InlineData("mfu", "above_one")]
    [InlineData("mfu", "negative")]
    [InlineData("mfu", "nan")]
    [InlineData("pricing_models", "unknown")]
    [InlineData("clouds", "unknown")]
    [InlineData("precision", "unknown")]
    [InlineData("max_options", "negative")]
    public async Task A_bad_input_is_InvalidArgument_with_a_violation_on_its_field(string field, string problem)
    {
        var request = StandaloneServer.H100Request();
        switch (field, problem)
        {
            case ("parameters", "zero"): request.Parameters = 0; break;
            case ("parameters", "negative"): request.Parameters = -70e9; break;
            case ("parameters", "nan"): request.Parameters = double.NaN; break;
            case ("parameters", "absurd"): request.Parameters = 1e20; break;
            case ("tokens", "zero"): request.Tokens = 0; break;
            case ("tokens", "negative"): request.Tokens = -1; break;
            case ("tokens", "infinite"): request.Tokens = double.PositiveInfinity; break;
            case ("tokens", "absurd"): request.Tokens = 1e20; break;
            case ("active_parameters", "above_total"): request.ActiveParameters = 80e9; break;
            case ("accelerator_ids", "unknown"): request.AcceleratorIds.Add("nvidia-h1000"); break;
            case ("accelerator_count", "negative"): request.AcceleratorCount = -8; break;
            case ("mfu", "above_one"): request.Mfu = 1.5; break;
            case ("mfu", "negative"): request.Mfu = -0.4; break;
            case ("mfu", "nan"): request.Mfu = double.NaN; break;
            case ("pricing_models", "unknown"): request.PricingModels.Add("preemptible"); break;
            case ("clouds", "unknown"): request.Clouds.Add("oracle"); break;
            case ("precision", "unknown"): request.Precision = "fp16"; break;
            case ("max_options", "negative"): request.MaxOptions = -1; break;
            default: throw new ArgumentOutOfRangeException(nameof(problem), $"{field}/{problem}");
        }

        var badRequest = await RefusedAsync(request);

        Assert.Equal(field, Assert.Single(badRequest.FieldViolations).Field);
    }

    [Fact]
    public async Task Several_bad_inputs_give_several_violations_at_once()
    {
        var request = new QuoteTrainingRunRequest
        {
            Parameters = 0,
            Tokens = -1,
            Precision = "fp16",
            AcceleratorIds = { "nvidia-h1000" },
            Mfu = 2,
            Clouds = { "oracle" },
            PricingModels = { "preemptible" },
        };

        var badRequest = await RefusedAsync(request);

        Assert.Equal(
            ["accelerator_ids", "clouds", "mfu", "parameters", "precision", "pricing_models", "tokens"],
            badRequest.FieldViolations.Select(v => v.Field).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task An_empty_request_is_refused_not_failed()
    {
        var badRequest = await RefusedAsync(new QuoteTrainingRunRequest());

        Assert.Contains(badRequest.FieldViolations, v => v.Field == "parameters");
        Assert.Contains(badRequest.FieldViolations, v => v.Field == "tokens");
    }

    [Theory]
    [InlineData(1e-300)]
    [InlineData(double.Epsilon)]
    public async Task A_tiny_MFU_is_refused_or_quoted_never_an_internal_error(double mfu)
    {
        var request = StandaloneServer.H100Request();
        request.Mfu = mfu;

        try
        {
            await QuoteAsync(request);
        }
        catch (RpcException ex)
        {
            Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        }
    }
}
