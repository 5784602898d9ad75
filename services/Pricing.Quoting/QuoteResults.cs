using Pricing.Catalog;

namespace Pricing.Quoting;

/// <summary>
/// The compute side of a run, independent of any offer: tokens (given or Chinchilla), the 6·N_active·D FLOPs,
/// the attention term 12·L·d_model·seq·D, the model state that must fit in memory (bytes per parameter × N_total) and
/// the sequence length the run trains at (the request's, else the assumed one; the program's stages are compared to it).
/// </summary>
public sealed record TrainingCompute(double Tokens, bool ChinchillaTokens, double DenseFlops, double AttentionFlops, double ModelStateBytes, double SequenceLength)
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
    double EnergyUtilisation)
{
    public double BytesPerParameter { get; init; }

    /// <summary>Activation bytes per accelerator from the model shape (Korthikanti et al.); 0 = the allowance was used.</summary>
    public double ActivationBytesPerAccelerator { get; init; }

    public double GlobalBatchTokens { get; init; }
    public string GlobalBatchSource { get; init; } = "";
}

/// <summary>
/// Accelerator-hours split by where they go; the money amounts sum exactly to the total cost. Preemptions are spot
/// reclaims and flex-start's forced restarts (0 otherwise); the unused commitment is the part of a 1- or 3-year term,
/// or of a bought block (capacity block, calendar reservation), the run does not use.
/// </summary>
public sealed record CostBreakdown(
    double ComputeHours,
    double FailureHours,
    double CheckpointHours,
    decimal Compute,
    decimal FailuresAndRestarts,
    decimal Checkpoints)
{
    public double PreemptionHours { get; init; }
    public decimal Preemptions { get; init; }
    public double UnusedCommitmentHours { get; init; }
    public decimal UnusedCommitment { get; init; }
}

/// <summary>
/// How a 1- or 3-year commitment (reservation, committed use, savings plan) is billed: the whole term for every instance
/// held, unless reused. Its kind, plan type and payment option are the model's terms (pricing-models.json).
/// </summary>
public sealed record CommitmentBilling(
    double TermHours,
    int Terms,
    double BilledHoursPerInstance,
    double TermShareUsed,
    bool CapacityReused,
    string PaymentOption,
    decimal Upfront)
{
    /// <summary>"commitment" (a reservation or committed use of one instance type) or "savings_plan" (an hourly spend).</summary>
    public string Kind { get; init; } = "commitment";

    /// <summary>"resource", "standard_ri", "convertible_ri" (reservations) or "compute", "ec2_instance" (savings plans).</summary>
    public string PlanType { get; init; } = "";

    /// <summary>Why <see cref="Upfront"/> is 0 although money is paid up front: the catalog's effective hourly rate hides the split.</summary>
    public string UpfrontNote { get; init; } = "";
}

/// <summary>
/// How a block-shaped model is billed: AWS Capacity Blocks and GCP DWS calendar mode are bought as whole blocks of
/// purchasable durations (back to back when the run is longer than the longest block, side by side when it needs more
/// instances than one block holds), the unused tail billed; DWS flex-start bills the hours used but stops each VM after
/// <see cref="MaxRunHours"/>, so a longer run restarts <see cref="ForcedRestarts"/> times on newly obtained capacity.
/// </summary>
public sealed record BlockBilling(
    string Kind,
    int BlocksInSequence,
    double FullBlockHours,
    double LastBlockHours,
    int ParallelBlocks,
    int MaxInstancesPerBlock,
    double BilledHoursPerInstance,
    double UnusedHoursPerInstance,
    bool PaidUpfront,
    decimal Upfront,
    bool MovesWithDemand,
    int MaxLeadDays,
    double MaxRunHours,
    int ForcedRestarts,
    IReadOnlyList<string> Notes)
{
    /// <summary>Blocks bought in all: back to back × side by side (0 for flex-start, which has no blocks).</summary>
    public int BlocksPurchased => BlocksInSequence * ParallelBlocks;
}

