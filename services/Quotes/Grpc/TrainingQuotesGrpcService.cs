using System.Security.Cryptography;
using System.Text;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Pricing.Catalog;
using Pricing.Contracts;
using Pricing.Contracts.V1;
using Pricing.Quoting;
using Pricing.ServiceDefaults;
using Quotes.Caching;

namespace Quotes.Grpc;

/// <summary>
/// gRPC <c>TrainingQuotes</c>: validates every field (InvalidArgument with BadRequest), then answers from the cache
/// or the engine over the current price view. WatchQuote re-quotes on every visible catalog change and sends only
/// when a price the quote depends on changed.
/// </summary>
public sealed class TrainingQuotesGrpcService(
    PriceView view,
    QuoteEngine engine,
    QuoteCache cache,
    AcceleratorRegistry registry,
    TimeProvider time,
    CatalogTraceLinks traceLinks) : TrainingQuotes.TrainingQuotesBase
{
    private const string CacheKeyVersion = "quote:v2";

    /// <summary>Excluded offers listed in a quote (the count is always exact).</summary>
    public const int MaxExcludedListed = 100;

    public override Task<TrainingQuote> QuoteTrainingRun(QuoteTrainingRunRequest request, ServerCallContext context) =>
        MeasuredAsync("quote", async () =>
        {
            var spec = ToSpec(request, registry);
            var prices = LoadedPrices();
            using var activity = PricingTelemetry.StartQuote("quote training-run", traceLinks.LinksFor(prices.Catalogs.Select(c => (c.Provider, c.Version))));
            var key = $"{CacheKeyVersion}:{Hash(spec.Normalized())}:{prices.VersionKey}";
            return await cache.GetOrComputeAsync(key, () => ToProto(engine.Quote(spec, prices), prices, time.GetUtcNow(), spec.Precision), context.CancellationToken);
        });

    public override Task<AcceleratorComparison> CompareAccelerators(QuoteTrainingRunRequest request, ServerCallContext context) =>
        MeasuredAsync("compare", () => CompareCoreAsync(request));

    /// <summary>Runs one quote operation and records its duration and outcome (ok, invalid, error).</summary>
    private async Task<T> MeasuredAsync<T>(string operation, Func<Task<T>> run)
    {
        var started = time.GetTimestamp();
        var outcome = "error";
        try
        {
            var result = await run();
            outcome = "ok";
            return result;
        }
        catch (RpcException ex)
        {
            outcome = ex.StatusCode == StatusCode.InvalidArgument ? "invalid" : "error";
            throw;
        }
        finally
        {
            PricingTelemetry.RecordQuote(operation, time.GetElapsedTime(started), outcome);
        }
    }

    private Task<AcceleratorComparison> CompareCoreAsync(QuoteTrainingRunRequest request)
    {
        var spec = ToSpec(request, registry);
        var prices = LoadedPrices();
        var now = time.GetUtcNow();
        var result = engine.Compare(spec, prices);
        var comparison = new AcceleratorComparison
        {
            TotalFlops = result.Compute.TotalFlops,
            Tokens = result.Compute.Tokens,
            QuotedAt = Timestamp.FromDateTimeOffset(now),
        };
        comparison.Choices.AddRange(result.Choices.Select(c =>
        {
            var choice = new Pricing.Contracts.V1.AcceleratorChoice
            {
                AcceleratorId = c.AcceleratorId,
                OptionsConsidered = c.OptionsConsidered,
                OptionsExcluded = c.OptionsExcluded,
                ExcludedReason = c.ExcludedReason ?? "",
            };
            if (c.Assumptions is not null)
            {
                choice.Assumptions = ToProto(c.Assumptions, spec.Precision);
            }

            if (c.Best is not null)
            {
                choice.Best = ToProto(c.Best, 1, now);
            }

            return choice;
        }));
        comparison.CatalogVersions.AddRange(CatalogVersions(prices, now));
        comparison.Warnings.AddRange(result.Warnings);
        comparison.Warnings.AddRange(StaleWarnings(prices, now));
        return Task.FromResult(comparison);
    }

    public override async Task WatchQuote(QuoteTrainingRunRequest request, IServerStreamWriter<TrainingQuote> responseStream, ServerCallContext context)
    {
        var spec = ToSpec(request, registry);
        var cancellationToken = context.CancellationToken;
        ulong? sent = null;
        while (!cancellationToken.IsCancellationRequested)
        {
            // Take the signal before reading the view: a change between the two still wakes this loop.
            var next = view.NextChange;
            var prices = view.Current;
            if (prices.Catalogs.Count > 0)
            {
                var dependencies = engine.PriceDependencyHash(spec, prices);
                if (sent != dependencies)
                {
                    await responseStream.WriteAsync(ToProto(engine.Quote(spec, prices), prices, time.GetUtcNow(), spec.Precision), cancellationToken);
                    sent = dependencies;
                }
            }

            try
            {
                await next.WaitAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private PriceViewSnapshot LoadedPrices()
    {
        var prices = view.Current;
        return prices.Catalogs.Count > 0
            ? prices
            : throw new RpcException(new Status(StatusCode.Unavailable, "No provider catalog is loaded yet; retry shortly."));
    }

    /// <summary>Checks every field at once; any problem is InvalidArgument with one BadRequest violation per problem.</summary>
    public static QuoteSpec ToSpec(QuoteTrainingRunRequest r, AcceleratorRegistry registry)
    {
        var violations = new List<FieldViolation>();
        var customPrice = UsdAmount(r.PricePerAcceleratorHour, "price_per_accelerator_hour", violations);
        var staffCost = UsdAmount(r.StaffMonthlyCost, "staff_monthly_cost", violations);

        var input = new QuoteRequestInput
        {
            Parameters = r.Parameters,
            ActiveParameters = r.ActiveParameters,
            Tokens = r.Tokens,
            Precision = r.Precision,
            AcceleratorIds = [.. r.AcceleratorIds],
            AcceleratorCount = r.AcceleratorCount,
            Mfu = r.Mfu,
            Clouds = [.. r.Clouds],
            Regions = [.. r.Regions],
            PricingModels = [.. r.PricingModels],
            MaxOptions = r.MaxOptions,
            Layers = r.Layers,
            DModel = r.DModel,
            SequenceLength = r.SequenceLength,
            Chinchilla = r.Chinchilla,
            DeadlineHours = r.DeadlineHours,
            Goodput = r.Goodput,
            PricePerAcceleratorHour = customPrice,
            DiscountPercent = r.DiscountPercent.ToDictionary(StringComparer.Ordinal),
            ActivationAllowance = r.ActivationAllowance,
            EnergyUtilisation = r.EnergyUtilisation,
            GlobalBatchTokens = r.GlobalBatchTokens,
            OptimizerSetup = r.OptimizerSetup,
            ReuseCommittedCapacity = r.ReuseCommittedCapacity,
            CheckpointCopies = r.CheckpointCopies,
            DatasetBytes = r.DatasetBytes,
            DatasetCloud = r.DatasetCloud,
            ExperimentsMultiplier = r.ExperimentsMultiplier,
            StaffEngineers = r.StaffEngineers,
            StaffMonths = r.StaffMonths,
            StaffMonthlyCost = staffCost,
        };
        violations.AddRange(QuoteRequestRules.Check(input, registry));
        if (violations.Count > 0)
        {
            throw GrpcValidation.InvalidArgument(violations);
        }

        return QuoteRequestRules.ToSpec(input);
    }

    /// <summary>A Money field as a decimal (0 when unset), or a violation when it breaks <see cref="MoneyProblem"/>.</summary>
    private static decimal UsdAmount(Money? money, string field, List<FieldViolation> violations)
    {
        if (money is null)
        {
            return 0;
        }

        if (MoneyProblem(money) is { } problem)
        {
            violations.Add(new FieldViolation(field, problem));
            return 0;
        }

        return money.ToDecimal();
    }

    /// <summary>The google.type.Money rules: nanos within ±999,999,999 and of the units' sign; quotes are in USD.</summary>
    private static string? MoneyProblem(Money money)
    {
        if (money.CurrencyCode is not ("" or "USD"))
        {
            return $"Currency '{(money.CurrencyCode.Length <= 8 ? money.CurrencyCode : money.CurrencyCode[..8] + "…")}' is not supported; catalog prices are USD.";
        }

        if (money.Nanos is < -999_999_999 or > 999_999_999 || (money.Units > 0 && money.Nanos < 0) || (money.Units < 0 && money.Nanos > 0))
        {
            return "Malformed amount: nanos must be within ±999,999,999 and have the sign of units.";
        }

        return null;
    }

    public static TrainingQuote ToProto(QuoteResult result, PriceViewSnapshot prices, DateTimeOffset now, Precision precision)
    {
        var compute = result.Compute;
        var quote = new TrainingQuote
        {
            TotalFlops = compute.TotalFlops,
            DenseFlops = compute.DenseFlops,
            AttentionFlops = compute.AttentionFlops,
            Tokens = compute.Tokens,
            ChinchillaTokens = compute.ChinchillaTokens,
            ModelStateBytes = compute.ModelStateBytes,
            Precision = PrecisionName(precision),
            // Each option has its own accelerator-hours (they differ per accelerator type); this is the cheapest option's.
            AcceleratorHours = result.Options.Count > 0 ? result.Options[0].AcceleratorHours : 0,
            QuotedAt = Timestamp.FromDateTimeOffset(now),
            OptionsConsidered = result.OptionsConsidered,
            OptionsExcluded = result.Excluded.Count,
        };
        quote.Warnings.AddRange(result.Warnings);
        quote.Assumptions.AddRange(result.Assumptions.Select(a => ToProto(a, precision)));
        var rank = 0;
        quote.Options.AddRange(result.Options.Select(o => ToProto(o, ++rank, now)));
        quote.Excluded.AddRange(result.Excluded.Take(MaxExcludedListed).Select(e => new ExcludedOption
        {
            OfferKey = e.Offer.OfferKey,
            Provider = e.Offer.Provider,
            Region = e.Offer.Region,
            InstanceType = e.Offer.InstanceType,
            AcceleratorId = e.Offer.AcceleratorId,
            PricingModel = e.Offer.PricingModel,
            Reason = e.Reason,
        }));
        quote.CatalogVersions.AddRange(CatalogVersions(prices, now));
        quote.Warnings.AddRange(StaleWarnings(prices, now));
        return quote;
    }

    private static QuoteAssumptions ToProto(AcceleratorAssumptions a, Precision precision) => new()
    {
        AcceleratorId = a.AcceleratorId,
        PeakFlops = a.PeakFlops,
        Mfu = a.Mfu,
        MfuLow = a.MfuLow,
        MfuHigh = a.MfuHigh,
        MfuSource = a.MfuSource,
        Goodput = a.Goodput,
        GoodputSource = a.GoodputSource,
        Precision = PrecisionName(precision),
        MemoryGb = a.MemoryGb,
        ActivationAllowance = a.ActivationAllowance,
        MinAcceleratorsForMemory = a.MinAcceleratorsForMemory,
        TdpWatts = a.TdpWatts ?? 0,
        EnergyUtilisation = a.EnergyUtilisation,
        BytesPerParameter = a.BytesPerParameter,
        ActivationBytesPerAccelerator = a.ActivationBytesPerAccelerator,
        GlobalBatchTokens = a.GlobalBatchTokens,
        GlobalBatchSource = a.GlobalBatchSource,
    };

    private static QuoteOption ToProto(QuoteOptionResult o, int rank, DateTimeOffset now)
    {
        var currency = o.Offer.Currency;
        var option = new QuoteOption
        {
            Rank = rank,
            Provider = o.Offer.Provider,
            Region = o.Offer.Region,
            Zone = o.Offer.Zone ?? "",
            InstanceType = o.Offer.InstanceType,
            AcceleratorId = o.Offer.AcceleratorId,
            PricingModel = o.Offer.PricingModel,
            PricePerAcceleratorHour = o.PricePerAcceleratorHour.ToMoney(currency),
            PricePerInstanceHour = o.Offer.PricePerInstanceHour.ToMoney(currency),
            AcceleratorHours = o.AcceleratorHours,
            TotalCost = o.TotalCost.ToMoney(currency),
            TotalCostLow = o.TotalCostLow.ToMoney(currency),
            TotalCostHigh = o.TotalCostHigh.ToMoney(currency),
            Breakdown = new Pricing.Contracts.V1.CostBreakdown
            {
                ComputeHours = o.Breakdown.ComputeHours,
                Compute = o.Breakdown.Compute.ToMoney(currency),
                FailureHours = o.Breakdown.FailureHours,
                FailuresAndRestarts = o.Breakdown.FailuresAndRestarts.ToMoney(currency),
                CheckpointHours = o.Breakdown.CheckpointHours,
                Checkpoints = o.Breakdown.Checkpoints.ToMoney(currency),
            },
            PriceSource = o.PriceSource,
            DiscountPercent = o.DiscountPercent,
            Accelerators = o.Accelerators,
            Instances = o.Instances,
            WallClockHours = o.WallClockHours,
            ClusterBasis = o.ClusterBasis,
            EnergyKwh = o.EnergyKwh,
            Co2Kg = o.Co2Kg,
            Pue = o.Pue,
            GridKgCo2PerKwh = o.GridKgCo2PerKwh,
            GridIntensityFallback = o.GridIntensityIsFallback,
            CatalogVersion = o.CatalogVersion,
            PriceAgeSeconds = (long)Math.Max(0, (now - o.CatalogAsOf).TotalSeconds),
            OfferKey = o.Offer.OfferKey,
        };
        QuotePlanProtoMapping.AddPlan(option, o, currency);
        return option;
    }

    private static IEnumerable<CatalogVersionUsed> CatalogVersions(PriceViewSnapshot prices, DateTimeOffset now) =>
        prices.Catalogs.Select(c => new CatalogVersionUsed
        {
            Provider = c.Provider,
            Version = c.Version,
            AsOf = c.AsOf.ToProtoTimestamp(),
            AgeSeconds = (long)Math.Max(0, (now - c.AsOf).TotalSeconds),
        });

    private static IEnumerable<string> StaleWarnings(PriceViewSnapshot prices, DateTimeOffset now) =>
        prices.Catalogs.Where(c => now - c.AsOf > TimeSpan.FromDays(7))
            .Select(c => $"{c.Provider} prices are {PriceAge.Describe(now - c.AsOf)} (catalog version {c.Version}).");

    private static string PrecisionName(Precision precision) => precision.ToString().ToLowerInvariant();

    private static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..32];
}
