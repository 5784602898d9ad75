using static Pricing.Quoting.QuoteRounding;

namespace Pricing.Quoting;

/// <summary>What the stages are priced from: the option's pre-training run and its rate.</summary>
internal sealed record PreTrainingRun(
    double Tokens,
    double SequenceLength,
    double AcceleratorHours,
    double AcceleratorHoursLow,
    double AcceleratorHoursHigh,
    double Mfu,
    decimal Rate,
    decimal Cost,
    decimal CostLow,
    decimal CostHigh);

/// <summary>
/// The stages of the program (docs/quote-model.md §6a): pre-training as quoted, then each stage of
/// <c>program-defaults.json</c> on the same cluster at the same rate. A "tokens" stage costs its tokens at the
/// pre-training hours per token, times its FLOPs per token over pre-training's (the engine's one formula, each at its own
/// sequence length), over its MFU factor; a "compute" stage is a share of pre-training's accelerator-hours.
/// Tokens the request gives for a stage replace its share (0 skips it); the range then comes from the run alone.
/// </summary>
internal sealed class ProgramStages(ProgramDefaults defaults)
{
    public const string PreTraining = "pre_training";

    public IReadOnlyList<ProgramStage> For(QuoteSpec spec, PreTrainingRun run)
    {
        var stages = new List<ProgramStage>
        {
            new(PreTraining, run.Tokens, run.AcceleratorHours, run.Mfu, run.Cost, run.CostLow, run.CostHigh, "the quoted run"),
        };
        foreach (var stage in defaults.Stages)
        {
            stages.Add(Stage(spec, run, stage));
        }

        return stages;
    }

    private ProgramStage Stage(QuoteSpec spec, PreTrainingRun run, ProgramStageDefault stage)
    {
        var given = spec.StageTokens.TryGetValue(stage.Name, out var tokensGiven);
        var hoursPerToken = run.Tokens > 0 ? 1.0 / run.Tokens : 0;
        double Hours(double share, double preTrainingHours, double tokens) => stage.Kind == ProgramStageDefault.TokensKind
            ? tokens * preTrainingHours * hoursPerToken * FlopRatio(spec, run, stage) / stage.MfuFactor
            : given ? tokens * preTrainingHours * hoursPerToken : share * preTrainingHours;

        var (tokens, low, high) = given
            ? (tokensGiven, tokensGiven, tokensGiven)
            : (stage.Share * run.Tokens, stage.Low * run.Tokens, stage.High * run.Tokens);
        var hours = Hours(stage.Share, run.AcceleratorHours, tokens);
        var hoursLow = Hours(given ? 0 : stage.Low, run.AcceleratorHoursLow, low);
        var hoursHigh = Hours(given ? 0 : stage.High, run.AcceleratorHoursHigh, high);
        var source = (given ? "request; " : "") + (stage.Kind == ProgramStageDefault.ComputeKind ? "pre-training-equivalent tokens; " : "") + stage.Cite;
        return new ProgramStage(stage.Name, tokens, hours, run.Mfu * stage.MfuFactor, Money(hours, run.Rate), Money(hoursLow, run.Rate), Money(hoursHigh, run.Rate), source);
    }

    /// <summary>
    /// FLOPs per token of a stage over pre-training's: the engine's per-token FLOPs (6·N_active + 12·L·w·s,
    /// <see cref="TrainingComputeModel.FlopsPerToken"/>) at the stage's sequence length over the same at the run's, so a
    /// stage at the run's length is 1; the shape is the request's, or estimated from the parameters when not given.
    /// </summary>
    internal double FlopRatio(QuoteSpec spec, PreTrainingRun run, ProgramStageDefault stage)
    {
        if (stage.SequenceLength <= 0 || run.SequenceLength <= 0)
        {
            return 1;
        }

        var (layers, width) = Shape(spec);
        var active = spec.EffectiveActiveParameters;
        return TrainingComputeModel.FlopsPerToken(active, layers, width, stage.SequenceLength)
            / TrainingComputeModel.FlopsPerToken(active, layers, width, run.SequenceLength);
    }

    /// <summary>Layers and attention width: the request's, else from N = 12·L·d² with d = r·L (r = d_model per layer).</summary>
    internal (double Layers, double Width) Shape(QuoteSpec spec)
    {
        if (spec.Layers > 0 && spec.DModel > 0)
        {
            return (spec.Layers, spec.AttentionWidth > 0 ? spec.AttentionWidth : spec.DModel);
        }

        var r = defaults.WidthPerLayer.Value;
        var layers = Math.Cbrt(spec.EffectiveActiveParameters / (12 * r * r));
        return (layers, r * layers);
    }
}
