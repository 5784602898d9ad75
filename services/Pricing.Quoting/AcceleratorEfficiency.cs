using Pricing.Catalog;

namespace Pricing.Quoting;

/// <summary>
/// An accelerator type's part of every plan on it: its dense peak at the run's precision, the reference MFU row the
/// estimates start from (and its vendor curve, when vendor-based), the precision that row was measured in when the run's
/// has none (FP8 from BF16, FP4 from FP8) and the factor that converts it, and the run's FLOPs on the row's convention
/// (the attention term only where the row counted it).
/// </summary>
internal sealed record AcceleratorPlan(Accelerator Accelerator, Precision Precision, double PeakFlops, MfuRow MfuRow, Precision? DerivedFrom, double DerivedScale, double Flops, VendorCurve? Curve = null)
{
    /// <summary>The model-size factor is read against the chip's BF16 speed, whatever the precision.</summary>
    public double Bf16PeakFlops => Accelerator.PeakFlops(Precision.Bf16) ?? PeakFlops;
}

/// <summary>
/// Efficiency (docs/quote-model.md §2): the plan of an accelerator type (skipped, with a warning, without a registry
/// entry or a published peak), the MFU of a run on a cluster of it (the request's, or the efficiency model's, derived
/// from the nearest wider precision measured where none is measured in the run's), and the MFU its
/// assumptions report.
/// </summary>
internal sealed class AcceleratorEfficiency(AcceleratorRegistry registry, EfficiencyModel efficiency, ModelDefaults defaults, Fp4Training fp4Training)
{
    /// <summary>The accelerator type's plan for the spec, or null (and why, in <paramref name="warnings"/>) when its offers are skipped.</summary>
    public AcceleratorPlan? PlanFor(string acceleratorId, QuoteSpec spec, TrainingCompute compute, List<string> warnings)
    {
        if (!registry.TryGet(acceleratorId, out var accelerator))
        {
            warnings.Add($"Offers for '{acceleratorId}' skipped: not in the accelerator registry.");
            return null;
        }

        if (accelerator.PeakFlops(spec.Precision) is not { } peak || peak <= 0)
        {
            warnings.Add($"Offers for '{acceleratorId}' skipped: no published dense {spec.Precision.ToString().ToUpperInvariant()} peak.");
            return null;
        }

        var speedups = Speedups(accelerator);
        var row = efficiency.RowFor(acceleratorId, spec.Precision);
        Precision? derivedFrom = null;
        var scale = 1.0;
        VendorCurve? curve = null;
        if (row is not null)
        {
            (row, curve) = efficiency.Resolve(row, peak, speedups);
        }
        else if (MeasuredWider(accelerator, spec.Precision) is { } wider)
        {
            // No measured run in this precision: it is worth the cited speed-up over the measured one (no more than the peaks allow), not the peaks' ratio.
            (row, curve) = efficiency.Resolve(wider.Row, wider.Peak, speedups);
            derivedFrom = wider.Precision;
            scale = speedups.Converting(wider.Precision, spec.Precision) * wider.Peak / peak;
        }

        row ??= efficiency.Fallback with { AcceleratorId = acceleratorId };
        // The attention FLOPs count only where the MFU counted them: the row's convention, or PaLM's for a requested MFU.
        var flops = compute.DenseFlops + (row.CountsAttention || spec.Mfu is not null ? compute.AttentionFlops : 0);
        return new AcceleratorPlan(accelerator, spec.Precision, peak, row, derivedFrom, scale, flops, curve);
    }

    /// <summary>The nearest wider precision (FP8 for FP4, BF16 for FP8) with an MFU row and a peak on this accelerator; the enum runs from the widest format to the narrowest.</summary>
    private (Precision Precision, MfuRow Row, double Peak)? MeasuredWider(Accelerator accelerator, Precision precision)
    {
        for (var wider = precision - 1; wider >= Precision.Bf16; wider--)
        {
            if (efficiency.RowFor(accelerator.Id, wider) is { } row && accelerator.PeakFlops(wider) is { } peak && peak > 0)
            {
                return (wider, row, peak);
            }
        }

        return null;
    }

