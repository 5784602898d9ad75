using System.Text.Json;
using Pricing.Catalog;

namespace Pricing.Quoting.Levers;

/// <summary>An accelerator with FP4 tensor cores (Blackwell), its dense FP4 peak and the source.</summary>
public sealed record Fp4Accelerator(string AcceleratorId, double PeakDenseFp4Tflops, string Source);

/// <summary>A cited figure with its range (fp4-training.json).</summary>
public sealed record Fp4Figure(double Value, double Low, double High, string Cite, string Source);

/// <summary>A cited statement without a figure (fp4-training.json's recipe).</summary>
public sealed record Fp4Citation(string Cite, string Source);

/// <summary>
/// Blackwell FP4 training (<c>Data/fp4-training.json</c>): which accelerators can train in NVFP4, the measured
/// end-to-end speed-up over FP8 and the recipe the fp4 lever assumes keeps quality.
/// </summary>
public sealed class Fp4Training
{
    private readonly Dictionary<string, Fp4Accelerator> _byId;

    public Fp4Training(Fp4Figure speedupOverFp8, Fp4Citation recipe, IEnumerable<Fp4Accelerator> accelerators)
    {
        if (!(1 <= speedupOverFp8.Low && speedupOverFp8.Low <= speedupOverFp8.Value && speedupOverFp8.Value <= speedupOverFp8.High))
        {
            throw new InvalidDataException("fp4-training.json speedupOverFp8: needs 1 <= low <= value <= high.");
        }

        SpeedupOverFp8 = speedupOverFp8;
        Recipe = recipe;
        _byId = accelerators.ToDictionary(a => a.AcceleratorId, StringComparer.Ordinal);
    }

    public Fp4Figure SpeedupOverFp8 { get; }

    public Fp4Citation Recipe { get; }

    public IReadOnlyCollection<Fp4Accelerator> Accelerators => _byId.Values;

    /// <summary>The accelerator's FP4 row, or null when it has no FP4 tensor cores.</summary>
    public Fp4Accelerator? For(string acceleratorId) => _byId.GetValueOrDefault(acceleratorId);

    public static Fp4Training Default => DefaultInstance.Value;

    private static readonly Lazy<Fp4Training> DefaultInstance = new(() =>
    {
        using var stream = EmbeddedData.Open(typeof(Fp4Training).Assembly, "Pricing.Quoting.Data.fp4-training.json");
        var file = JsonSerializer.Deserialize<Fp4File>(stream, EmbeddedData.JsonOptions) ?? throw new InvalidDataException("fp4-training.json is empty.");
        return new Fp4Training(file.SpeedupOverFp8, file.Recipe, file.Accelerators);
    });

    private sealed record Fp4File(Fp4Figure SpeedupOverFp8, Fp4Citation Recipe, List<Fp4Accelerator> Accelerators);
}
