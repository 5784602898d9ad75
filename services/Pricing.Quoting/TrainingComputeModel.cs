using Pricing.Catalog;

namespace Pricing.Quoting;

/// <summary>
/// Compute and memory of a run before any offer (docs/quote-model.md §1 and §3): tokens, FLOPs and model state, the
/// global batch and the most accelerators it keeps busy, activations per accelerator and the memory left for the state.
/// </summary>
internal sealed class TrainingComputeModel(ModelDefaults defaults)
{
    /// <summary>Bytes of model state per parameter for the spec's optimizer setup.</summary>
    public double BytesPerParameter(QuoteSpec spec) =>
        string.Equals(spec.OptimizerSetup, "zero", StringComparison.OrdinalIgnoreCase) ? defaults.BytesPerParameter.Value : defaults.BytesPerParameterMegatron.Value;

    /// <summary>
    /// Tokens per optimizer step: the request's, or DeepSeek LLM's batch law B = 0.2920 · C^0.3271 for the run's compute
    /// C = 6 · active parameters · tokens, no larger than the largest published batch (each with its source).
    /// </summary>
    public (double Tokens, string Source) GlobalBatch(QuoteSpec spec)
    {
        if (spec.GlobalBatchTokens > 0)
        {
            return (spec.GlobalBatchTokens, "request");
        }

        var flops = 6.0 * spec.EffectiveActiveParameters * Tokens(spec);
        var law = defaults.BatchLawCoefficient.Value * Math.Pow(Math.Max(1, flops), defaults.BatchLawExponent.Value);
        var max = defaults.MaxGlobalBatchTokens.Value;
        return law < max
            ? (Math.Max(1, Math.Round(law)), $"batch law B = {defaults.BatchLawCoefficient.Value:G4} × C^{defaults.BatchLawExponent.Value:G4} at C = {flops:G3} FLOPs ({defaults.BatchLawCoefficient.Source})")
            : (max, $"the largest published batch, below the batch law's {law / 1e6:G3}M tokens ({defaults.MaxGlobalBatchTokens.Source})");
    }

    /// <summary>The sequence length of the run: the request's, else the assumed one.</summary>
    public double SequenceTokens(QuoteSpec spec) => spec.SequenceLength > 0 ? spec.SequenceLength : defaults.TokensPerContextRank.Value;

    /// <summary>
    /// The most accelerators a global batch keeps busy when tensor parallelism is <paramref name="tensorParallel"/> wide:
    /// a data-parallel replica is TP × PP × CP accelerators (CP = sequence / tokens per context rank) and takes at least
    /// PP micro-batches of one sequence per step, so replicas ≤ batch / (sequence · PP) and accelerators ≤ batch · TP · CP / sequence.
    /// </summary>
    public long LargestUsefulAccelerators(QuoteSpec spec, int tensorParallel = MaxTensorParallel)
    {
        var sequence = SequenceTokens(spec);
        var contextParallel = Math.Max(1, Math.Ceiling(sequence / defaults.TokensPerContextRank.Value - QuoteRounding.Slack));
        var replicas = GlobalBatch(spec).Tokens / sequence;
        return (long)Math.Min(long.MaxValue / 2.0, Math.Max(1, Math.Floor(replicas * Math.Max(1, tensorParallel) * contextParallel + QuoteRounding.Slack)));
    }

    /// <summary>Tensor parallelism stays inside the NVLink / ICI domain, at most 8 wide (Megatron practice).</summary>
    public const int MaxTensorParallel = 8;

    private double Tokens(QuoteSpec spec) =>
        spec.Chinchilla && spec.Tokens <= 0 ? defaults.ChinchillaTokensPerParameter.Value * spec.EffectiveActiveParameters : spec.Tokens;

