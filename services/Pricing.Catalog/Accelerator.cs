namespace Pricing.Catalog;

/// <summary>
/// A canonical accelerator with its published facts. Peaks are dense TFLOP/s; null where not published.
/// <see cref="Trainable"/> is false for inference parts: their offers stay in the catalog but never in a training quote.
/// </summary>
public sealed record Accelerator(
    string Id,
    string Vendor,
    string Name,
    double MemoryGb,
    double? PeakDenseBf16Tflops,
    double? PeakDenseFp8Tflops,
    double? TdpWatts,
    string Source,
    bool Trainable = true,
    string? NotTrainableReason = null)
{
    /// <summary>Dense peak FLOP/s for a training precision, or null when the vendor publishes none.</summary>
    public double? PeakFlops(Precision precision) => precision switch
    {
        Precision.Bf16 => PeakDenseBf16Tflops * 1e12,
        Precision.Fp8 => PeakDenseFp8Tflops * 1e12,
        _ => null,
    };
}

public enum Precision
{
    Bf16 = 1,
    Fp8 = 2,
}
