using FsCheck;
using FsCheck.Fluent;
using Google.Rpc;
using Grpc.Core;
using Pricing.Catalog;
using Pricing.Contracts;
using Pricing.Contracts.V1;

namespace Quotes.Tests;

/// <summary>
/// FsCheck feeds random specs (valid, absurd, contradictory and malformed values mixed) to QuoteTrainingRun and
/// CompareAccelerators on the embedded server: the answer is always a quote or InvalidArgument with BadRequest
/// field violations, never another status.
/// </summary>
public sealed class QuotePropertyTests(StandaloneServer server)
{
    private static readonly double[] OddDoubles =
        [0, -1, -7e10, 1e-300, double.Epsilon, double.NaN, double.PositiveInfinity, double.NegativeInfinity, double.MaxValue, 0.4, 1.5, 1e14, 2e14, 1e16, 1e17];

    private static readonly int[] OddInts = [0, -1, 1, 8, 12, 1024, 1_000_000, 1_000_001, int.MaxValue, int.MinValue];

    private static Gen<double> Mixed(params double[] plausible) =>
        Gen.Frequency((3, Gen.Elements(plausible)), (1, Gen.Elements(OddDoubles)));

    private static Gen<int> MixedInt(params int[] plausible) =>
        Gen.Frequency((3, Gen.Elements(plausible)), (1, Gen.Elements(OddInts)));

    private static Gen<Action<QuoteTrainingRunRequest>> Set<T>(Gen<T> values, Action<QuoteTrainingRunRequest, T> set) =>
        values.Select(v => (Action<QuoteTrainingRunRequest>)(r => set(r, v)));

    private static Gen<string[]> Subset(params string[] items) => Gen.SubListOf(items).Select(l => l.ToArray());

    private static readonly Gen<Money?> Prices = Gen.OneOf(
        Gen.Constant<Money?>(null),
        Gen.Elements(0m, 1.5m, 2.25m, 12.29m, 20_000m).Select(p => (Money?)p.ToMoney()),
        Gen.Elements(-1L, 0L, 3L, long.MaxValue).SelectMany(
            units => Gen.Elements(-5, 0, 500_000_000, 1_500_000_000),
            (units, nanos) => (Money?)new Money { CurrencyCode = "USD", Units = units, Nanos = nanos }),
        Gen.Constant<Money?>(new Money { CurrencyCode = "EUR", Units = 2 }));

    /// <summary>Every provider of providers.json, and one that is not a provider.</summary>
    private static readonly string[] CloudsAndAnUnknownOne = [.. CloudProviders.Ids, "oracle"];

    private static readonly Gen<(string, double)[]> Discounts =
        Gen.SubListOf(CloudsAndAnUnknownOne)
            .SelectMany(clouds => Gen.CollectToArray(clouds.Select(c => Mixed(5, 10, 25).Select(p => (c, p)))));

