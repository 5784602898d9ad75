namespace Pricing.Catalog;

/// <summary>A source row that failed a rule. It is reported, counted and never becomes a price.</summary>
/// <param name="Provider">The provider whose source sent the row.</param>
/// <param name="Rule">Machine-readable rule name (see <see cref="QuarantineRules"/>).</param>
/// <param name="Reason">Why the row failed the rule, for people.</param>
/// <param name="Row">The identifying fields of the row as the provider sent them.</param>
public sealed record QuarantinedRow(string Provider, string Rule, string Reason, string Row);

public static class QuarantineRules
{
    public const string ZeroPrice = "zero_price";
    public const string ImplausiblePrice = "implausible_price";
    public const string UnknownAccelerator = "unknown_accelerator";
    public const string NonHourlyUnit = "non_hourly_unit";
    public const string Duplicate = "duplicate";
    public const string DuplicatePrecision = "duplicate_precision";
    public const string ConflictingDuplicate = "conflicting_duplicate";
    public const string SpotAboveOnDemand = "spot_above_on_demand";
    public const string Malformed = "malformed";
    public const string UnknownPricingModel = "unknown_pricing_model";

    /// <summary>A price built from parts (GCP: host cores + RAM + GPUs) lacks one of them; never priced from the rest.</summary>
    public const string MissingComponent = "missing_component";
}
