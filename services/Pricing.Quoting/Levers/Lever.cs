namespace Pricing.Quoting.Levers;

/// <summary>
/// The same program under one lever: what changed, the changed program's top option (null when the lever does not
/// apply or nothing obtainable runs it; <see cref="Reason"/> says why), and its deltas against the quote's top option
/// (bill total, wall-clock hours, CO2; negative = less), and the whole program's total against the top option's
/// (<see cref="DeltaProgramCost"/>: the stages, experiments, staff and data change with the run, not only its bill).
/// </summary>
public sealed record Lever(string Name, string Change, QuoteOptionResult? Option, string Reason)
{
    public decimal DeltaCost { get; init; }
    public double DeltaHours { get; init; }
    public double DeltaCo2Kg { get; init; }

    /// <summary>The changed option's program total minus the top option's; null when either has no program.</summary>
    public decimal? DeltaProgramCost { get; init; }

    public bool Applicable => Option is not null;
}

/// <summary>The levers' names (stable: the CLI, the Dashboard and scripts key on them).</summary>
public static class LeverNames
{
    public const string Fp8 = "fp8";
    public const string Fp4 = "fp4";
    public const string ComputeOptimalTokens = "compute_optimal_tokens";
    public const string LongerDeadline = "longer_deadline";
    public const string OnDemand = "on_demand";
    public const string CapacityBlock = "capacity_block";
    public const string CommitmentWithReuse = "commitment_with_reuse";
    public const string CheapestRegion = "cheapest_region";
    public const string CleanestRegion = "cleanest_region";
    public const string NextGeneration = "next_generation";
}