    /// <summary>MFU of the run on <paramref name="accelerators"/> accelerators in <paramref name="instances"/> instances of <paramref name="family"/>.</summary>
    public MfuEstimate Estimate(AcceleratorPlan plan, QuoteSpec spec, double accelerators, int instances, InstanceFamily? family)
    {
        if (spec.Mfu is { } m)
        {
            return new MfuEstimate(m, m, m, m, 1, 1, 1, 1, "request");
        }

        var estimate = efficiency.Estimate(plan.MfuRow, plan.Curve, spec.EffectiveActiveParameters, spec.Parameters, plan.Bf16PeakFlops, accelerators, instances, family);
        if (plan.DerivedFrom is not null)
        {
            var k = plan.DerivedScale;
            estimate = estimate with { Mfu = estimate.Mfu * k, Low = estimate.Low * k, High = estimate.High * k, BaseMfu = estimate.BaseMfu * k };
        }

        return estimate;
    }

    /// <summary>
    /// The MFU an accelerator type's assumptions report: its best option's estimate, or (without one) the reference row
    /// with the model's range; the source says when the precision's MFU is derived from a wider one.
    /// </summary>
    public (double Mfu, double Low, double High, string Source) Assumed(AcceleratorPlan plan, MfuEstimate? estimate)
    {
        var mfu = estimate?.Mfu ?? plan.MfuRow.Mfu * plan.DerivedScale;
        var derivedNote = plan.DerivedFrom is { } from ? DerivedNote(plan.Accelerator, from, plan.Precision) : "";
        var convention = estimate?.Source == "request" ? "" : plan.MfuRow.CountsAttention
            ? " [FLOPs: 6N + attention, as the row was measured]"
            : " [FLOPs: 6N; the row's MFU absorbs the attention work]";
        return (mfu, estimate?.Low ?? mfu * efficiency.RangeLow, estimate?.High ?? Math.Min(1, mfu * efficiency.RangeHigh), (estimate?.Source ?? plan.MfuRow.Source) + derivedNote + convention);
    }

    /// <summary>Says which measured precision a derived MFU comes from, and by which cited speed-ups.</summary>
    private string DerivedNote(Accelerator accelerator, Precision from, Precision to)
    {
        var speedups = Speedups(accelerator);
        var fp8 = $"{speedups.Fp8OverBf16:G3} FP8 speed-up, {defaults.Fp8SpeedupOverBf16.Source}";
        var fp4 = $"{speedups.Fp4OverFp8:G3} NVFP4 speed-up, {fp4Training.SpeedupOverFp8.Cite}";
        return (from, to) switch
        {
            (Precision.Bf16, Precision.Fp8) => $" (no measured FP8 run: BF16 MFU × {fp8})",
            (Precision.Fp8, _) => $" (no measured FP4 run: FP8 MFU × {fp4})",
            _ => $" (no measured FP4 or FP8 run: BF16 MFU × {fp8}; × {fp4})",
        };
    }

    /// <summary>
    /// FP8's speed over BF16 and FP4's over FP8: the cited speed-ups, never more than the chip's peak ratios (FP8 gains
    /// nothing on Trainium1, whose FP8 peak is its BF16 one).
    /// </summary>
    private PrecisionSpeedups Speedups(Accelerator accelerator)
    {
        double Capped(double cited, Precision wide, Precision narrow) =>
            accelerator.PeakFlops(wide) is { } w && w > 0 && accelerator.PeakFlops(narrow) is { } n ? Math.Min(cited, n / w) : cited;

        return new PrecisionSpeedups(
            Capped(defaults.Fp8SpeedupOverBf16.Value, Precision.Bf16, Precision.Fp8),
            Capped(fp4Training.SpeedupOverFp8.Value, Precision.Fp8, Precision.Fp4));
    }
}
