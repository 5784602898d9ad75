using System.Text.Json.Serialization;

namespace Pricing.Catalog;

/// <summary>
/// A canonical accelerator with its published facts. Peaks are dense TFLOP/s; null where not published (FP4: where the
/// chip has no FP4 tensor cores, i.e. before Blackwell).
/// <see cref="Trainable"/> is false for inference parts: their offers stay in the catalog but never in a training quote.
/// <see cref="Kind"/> is <see cref="AcceleratorKind.CpuVcpu"/> for the one CPU row: its offers price a vCPU-hour (one
/// "accelerator" per vCPU) for the program's data processing and are never a training candidate.
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
    string? NotTrainableReason = null,
    AcceleratorKind Kind = AcceleratorKind.Accelerator)
{
    /// <summary>Dense FP4 (NVFP4) peak, TFLOP/s; null without FP4 tensor cores.</summary>
    public double? PeakDenseFp4Tflops { get; init; }

    /// <summary>True for the CPU row: priced per vCPU-hour, never trained on, never listed as an accelerator to choose.</summary>
    public bool IsCpu => Kind == AcceleratorKind.CpuVcpu;

    /// <summary>Dense peak FLOP/s for a training precision, or null when the vendor publishes none.</summary>
    public double? PeakFlops(Precision precision) => precision switch
    {
        Precision.Bf16 => PeakDenseBf16Tflops * 1e12,
        Precision.Fp8 => PeakDenseFp8Tflops * 1e12,
        Precision.Fp4 => PeakDenseFp4Tflops * 1e12,
        _ => null,
    };
}

/// <summary>The training precisions a quote can be asked in; FP4 is NVIDIA's NVFP4 (Blackwell).</summary>
public enum Precision
{
    Bf16 = 1,
    Fp8 = 2,
    Fp4 = 3,
}

/// <summary>What one unit of an offer's "accelerators" is: a training accelerator, or one vCPU of a CPU instance.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<AcceleratorKind>))]
public enum AcceleratorKind
{
    [JsonStringEnumMemberName("accelerator")]
    Accelerator = 0,

    [JsonStringEnumMemberName("cpu_vcpu")]
    CpuVcpu = 1,
}
