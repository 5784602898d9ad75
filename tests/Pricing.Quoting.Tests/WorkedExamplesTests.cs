using static Pricing.Quoting.Tests.TestData;

namespace Pricing.Quoting.Tests;

/// <summary>
/// The three worked examples of docs/quote-model.md, computed through the engine with the shipped defaults and
/// checked against the GPU-hours their model cards report. Each error must be the one the doc states (to 0.1
/// percentage point) and within the doc's stated bound of ±10%.
/// </summary>
public sealed class WorkedExamplesTests
{
    /// <summary>The bound docs/quote-model.md states for every worked example, with and without the attention term.</summary>
    private const double StatedBound = 0.10;

    public sealed record Example(
        string Name, double Parameters, double Tokens, int Layers, int DModel, int SequenceLength, string AcceleratorId,
        double ReportedGpuHours, double DocErrorDense, double DocErrorWithAttention);

    /// <summary>
    /// Llama 2 (arXiv:2307.09288 Table 1 and model card: 2T tokens, 4K context, A100-80GB GPU-hours 184,320 for 7B and
    /// 1,720,320 for 70B; shapes from Touvron et al. Table 2 / config); Llama 3.1 405B (arXiv:2407.21783: 15.6T tokens,
    /// 126 layers, d_model 16,384, 8K pre-training context; model card: 30.84M H100-80GB GPU-hours).
    /// </summary>
    public static readonly Example[] Examples =
    [
        new("Llama 2 7B", 7e9, 2e12, 32, 4096, 4096, "nvidia-a100-80gb", 184_320, -0.0509, +0.0947),
        new("Llama 2 70B", 70e9, 2e12, 80, 8192, 4096, "nvidia-a100-80gb", 1_720_320, +0.0169, +0.0949),
        new("Llama 3.1 405B", 405e9, 15.6e12, 126, 16384, 8192, "nvidia-h100-80gb", 30_840_000, -0.0414, +0.0387),
    ];

    public static TheoryData<string> Names => new(Examples.Select(e => e.Name));

    private static double EngineGpuHours(Example e, bool withAttention)
    {
        var spec = Spec(parameters: e.Parameters, tokens: e.Tokens, acceleratorIds: [e.AcceleratorId]);
        if (withAttention)
        {
            spec = spec with { Layers = e.Layers, DModel = e.DModel, SequenceLength = e.SequenceLength };
        }

        var offer = Offer(acceleratorId: e.AcceleratorId, instanceType: "worked-example-8x", price: 8m);
        return Assert.Single(Engine().Quote(spec, Prices(offer)).Options).AcceleratorHours;
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void The_engine_reproduces_the_reported_GPU_hours_within_the_stated_error(string name)
    {
        var e = Examples.Single(x => x.Name == name);

        var dense = (EngineGpuHours(e, withAttention: false) - e.ReportedGpuHours) / e.ReportedGpuHours;
        var withAttention = (EngineGpuHours(e, withAttention: true) - e.ReportedGpuHours) / e.ReportedGpuHours;

        Assert.True(Math.Abs(dense - e.DocErrorDense) < 0.001, $"{name}: 6ND error {dense:P2}, the doc says {e.DocErrorDense:P2}.");
        Assert.True(Math.Abs(withAttention - e.DocErrorWithAttention) < 0.001, $"{name}: error with attention {withAttention:P2}, the doc says {e.DocErrorWithAttention:P2}.");
        Assert.InRange(Math.Abs(dense), 0, StatedBound);
        Assert.InRange(Math.Abs(withAttention), 0, StatedBound);
    }
}
