namespace Pricing.Quoting.Levers;

/// <summary>
/// A program whose training runs faster by a measured factor (the fp4 lever: the FP8 program at NVFP4's speed-up):
/// every stage and the experiments take 1/speedup of their accelerator-hours, and cost a factor of
/// what they did (1/speedup when hour-billed; 1 under a commitment, whose term is billed whatever the run takes); energy
/// follows the hours. What does not depend on the run's speed (staff, data, annotation, licensing, storage) stays.
/// </summary>
public static class ProgramSpeedup
{
    public static TrainingProgram Faster(TrainingProgram program, double speedup, decimal costFactor)
    {
        decimal Cost(decimal amount) => decimal.Round(amount * costFactor, 2, MidpointRounding.AwayFromZero);
        // Energy is paid per kWh, not per billed hour: it follows the hours even under a commitment.
        decimal Hours(decimal amount) => decimal.Round(amount / (decimal)speedup, 2, MidpointRounding.AwayFromZero);

        var stages = program.Stages.Select(s => s with
        {
            AcceleratorHours = s.AcceleratorHours / speedup, Cost = Cost(s.Cost), CostLow = Cost(s.CostLow), CostHigh = Cost(s.CostHigh),
        }).ToList();
        // Only the lines that are accelerator time shrink with the speed-up.
        var lines = program.Lines.Select(l => l.Name switch
        {
            ProgramLineNames.Experiments => l with { Amount = Cost(l.Amount), Low = Cost(l.Low), High = Cost(l.High) },
            ProgramLineNames.Energy => l with { Amount = Hours(l.Amount), Low = Hours(l.Low), High = Hours(l.High) },
            _ => l,
        }).ToList();
        return TrainingProgram.Summed(stages, lines, program.Owner, program.StaffShareSource, program.AcceleratorHours / speedup);
    }
}
