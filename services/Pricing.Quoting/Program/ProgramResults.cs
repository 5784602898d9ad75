namespace Pricing.Quoting;

/// <summary>
/// One stage of the program: its tokens (pre-training-equivalent for the compute-share stages), accelerator-hours on
/// the option's cluster, MFU, and cost at the option's rate with its low-high range.
/// </summary>
public sealed record ProgramStage(string Name, double Tokens, double AcceleratorHours, double Mfu, decimal Cost, decimal CostLow, decimal CostHigh, string Source);

/// <summary>One line of the program beyond the stages (experiments, staff, data, energy …), with its range and source.
/// Optional lines are shown but not summed (energy is inside the cloud rent).</summary>
public sealed record ProgramLine(string Name, decimal Amount, decimal Low, decimal High, bool Optional, string Detail, string Source);

/// <summary>
/// Rent or own (Epoch AI's amortised-hardware method): an owner's cost of one accelerator-hour, the server price per
/// accelerator grossed up for the cluster interconnect, spread over the server's life, plus power at the owner's
/// electricity price; beside the rent the option pays.
/// </summary>
public sealed record OwnerCost(
    decimal PerAcceleratorHour,
    decimal Low,
    decimal High,
    decimal RentPerAcceleratorHour,
    decimal ServerPricePerAccelerator,
    double InterconnectShare,
    double LifeYears,
    decimal HardwarePerAcceleratorHour,
    decimal PowerPerAcceleratorHour,
    double ElectricityUsdPerKwh,
    string Source);

/// <summary>
/// What getting the model costs (docs/quote-model.md §6a): the stages from pre-training to evaluation and the lines
/// beyond them, each a range; the totals sum the stages and the lines that are not optional.
/// </summary>
public sealed record TrainingProgram(
    IReadOnlyList<ProgramStage> Stages,
    IReadOnlyList<ProgramLine> Lines,
    decimal Total,
    decimal TotalLow,
    decimal TotalHigh,
    OwnerCost? Owner)
{
    /// <summary>The staff line's share of the total, to hold against Epoch AI's 29-49%.</summary>
    public double StaffShare { get; init; }

    public string StaffShareSource { get; init; } = "";

    /// <summary>Accelerator-hours of every stage and of the experiments.</summary>
    public double AcceleratorHours { get; init; }
}