    private static readonly Gen<QuoteTrainingRunRequest> Requests = Gen.CollectToArray(new[]
    {
        Set(Mixed(1e8, 7e9, 7e10, 4.05e11, 1e12), (r, v) => r.Parameters = v),
        Set(Mixed(0, 0, 1e9, 3.7e10), (r, v) => r.ActiveParameters = v),
        Set(Mixed(0, 1.4e12, 2e12, 1.56e13), (r, v) => r.Tokens = v),
        Set(Gen.Elements(false, false, true), (r, v) => r.Chinchilla = v),
        Set(Gen.Elements("", "bf16", "fp8", "FP8", "fp4", "\u0000"), (r, v) => r.Precision = v),
        Set(Subset("nvidia-h100-80gb", "nvidia-a100-80gb", "nvidia-h200-141gb", "nvidia-a10g", "google-tpu-v6e", "nvidia-h1000", ""), (r, v) => r.AcceleratorIds.Add(v)),
        Set(MixedInt(0, 0, 8, 24, 512, 16384), (r, v) => r.AcceleratorCount = v),
        Set(Mixed(0, 0, 0.3, 0.5, 1.0), (r, v) => r.Mfu = v),
        Set(Mixed(0, 0, 0.9, 1.0), (r, v) => r.Goodput = v),
        Set(Subset(CloudsAndAnUnknownOne), (r, v) => r.Clouds.Add(v)),
        Set(Subset("eastus", "westus3", "us-east-1", "nowhere", "eastus,nowhere"), (r, v) => r.Regions.Add(v)),
        Set(Subset("on_demand", "spot", "committed_1y", "committed_3y", "savings_plan_compute_1y_no_upfront", "preemptible"), (r, v) => r.PricingModels.Add(v)),
        Set(MixedInt(0, 0, 5, 1000), (r, v) => r.MaxOptions = v),
        Set(MixedInt(0, 0, 80, 126), (r, v) => r.Layers = v),
        Set(MixedInt(0, 0, 8192, 16384), (r, v) => r.DModel = v),
        Set(MixedInt(0, 0, 4096, 131072), (r, v) => r.SequenceLength = v),
        Set(Mixed(0, 0, 1, 720, 24 * 365), (r, v) => r.DeadlineHours = v),
        Set(Prices, (r, v) => r.PricePerAcceleratorHour = v),
        Set(Discounts, (r, v) => { foreach (var (cloud, percent) in v) { r.DiscountPercent[cloud] = percent; } }),
        Set(Mixed(0, 0, 0.2, 0.9), (r, v) => r.ActivationAllowance = v),
        Set(Mixed(0, 0, 0.5, 1.0), (r, v) => r.EnergyUtilisation = v),
    }).Select(setters =>
    {
        var request = new QuoteTrainingRunRequest();
        foreach (var set in setters)
        {
            set(request);
        }

        return request;
    });

    /// <summary>The outcome is a well-formed answer or InvalidArgument with at least one field violation; anything else fails the property.</summary>
    private static bool QuoteOrInvalidArgument<T>(QuoteTrainingRunRequest request, Func<T> call, Action<T> check)
    {
        try
        {
            check(call());
            return true;
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.InvalidArgument)
        {
            var badRequest = ex.GetRpcStatus()?.GetDetail<BadRequest>();
            Assert.True(badRequest is { FieldViolations.Count: > 0 }, $"InvalidArgument without field violations for {request}");
            return true;
        }
        catch (RpcException ex)
        {
            Assert.Fail($"{ex.StatusCode} ({ex.Status.Detail}) for {request}");
            return false;
        }
    }

    private static void CheckQuote(TrainingQuote quote)
    {
        Assert.True(double.IsFinite(quote.TotalFlops) && quote.TotalFlops > 0, $"total FLOPs {quote.TotalFlops}");
        var costs = quote.Options.Select(o => o.TotalCost.ToDecimal()).ToList();
        Assert.Equal(costs.Order(), costs);
        Assert.All(quote.Options, o =>
        {
            Assert.True(o.TotalCost.ToDecimal() >= 0 && o.TotalCostLow.ToDecimal() <= o.TotalCostHigh.ToDecimal());
            Assert.True(double.IsFinite(o.WallClockHours) && o.WallClockHours > 0);
        });
    }

    [Fact]
    public void Random_specs_get_a_quote_or_InvalidArgument_never_another_status()
    {
        var client = server.Quotes;
        var property = Prop.ForAll(Requests.ToArbitrary(), request => QuoteOrInvalidArgument(
            request,
            () => client.QuoteTrainingRun(request, deadline: DateTime.UtcNow.AddSeconds(30), cancellationToken: TestContext.Current.CancellationToken),
            CheckQuote));

        Check.One(Config.QuickThrowOnFailure.WithMaxTest(150), property);
    }

    [Fact]
    public void Random_specs_get_a_comparison_or_InvalidArgument_never_another_status()
    {
        var client = server.Quotes;
        var property = Prop.ForAll(Requests.ToArbitrary(), request => QuoteOrInvalidArgument(
            request,
            () => client.CompareAccelerators(request, deadline: DateTime.UtcNow.AddSeconds(30), cancellationToken: TestContext.Current.CancellationToken),
            comparison => Assert.Equal(comparison.Choices.Count, comparison.Choices.Select(c => c.AcceleratorId).Distinct().Count())));

        Check.One(Config.QuickThrowOnFailure.WithMaxTest(100), property);
    }
}
