using System.Text.Json;
using Pricing.Catalog;

namespace Pricing.Quoting;

/// <summary>A cited figure with its range (fp4-training.json).</summary>
public sealed record Fp4Figure(double Value, double Low, double High, string Cite, string Source);

/// <summary>A cited statement without a figure (fp4-training.json's recipe).</summary>
public sealed record Fp4Citation(string Cite, string Source);

/// <summary>
/// Blackwell FP4 training (<c>Data/fp4-training.json</c>): the measured end-to-end NVFP4 speed-up over FP8, which the
/// efficiency model applies to an FP8 run where NVIDIA measured no NVFP4 run of the model, and the recipe that keeps
/// quality. Which accelerators train in FP4 is the accelerator registry's: those with a dense FP4 peak.
/// </summary>
public sealed class Fp4Training
{
    public Fp4Training(Fp4Figure speedupOverFp8, Fp4Citation recipe)
    {
        if (!(1 <= speedupOverFp8.Low && speedupOverFp8.Low <= speedupOverFp8.Value && speedupOverFp8.Value <= speedupOverFp8.High))
        {
            throw new InvalidDataException("fp4-training.json speedupOverFp8: needs 1 <= low <= value <= high.");
        }

        SpeedupOverFp8 = speedupOverFp8;
        Recipe = recipe;
    }

    public Fp4Figure SpeedupOverFp8 { get; }

    public Fp4Citation Recipe { get; }

    public static Fp4Training Default => DefaultInstance.Value;

    private static readonly Lazy<Fp4Training> DefaultInstance = new(() =>
    {
        using var stream = EmbeddedData.Open(typeof(Fp4Training).Assembly, "Pricing.Quoting.Data.fp4-training.json");
        var file = JsonSerializer.Deserialize<Fp4File>(stream, EmbeddedData.JsonOptions) ?? throw new InvalidDataException("fp4-training.json is empty.");
        return new Fp4Training(file.SpeedupOverFp8, file.Recipe);
    });

    private sealed record Fp4File(Fp4Figure SpeedupOverFp8, Fp4Citation Recipe);
}
