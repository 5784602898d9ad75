using static Pricing.Quoting.Tests.TestData;

namespace Pricing.Quoting.Tests;

/// <summary>
/// A "tokens" stage of the program (docs/quote-model.md §6a) costs pre-training's hours per token times its FLOPs per
/// token over pre-training's, both from the engine's one per-token formula (§1) at each one's own sequence length: a stage
/// at the run's length costs what pre-training costs per token, a longer one more, as 12·L·w·s grows.
/// </summary>
public sealed class StageFlopsTests
{
    private const double Layers = 80, DModel = 8192;

    private static readonly ProgramStageDefault LongContext = ProgramDefaults.Default.Stages.Single(s => s.Name == "long_context");

    private static QuoteSpec Shaped(int sequenceLength) =>
        Spec(parameters: 70e9, tokens: 1.4e12, acceleratorCount: 64, mfu: 0.4) with { Goodput = 0.9, Layers = (int)Layers, DModel = (int)DModel, SequenceLength = sequenceLength };

    private static TrainingProgram Program(QuoteSpec spec) => Assert.Single(Engine().Quote(spec, Prices(P5())).Options).Program!;

    /// <summary>A stage's hours per token over pre-training's, with its MFU factor taken out: its FLOP ratio.</summary>
    private static double StageFlopRatio(TrainingProgram program)
    {
        var (pre, stage) = (program.Stages[0], program.Stages.Single(s => s.Name == "long_context"));
        return stage.AcceleratorHours / stage.Tokens / (pre.AcceleratorHours / pre.Tokens) * LongContext.MfuFactor;
    }

    [Fact]
    public void The_run_is_timed_on_the_same_per_token_formula_the_stages_use()
    {
        var spec = Shaped(8192);
        var compute = new TrainingComputeModel(ModelDefaults.Default).ComputeFor(spec);

        Close(TrainingComputeModel.FlopsPerToken(70e9, Layers, DModel, 8192), compute.TotalFlops / compute.Tokens);
        Assert.Equal(8192, compute.SequenceLength);
    }

    [Fact]
    public void A_stage_at_the_runs_own_sequence_length_has_a_FLOP_ratio_of_exactly_one()
    {
        var program = Program(Shaped(LongContext.SequenceLength));

        Close(1, StageFlopRatio(program), 1e-9);
    }

    [Fact]
    public void A_long_context_stage_costs_per_token_what_the_engines_formula_says_at_its_length()
    {
        var program = Program(Shaped(8192));

        var expected = TrainingComputeModel.FlopsPerToken(70e9, Layers, DModel, LongContext.SequenceLength)
            / TrainingComputeModel.FlopsPerToken(70e9, Layers, DModel, 8192);
        Assert.True(expected > 1);
        Close(expected, StageFlopRatio(program), 1e-9);
    }

    [Fact]
    public void The_ratio_grows_with_the_stages_sequence_length_by_the_attention_term_alone()
    {
        var stages = new ProgramStages(ProgramDefaults.Default);
        var spec = Shaped(8192);
        var run = new PreTrainingRun(1.4e12, 8192, 1, 1, 1, 0.4, 1m, 1m, 1m, 1m);
        double Ratio(int length) => stages.FlopRatio(spec, run, LongContext with { SequenceLength = length });

        int[] lengths = [8192, 16384, 32768, 65536, 131072];
        var ratios = lengths.Select(Ratio).ToList();
        Assert.Equal(1, ratios[0]);
        Assert.Equal(ratios.Order(), ratios);
        // Linear in s: each extra token of context adds 12·L·w FLOPs per token, over pre-training's per-token FLOPs.
        var perToken = TrainingComputeModel.FlopsPerToken(70e9, Layers, DModel, 8192);
        Assert.All(lengths, s => Close(1 + 12 * Layers * DModel * (s - 8192) / perToken, Ratio(s), 1e-12));
    }
}
