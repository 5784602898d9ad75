using Pricing.Catalog;

namespace Pricing.Quoting;

/// <summary>
/// The compute side of a run, independent of any offer: tokens (given or Chinchilla), the 6·N_active·D FLOPs,
/// the attention term 12·L·d_model·seq·D, and the model state that must fit in memory (bytes per parameter × N_total).
/// </summary>
public sealed record TrainingCompute(double Tokens, bool ChinchillaTokens, double DenseFlops, double AttentionFlops, double ModelStateBytes)
{
    public double TotalFlops => DenseFlops + AttentionFlops;
}

/// <summary>The assumptions used for one accelerator type, each traceable to a source.</summary>
public sealed record AcceleratorAssumptions(
    string AcceleratorId,
    double PeakFlops,
    double Mfu,
    double MfuLow,
    double MfuHigh,
    string MfuSource,
    double Goodput,
    string GoodputSource,
    double MemoryGb,
    double ActivationAllowance,
    long MinAcceleratorsForMemory,
    double? TdpWatts,
    double EnergyUtilisation);

/// <summary>Accelerator-hours split by where they go; the money amounts sum exactly to the total cost.</summary>
public sealed record CostBreakdown(
    double ComputeHours,
    double FailureHours,
    double CheckpointHours,
    decimal Compute,
    decimal FailuresAndRestarts,
    decimal Checkpoints);

/// <summary>How an option's cluster size was chosen.</summary>
public static class ClusterBasis
{
    public const string Requested = "requested";
    public const string Deadline = "deadline";
    public const string MemoryMinimum = "memory_minimum";
    public const string OneInstance = "one_instance";
}

/// <summary>One ranked way to run the training: an offer, and what the whole run costs on it.</summary>
public sealed record QuoteOptionResult(
    Offer Offer,
    long CatalogVersion,
    DateTimeOffset CatalogAsOf,
    double AcceleratorHours,
    int Accelerators,
    int Instances,
    double WallClockHours,
    decimal TotalCost,
    decimal PricePerAcceleratorHour,
    string PriceSource,
    double DiscountPercent,
    CostBreakdown Breakdown,
    decimal TotalCostLow,
    decimal TotalCostHigh,
    string ClusterBasis,
    double EnergyKwh,
    double Co2Kg,
    double Pue,
    double GridKgCo2PerKwh,
    bool GridIntensityIsFallback);

/// <summary>An offer that matched the filters but cannot run the training as asked, and why.</summary>
public sealed record ExcludedOffer(Offer Offer, string Reason);

public sealed record QuoteResult(
    TrainingCompute Compute,
    IReadOnlyList<AcceleratorAssumptions> Assumptions,
    IReadOnlyList<QuoteOptionResult> Options,
    int OptionsConsidered,
    IReadOnlyList<ExcludedOffer> Excluded,
    IReadOnlyList<string> Warnings)
{
    public double TotalFlops => Compute.TotalFlops;
}

/// <summary>The best option of one accelerator type, or why it has none.</summary>
public sealed record AcceleratorChoice(
    string AcceleratorId,
    AcceleratorAssumptions? Assumptions,
    QuoteOptionResult? Best,
    int OptionsConsidered,
    int OptionsExcluded,
    string? ExcludedReason);

public sealed record ComparisonResult(
    TrainingCompute Compute,
    IReadOnlyList<AcceleratorChoice> Choices,
    IReadOnlyList<string> Warnings);