/// <summary>One line of the whole bill. Optional lines (experiments, staff) are only present when asked for.</summary>
public sealed record BillLine(string Name, decimal Amount, bool Optional, string Detail);

/// <summary>Power behind an option's energy: per accelerator, and where the figure comes from.</summary>
public sealed record PowerBasis(double WattsPerAccelerator, double LoadFactor, bool Estimated, string Source);

/// <summary>How an option's cluster size was chosen.</summary>
public static class ClusterBasis
{
    public const string Requested = "requested";
    public const string Deadline = "deadline";
    public const string MemoryMinimum = "memory_minimum";
    public const string OneInstance = "one_instance";

    /// <summary>Neither cluster nor deadline given: sized to the default deadline.</summary>
    public const string DefaultDeadline = "default_deadline";

    /// <summary>The default deadline would need more than the global batch can use: the largest useful cluster.</summary>
    public const string LargestUseful = "largest_useful";

    /// <summary>The default deadline would need more instances than may join one job without a training-grade fabric.</summary>
    public const string FabricLimit = "fabric_limit";

    /// <summary>The default deadline would need more instances than the engine judges obtainable (capacity-rules.json): that many, for longer.</summary>
    public const string CapacityLimit = "capacity_limit";
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
    bool GridIntensityIsFallback)
{
    public InstanceFamily? Family { get; init; }
    public MfuEstimate? Mfu { get; init; }
    public GoodputParts? Goodput { get; init; }
    public CommitmentBilling? Commitment { get; init; }

    /// <summary>Present for capacity blocks, DWS calendar mode and DWS flex-start.</summary>
    public BlockBilling? Block { get; init; }
    public IReadOnlyList<BillLine> Bill { get; init; } = [];

    /// <summary>The run and its required costs (storage, egress when asked).</summary>
    public decimal BillTotal { get; init; }

    /// <summary><see cref="BillTotal"/> plus the optional lines (experiments, staff).</summary>
    public decimal BillTotalWithOptional { get; init; }

    public PowerBasis? Power { get; init; }

    /// <summary>The most accelerators the global batch can keep busy (batch tokens / tokens per accelerator per step).</summary>
    public long LargestUsefulAccelerators { get; init; }

    /// <summary>How the capacity is obtained and whether the engine judges it obtainable (capacity-rules.json).</summary>
    public CapacityPlan? Capacity { get; init; }

    /// <summary>What getting the model costs: the stages, development, people, data and energy around the run (docs/quote-model.md §6a).</summary>
    public TrainingProgram? Program { get; init; }
}

/// <summary>An offer that matched the filters but cannot run the training as asked, and why.</summary>
/// <summary>
/// An offer that cannot run the training as asked: the reason in full, its kind (<see cref="ExclusionKinds"/>), and
/// the kind's summary that groups it (null when the kind has none: such offers group by their reason).
/// </summary>
public sealed record ExcludedOffer(Offer Offer, string Reason, string Kind = "other", string? Summary = null);

public sealed record QuoteResult(
    TrainingCompute Compute,
    IReadOnlyList<AcceleratorAssumptions> Assumptions,
    IReadOnlyList<QuoteOptionResult> Options,
    int OptionsConsidered,
    IReadOnlyList<ExcludedOffer> Excluded,
    IReadOnlyList<string> Warnings)
{
    public double TotalFlops => Compute.TotalFlops;

    /// <summary>The warnings (a subset of <see cref="Warnings"/>) the basic view leaves out: energy, power, CO2, and what an option's capacity carries.</summary>
    public IReadOnlyList<string> DetailWarnings { get; init; } = [];
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
    IReadOnlyList<string> Warnings)
{
    /// <summary>The warnings (a subset of <see cref="Warnings"/>) the basic view leaves out, as for a quote.</summary>
    public IReadOnlyList<string> DetailWarnings { get; init; } = [];
}
