using Pricing.Catalog;

namespace Pricing.Quoting;

/// <summary>A run on one cluster: its MFU and goodput, and the accelerator-hours they give (expected, fast end, slow end).</summary>
internal sealed record RunRate(MfuEstimate Mfu, GoodputParts Goodput, double AcceleratorHours, double AcceleratorHoursLow, double AcceleratorHoursHigh);

/// <summary>Accelerator-hours = FLOPs / (peak · MFU(run) · goodput(failure model) · 3600), on a cluster of one offer's instances.</summary>
internal sealed class RunRateModel(AcceleratorEfficiency efficiency, RunGoodput goodput)
{
    private const double SecondsPerHour = 3600.0;

    /// <summary>MFU, goodput and accelerator-hours of the run on <paramref name="instanceCount"/> instances of the offer.</summary>
    public RunRate Rate(AcceleratorPlan plan, QuoteSpec spec, Offer offer, InstanceFamily? family, double instanceCount, double spotRate, PricingTerms? terms)
    {
        var accelerators = instanceCount * (double)offer.AcceleratorsPerInstance;
        var estimate = efficiency.Estimate(plan, spec, accelerators, (int)instanceCount, family);
        var flops = plan.Flops;
        var productiveHours = flops / (plan.PeakFlops * estimate.Mfu * SecondsPerHour * accelerators);
        var parts = goodput.For(spec, accelerators, (int)instanceCount, spotRate, terms, productiveHours);
        var denominator = plan.PeakFlops * parts.Goodput * SecondsPerHour;
        return new RunRate(estimate, parts, flops / (denominator * estimate.Mfu), flops / (denominator * estimate.High), flops / (denominator * estimate.Low));
    }
}
