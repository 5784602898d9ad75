namespace Pricing.Quoting.Levers;

/// <summary>
/// A program whose training runs faster by a measured factor (the fp4 lever: the FP8 program at NVFP4's speed-up):
/// every stage and the experiments take 1/speedup of their accelerator-hours, and cost a factor of
/// what they did (1/speedup when hour-billed; 1 under a commitment, whose term is billed whatever the run takes); energy
/// follows the hours. What does not depend on the run's speed (staff, data, annotation, licensing, storage) stays.
/// </summary>
public static class ProgramSpeedup
{
    /// <summary>The program lines that are accelerator-time, and so shrink with the speed-up.</summary>
    private static readonly HashSet<string> ComputeLines = new(StringComparer.Ordinal) { "experiments", "energy" };

    public static TrainingProgram Faster(TrainingProgram program, double speedup, decimal costFactor)
    {
        decimal Cost(decimal amount) => decimal.Round(amount * costFactor, 2, MidpointRounding.AwayFromZero);
        // Energy is paid per kWh, not per billed hour: it follows the hours even under a commitment.
        decimal Hours(decimal amount) => decimal.Round(amount / (decimal)speedup, 2, MidpointRounding.AwayFromZero);

        var stages = program.Stages.Select(s => s with
        {
            AcceleratorHours = s.AcceleratorHours / speedup, Cost = Cost(s.Cost), CostLow = Cost(s.CostLow), CostHigh = Cost(s.CostHigh),
        }).ToList();
        var lines = program.Lines.Select(l => !ComputeLines.Contains(l.Name)
            ? l
            : l.Name == "energy"
                ? l with { Amount = Hours(l.Amount), Low = Hours(l.Low), High = Hours(l.High) }
                : l with { Amount = Cost(l.Amount), Low = Cost(l.Low), High = Cost(l.High) }).ToList();
        var summed = lines.Where(l => !l.Optional).ToList();
        var total = stages.Sum(s => s.Cost) + summed.Sum(l => l.Amount);
        var staff = lines.FirstOrDefault(l => l.Name == "staff")?.Amount ?? 0;
        return program with
        {
            Stages = stages,
            Lines = lines,
            Total = total,
            TotalLow = stages.Sum(s => s.CostLow) + summed.Sum(l => l.Low),
            TotalHigh = stages.Sum(s => s.CostHigh) + summed.Sum(l => l.High),
            AcceleratorHours = program.AcceleratorHours / speedup,
            StaffShare = total > 0 ? (double)(staff / total) : 0,
        };
    }
}