    /// <summary>Tokens, FLOPs and model state of the run, before any offer.</summary>
    public TrainingCompute ComputeFor(QuoteSpec spec)
    {
        var chinchilla = spec.Chinchilla && spec.Tokens <= 0;
        var tokens = Tokens(spec);
        var dense = DenseFlopsPerToken(spec.EffectiveActiveParameters) * tokens;
        var width = spec.AttentionWidth > 0 ? spec.AttentionWidth : (double)spec.DModel;
        var attention = spec.HasAttentionShape ? AttentionFlopsPerToken(spec.Layers, width, spec.SequenceLength) * tokens : 0;
        return new TrainingCompute(tokens, chinchilla, dense, attention, BytesPerParameter(spec) * spec.Parameters, SequenceTokens(spec));
    }

    /// <summary>
    /// Training FLOPs per token (forward and backward, docs/quote-model.md §1): the dense 6·N_active plus the attention
    /// 12·L·w·s at sequence length s. The one formula for the run and for every stage of the program (§6a), so a ratio
    /// of two of them compares like with like.
    /// </summary>
    public static double FlopsPerToken(double activeParameters, double layers, double attentionWidth, double sequenceLength) =>
        DenseFlopsPerToken(activeParameters) + AttentionFlopsPerToken(layers, attentionWidth, sequenceLength);

    /// <summary>6·N_active (Kaplan et al. 2020 §2.1).</summary>
    public static double DenseFlopsPerToken(double activeParameters) => 6.0 * activeParameters;

    /// <summary>12·L·w·s: the attention scores and their weighted sum, forward and backward, uncausal as PaLM counts it (arXiv:2204.02311 App. B).</summary>
    public static double AttentionFlopsPerToken(double layers, double attentionWidth, double sequenceLength) => 12.0 * layers * attentionWidth * sequenceLength;

    /// <summary>
    /// Activation bytes one accelerator holds with full recomputation and a micro-batch of one sequence
    /// (Korthikanti et al. 2022): the layer inputs 2·s·h·L plus one layer's working set 34·s·h, over the tensor-parallel
    /// width <paramref name="tensorParallel"/> (sequence parallelism splits both). 0 without the model shape.
    /// </summary>
    internal static double ActivationBytes(QuoteSpec spec, int tensorParallel)
    {
        if (!spec.HasAttentionShape)
        {
            return 0;
        }

        var sh = (double)spec.SequenceLength * spec.DModel;
        return (2 * sh * spec.Layers + 34 * sh) / Math.Max(1, tensorParallel);
    }

    /// <summary>
    /// Memory one accelerator has left for the model state: all of it less the activations when the model shape is given
    /// (and no allowance is asked), else less the activation allowance. Not positive: one sequence does not fit.
    /// </summary>
    public double UsableBytes(QuoteSpec spec, Accelerator accelerator, double activationBytes) =>
        spec.HasAttentionShape && spec.ActivationAllowance is null
            ? accelerator.MemoryGb * 1e9 - activationBytes
            : accelerator.MemoryGb * 1e9 * (1 - (spec.ActivationAllowance ?? defaults.ActivationAllowance.Value));

    /// <summary>
    /// The memory fit an accelerator type's assumptions report, as the per-offer fit does: activations from the model
    /// shape (tensor parallel 8) when given, else the allowance; the fewest accelerators whose memory holds the state.
    /// </summary>
    public (double ActivationBytes, double Allowance, long MinAccelerators) MemoryFit(QuoteSpec spec, Accelerator accelerator, TrainingCompute compute)
    {
        var activation = spec is { HasAttentionShape: true, ActivationAllowance: null } ? ActivationBytes(spec, 8) : 0;
        var allowance = activation > 0 ? Math.Min(1, activation / (accelerator.MemoryGb * 1e9)) : spec.ActivationAllowance ?? defaults.ActivationAllowance.Value;
        var usable = Math.Max(1, accelerator.MemoryGb * 1e9 * (1 - allowance));
        var minAccelerators = (long)Math.Min(long.MaxValue / 2.0, Math.Max(1, Math.Ceiling(compute.ModelStateBytes / usable - QuoteRounding.Slack)));
        return (activation, allowance, minAccelerators);
    }
}
