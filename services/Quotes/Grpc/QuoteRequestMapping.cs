using Pricing.Catalog;
using Pricing.Contracts;
using Pricing.Contracts.V1;
using Pricing.Quoting;
using Pricing.ServiceDefaults;
using Quotes.PastPrices;

namespace Quotes.Grpc;

/// <summary>
/// The one reading of a quote request (QuoteTrainingRun, CompareAccelerators, WatchQuote): proto straight into a
/// <see cref="QuoteSpec"/>. The wire types are parsed here (precision text, google.type.Money, proto3's 0 for "not
/// given"); the value rules are <see cref="QuoteRequestRules"/>', pure, beside the spec.
/// </summary>
public static class QuoteRequestMapping
{
    /// <summary>The spec a request asks for, or InvalidArgument with one BadRequest field violation per problem.</summary>
    public static QuoteSpec ToSpec(QuoteTrainingRunRequest request, AcceleratorRegistry registry)
    {
        var (spec, violations) = Read(request, registry);
        return violations.Count > 0 ? throw GrpcValidation.InvalidArgument(violations) : spec;
    }

    /// <summary>The canonical spec of a request and every problem of it (none = the spec can be quoted).</summary>
    public static (QuoteSpec Spec, List<FieldViolation> Violations) Read(QuoteTrainingRunRequest r, AcceleratorRegistry registry)
    {
        var violations = new List<FieldViolation>();
        var customPrice = UsdAmount(r.PricePerAcceleratorHour, "price_per_accelerator_hour", violations);
        var staffCost = UsdAmount(r.StaffMonthlyCost, "staff_monthly_cost", violations);
        var licensing = UsdAmount(r.Licensing, "licensing", violations);
        if (!Enum.IsDefined(r.View))
        {
            violations.Add(new("view", "Must be QUOTE_VIEW_UNSPECIFIED (basic), QUOTE_VIEW_BASIC or QUOTE_VIEW_FULL."));
        }

        var precision = QuoteRequestRules.ParsePrecision(r.Precision);
        if (precision is null)
        {
            violations.Add(QuoteRequestRules.UnknownPrecision(r.Precision));
        }

        var requested = new QuoteSpec(r.Parameters, r.ActiveParameters, r.Tokens, precision ?? Precision.Bf16, [.. r.AcceleratorIds],
            r.AcceleratorCount, Given(r.Mfu), [.. r.Clouds], [.. r.Regions], [.. r.PricingModels], r.MaxOptions)
        {
            Layers = r.Layers,
            DModel = r.DModel,
            SequenceLength = r.SequenceLength,
            AttentionWidth = r.AttentionWidth,
            Chinchilla = r.Chinchilla,
            DeadlineHours = r.DeadlineHours,
            Goodput = Given(r.Goodput),
            CustomPricePerAcceleratorHour = customPrice != 0 ? customPrice : null,
            DiscountPercent = r.DiscountPercent.ToDictionary(StringComparer.Ordinal),
            ActivationAllowance = Given(r.ActivationAllowance),
            EnergyUtilisation = Given(r.EnergyUtilisation),
            GlobalBatchTokens = r.GlobalBatchTokens,
            OptimizerSetup = r.OptimizerSetup,
            TeamMaturity = r.TeamMaturity,
            ReuseCommittedCapacity = r.ReuseCommittedCapacity,
            CheckpointCopies = r.CheckpointCopies,
            DatasetBytes = r.DatasetBytes,
            DatasetCloud = r.DatasetCloud,
            ExperimentsMultiplier = r.ExperimentsMultiplier,
            StaffEngineers = r.StaffEngineers,
            StaffMonths = r.StaffMonths,
            StaffMonthlyCost = staffCost != 0 ? staffCost : null,
            StageTokens = r.StageTokens.ToDictionary(StringComparer.Ordinal),
            AnnotationItems = r.HasAnnotationItems ? r.AnnotationItems : null,
            LicensingUsd = licensing != 0 ? licensing : null,
            // "Not in the future" needs the clock: the service checks it (AsOfRequest.CheckNotFuture).
            AsOf = AsOfRequest.TimeOf(r.AsOf, "as_of", violations),
        };
        violations.AddRange(QuoteRequestRules.Check(requested, registry));
        return (QuoteRequestRules.Canonical(requested), violations);
    }

    /// <summary>proto3 sends an unset double as 0: that is "not given" (null); anything else is checked by the rules.</summary>
    private static double? Given(double value) => value != 0 ? value : null;

    /// <summary>A Money field as a decimal (0 when unset), or a violation when it breaks <see cref="MoneyProblem"/>.</summary>
    internal static decimal UsdAmount(Money? money, string field, List<FieldViolation> violations)
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
}
