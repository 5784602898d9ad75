using Pricing.Catalog;

namespace Pricing.Quoting;

/// <summary>
/// An accelerator type's part of every plan on it: its dense peak at the run's precision, the reference MFU row the
/// estimates start from (and its vendor curve, when vendor-based), whether that row is BF16 scaled to FP8 (and by how
/// much), and the run's FLOPs on the row's convention (the attention term only where the row counted it).
/// </summary>
internal sealed record AcceleratorPlan(Accelerator Accelerator, double PeakFlops, MfuRow MfuRow, bool Fp8Derived, double Fp8Scale, double Flops, VendorCurve? Curve = null)
{
    /// <summary>The model-size factor is read against the chip's BF16 speed, whatever the precision.</summary>
    public double Bf16PeakFlops => Accelerator.PeakFlops(Precision.Bf16) ?? PeakFlops;
}

/// <summary>
/// Efficiency (docs/quote-model.md §2): the plan of an accelerator type (skipped, with a warning, without a registry
/// entry or a published peak), the MFU of a run on a cluster of it (the request's, or the efficiency model's with
/// FP8 derived from BF16 where no FP8 run is measured), and the MFU its assumptions report.
/// </summary>
internal sealed class AcceleratorEfficiency(AcceleratorRegistry registry, EfficiencyModel efficiency, ModelDefaults defaults)
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

        var speedup = Fp8Speedup(accelerator);
        var row = efficiency.RowFor(acceleratorId, spec.Precision);
        var fp8Derived = false;
        var fp8Scale = 1.0;
        VendorCurve? curve = null;
        if (row is not null)
        {
            (row, curve) = efficiency.Resolve(row, peak, speedup);
        }
        else if (spec.Precision == Precision.Fp8 && efficiency.RowFor(acceleratorId, Precision.Bf16) is { } bf16 && accelerator.PeakFlops(Precision.Bf16) is { } bf16Peak)
        {
            // No measured FP8 run: FP8 is worth the cited speed-up over BF16 (no more than its peaks allow), not the 2x of the peaks.
            (row, curve) = efficiency.Resolve(bf16, bf16Peak, speedup);
            fp8Derived = true;
            fp8Scale = speedup * bf16Peak / peak;
        }

        row ??= efficiency.Fallback with { AcceleratorId = acceleratorId };
        // The attention FLOPs count only where the MFU counted them: the row's convention, or PaLM's for a requested MFU.
        var flops = compute.DenseFlops + (row.CountsAttention || spec.Mfu is not null ? compute.AttentionFlops : 0);
        return new AcceleratorPlan(accelerator, peak, row, fp8Derived, fp8Scale, flops, curve);
    }

    /// <summary>MFU of the run on <paramref name="accelerators"/> accelerators in <paramref name="instances"/> instances of <paramref name="family"/>.</summary>
    public MfuEstimate Estimate(AcceleratorPlan plan, QuoteSpec spec, double accelerators, int instances, InstanceFamily? family)
    {
        if (spec.Mfu is { } m)
        {
            return new MfuEstimate(m, m, m, m, 1, 1, 1, 1, "request");
        }

        var estimate = efficiency.Estimate(plan.MfuRow, plan.Curve, spec.EffectiveActiveParameters, spec.Parameters, plan.Bf16PeakFlops, accelerators, instances, family);
        if (plan.Fp8Derived)
        {
            var k = plan.Fp8Scale;
            estimate = estimate with { Mfu = estimate.Mfu * k, Low = estimate.Low * k, High = estimate.High * k, BaseMfu = estimate.BaseMfu * k };
        }

        return estimate;
    }

    /// <summary>
    /// The MFU an accelerator type's assumptions report: its best option's estimate, or (without one) the reference row
    /// with the model's range; the source says when FP8 is derived from BF16.
    /// </summary>
    public (double Mfu, double Low, double High, string Source) Assumed(AcceleratorPlan plan, MfuEstimate? estimate)
    {
        var mfu = estimate?.Mfu ?? plan.MfuRow.Mfu * plan.Fp8Scale;
        var fp8Note = plan.Fp8Derived ? $" (no measured FP8 run: BF16 MFU × {Fp8Speedup(plan.Accelerator):G3} FP8 speed-up, {defaults.Fp8SpeedupOverBf16.Source})" : "";
        var convention = estimate?.Source == "request" ? "" : plan.MfuRow.CountsAttention
            ? " [FLOPs: 6N + attention, as the row was measured]"
            : " [FLOPs: 6N; the row's MFU absorbs the attention work]";
        return (mfu, estimate?.Low ?? mfu * efficiency.RangeLow, estimate?.High ?? Math.Min(1, mfu * efficiency.RangeHigh), (estimate?.Source ?? plan.MfuRow.Source) + fp8Note + convention);
    }

    /// <summary>FP8's speed over BF16: the cited speed-up, never more than the chip's FP8 peak over its BF16 peak (1 on Trainium1).</summary>
    private double Fp8Speedup(Accelerator accelerator) =>
        accelerator.PeakFlops(Precision.Bf16) is { } bf16 && bf16 > 0 && accelerator.PeakFlops(Precision.Fp8) is { } fp8
            ? Math.Min(defaults.Fp8SpeedupOverBf16.Value, fp8 / bf16)
            : defaults.Fp8SpeedupOverBf16.Value;
}
