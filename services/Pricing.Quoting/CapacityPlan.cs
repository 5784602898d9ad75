namespace Pricing.Quoting;

/// <summary>
/// How an option's capacity is obtained (docs/quote-model.md, "Capacity: how each plan is obtained"): its kind, what
/// must be requested, and whether the engine judges it obtainable at that size and length (with the reason when not).
/// </summary>
/// <param name="Kind">spot, on_demand, on_demand_with_reservation, commitment, commitment_with_reservation, savings_plan, capacity_block, dws_calendar or dws_flex_start.</param>
/// <param name="Request">What must be asked for, e.g. "2 Capacity Blocks of 64 p5.48xlarge, 28 days each".</param>
/// <param name="Obtainable">False when the plan is over a rule of capacity-rules.json or longer than a year.</param>
/// <param name="Reason">Why it is not obtainable; empty when it is.</param>
/// <param name="Source">The rule's source.</param>
public sealed record CapacityPlan(string Kind, string Request, bool Obtainable, string Reason, string Source)
{
    /// <summary>The date the offer's rate was read or took effect (the offer's effective date).</summary>
    public DateTimeOffset RateAsOf { get; init; }

    /// <summary>Said when the rate was read long before its catalog, e.g. "Capacity Block rate as of 2024-12 (…)"; empty otherwise.</summary>
    public string RateNote { get; init; } = "";

    /// <summary>Where the reservation, blocks or quota must be asked for before the run, in order; empty when nothing is.</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];
}

/// <summary>What a sized plan is against its capacity rule.</summary>
public enum CapacityVerdict
{
    Obtainable,

    /// <summary>Offered, ranked after every obtainable plan, with the reason.</summary>
    Unobtainable,

    /// <summary>Not offered: over a provider's hard cap, or over the spot limits when spot was not asked for by name.</summary>
    Excluded,
}

/// <summary>One row of capacity-rules.json.</summary>
public sealed record CapacityRule(
    string Kind,
    string Provider,
    IReadOnlyList<string> Match,
    int? MaxInstances,
    double? MaxDays,
    int? MaxInstancesPerRequest,
    int? ReservationAboveInstances,
    double? EndTailMinutes,
    double? MaxRunDays,
    string OverPolicy,
    string? OverDaysPolicy,
    string? QuotaName,
    string? QuotaUnit,
    string? RateDatedBy,
    string Basis,
    string Source)
{
    public const string Exclude = "exclude";
    public const string ExcludeUnlessNamed = "exclude_unless_named";
    public const string Unobtainable = "unobtainable";

    /// <summary>The hours the provider takes back before a block ends (AWS: 30 minutes).</summary>
    public double EndTailHours => (EndTailMinutes ?? 0) / 60;
}
