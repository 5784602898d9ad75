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

    /// <summary>
    /// A program from its stages and lines: the totals sum the stages and the lines that are not optional, and the staff
    /// share is the staff line's part of the total (one rule for the program as quoted and as a lever changes it).
    /// </summary>
    public static TrainingProgram Summed(IReadOnlyList<ProgramStage> stages, IReadOnlyList<ProgramLine> lines, OwnerCost? owner,
        string staffShareSource, double acceleratorHours)
    {
        var summed = lines.Where(l => !l.Optional).ToList();
        var total = stages.Sum(s => s.Cost) + summed.Sum(l => l.Amount);
        var staff = lines.FirstOrDefault(l => l.Name == ProgramLineNames.Staff)?.Amount ?? 0;
        return new TrainingProgram(stages, lines, total, stages.Sum(s => s.CostLow) + summed.Sum(l => l.Low), stages.Sum(s => s.CostHigh) + summed.Sum(l => l.High), owner)
        {
            StaffShare = total > 0 ? (double)(staff / total) : 0,
            StaffShareSource = staffShareSource,
            AcceleratorHours = acceleratorHours,
        };
    }
}

/// <summary>The names of the program's lines (stable: the CLI, the Dashboard and scripts key on them).</summary>
public static class ProgramLineNames
{
    public const string RunStorageAndBringUp = "run_storage_and_bring_up";
    public const string Experiments = "experiments";
    public const string Staff = "staff";
    public const string DataProcessing = "data_processing";
    public const string Annotation = "annotation";
    public const string Licensing = "licensing";
    public const string Energy = "energy";
}
