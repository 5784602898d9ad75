using Grpc.Core;
using Pricing.Catalog;
using Pricing.Contracts;
using Pricing.Contracts.V1;
using Pricing.Quoting;
using Pricing.Quoting.Budget;
using Pricing.Quoting.Levers;
using Pricing.ServiceDefaults;
using Quotes.PastPrices;
using Microsoft.Extensions.Options;
using Quotes.Caching;
using Quotes.Sync;

namespace Quotes.Grpc;

/// <summary>
/// gRPC <c>TrainingQuotes</c>: reads the request into a spec (<see cref="QuoteRequestMapping"/>: InvalidArgument with
/// BadRequest), then answers from the cache or the engine over the current price view. WatchQuote re-quotes on every
/// visible catalog change and sends only when a price the quote depends on changed. Each answers in the request's
/// view (<see cref="QuoteViews"/>; unspecified is basic), and the cache keys by it (<see cref="QuoteCacheKey"/>). Durations and outcomes are
/// <see cref="QuoteMetricsInterceptor"/>'s; the answer's proto is <see cref="QuotePlanProtoMapping"/>'s.
/// </summary>
[BindServiceMethod(typeof(TrainingQuotesBinding), nameof(TrainingQuotesBinding.BindService))]
public sealed class TrainingQuotesGrpcService(
    PriceView view,
    QuoteEngine engine,
    QuoteCache cache,
    AcceleratorRegistry registry,
    TimeProvider time,
    CatalogTraceLinks traceLinks,
    QuoteRequestMemo requests,
    CatalogAsOfReader pastPrices,
    LeverSet levers,
    IOptions<QuotesOptions> options) : TrainingQuotes.TrainingQuotesBase
{
    private readonly TimeSpan _staleAfter = options.Value.StaleAfter;

    public override async Task<TrainingQuote> QuoteTrainingRun(QuoteTrainingRunRequest request, ServerCallContext context)
    {
        var read = requests.Read(request);
        var spec = read.Spec;
        var (prices, pastWarnings) = await PricesForAsync(spec, context.CancellationToken);
        // Links are built only when a trace is recorded: a cached quote's path stays free of them otherwise.
        using var activity = PricingTelemetry.ActivitySource.HasListeners()
            ? PricingTelemetry.StartQuote("quote training-run", traceLinks.LinksFor(prices.Catalogs.Select(c => (c.Provider, c.Version))))
            : null;
        // The spec's key holds as_of (QuoteSpec.Normalized keys every settable property): a past quote is cached apart.
        return await cache.GetOrComputeAsync(read.CacheKeyOver(prices), () =>
        {
            var result = engine.Quote(spec, prices);
            var full = QuotePlanProtoMapping.ToProto(result, prices, spec.AsOf ?? time.GetUtcNow(), spec.Precision, _staleAfter);
            if (spec.AsOf is { } asOf)
            {
                full.PricesAsOf = asOf.ToProtoTimestamp();
                full.Warnings.AddRange(pastWarnings);
            }

            // Levers cost several engine runs: only the full view asks for them (and the cache keeps them with it).
            if (QuoteViews.Effective(read.View) == QuoteView.Full && result.Options.Count > 0)
            {
                full.Levers.AddRange(levers.For(spec, result.Options[0], prices).Select(LeverProtoMapping.ToProto));
            }

            return QuoteViews.In(full, read.View, result.DetailWarnings);
        }, context.CancellationToken);
    }

    public override async Task<AcceleratorComparison> CompareAccelerators(QuoteTrainingRunRequest request, ServerCallContext context)
    {
        var spec = QuoteRequestMapping.ToSpec(request, registry);
        var (prices, pastWarnings) = await PricesForAsync(spec, context.CancellationToken);
        var compared = engine.Compare(spec, prices);
        var comparison = QuotePlanProtoMapping.ToProto(compared, prices, spec.AsOf ?? time.GetUtcNow(), spec.Precision, _staleAfter);
        if (spec.AsOf is { } asOf)
        {
            comparison.PricesAsOf = asOf.ToProtoTimestamp();
            comparison.Warnings.AddRange(pastWarnings);
        }

        return QuoteViews.In(comparison, request.View, compared.DetailWarnings);
    }

    /// <summary>
    /// The largest model a budget pays for (<see cref="BudgetPlanner"/>, on the current prices), then its forward
    /// request quoted as QuoteTrainingRun quotes it: the plan returned is that quote's top option.
    /// </summary>
    public override async Task<Pricing.Contracts.V1.BudgetPlan> PlanForBudget(PlanForBudgetRequest request, ServerCallContext context)
    {
        var (question, forward) = BudgetPlanMapping.ToQuestion(request, registry);
        var prices = LoadedPrices();
        Pricing.Quoting.Budget.BudgetPlan plan;
        try
        {
            plan = new BudgetPlanner(engine).Plan(question, prices);
        }
        catch (BudgetNotMetException ex)
        {
            throw GrpcValidation.InvalidArgument([new FieldViolation("budget", ex.Message)]);
        }

        forward.Parameters = plan.Parameters;
        forward.Tokens = plan.Tokens;
        var quote = await QuoteTrainingRun(forward, context);
        return BudgetPlanMapping.ToProto(plan, forward, quote);
    }

    public override async Task WatchQuote(QuoteTrainingRunRequest request, IServerStreamWriter<TrainingQuote> responseStream, ServerCallContext context)
    {
        var spec = QuoteRequestMapping.ToSpec(request, registry);
        if (spec.AsOf is not null)
        {
            throw GrpcValidation.InvalidArgument([new FieldViolation("as_of", "A quote as of a past time never changes: ask QuoteTrainingRun instead of watching it.")]);
        }

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
                    var result = engine.Quote(spec, prices);
                    var quote = QuotePlanProtoMapping.ToProto(result, prices, time.GetUtcNow(), spec.Precision, _staleAfter);
                    await responseStream.WriteAsync(QuoteViews.In(quote, request.View, result.DetailWarnings), cancellationToken);
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

    /// <summary>
    /// The current view, or, for a spec with as_of (not in the future), every provider's catalog then (only the
    /// clouds asked for), with what the rebuild could not restore exactly.
    /// </summary>
    private async Task<(PriceViewSnapshot Prices, IReadOnlyList<string> Warnings)> PricesForAsync(QuoteSpec spec, CancellationToken cancellationToken)
    {
        if (spec.AsOf is not { } asOf)
        {
            return (LoadedPrices(), []);
        }

        AsOfRequest.CheckNotFuture(asOf, time.GetUtcNow());
        LoadedPrices();
        return await pastPrices.GetViewAsOfAsync(asOf, spec.Clouds.ToHashSet(StringComparer.Ordinal), cancellationToken);
    }

    private PriceViewSnapshot LoadedPrices()
    {
        var prices = view.Current;
        return prices.Catalogs.Count > 0
            ? prices
            : throw new RpcException(new Status(StatusCode.Unavailable, "No provider catalog is loaded yet; retry shortly."));
    }
}
