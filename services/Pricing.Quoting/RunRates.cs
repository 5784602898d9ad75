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
        var parts = goodput.For(spec, accelerators, goodput.Hosts(offer, accelerators, (int)instanceCount), spotRate, terms, productiveHours);
        var perGoodput = plan.PeakFlops * SecondsPerHour;
        // The range: MFU's low-high times goodput at the maturity levels either side (docs/quote-model.md §4).
        var (fast, slow) = (parts.GoodputHigh > 0 ? parts.GoodputHigh : parts.Goodput, parts.GoodputLow > 0 ? parts.GoodputLow : parts.Goodput);
        return new RunRate(estimate, parts, flops / (perGoodput * parts.Goodput * estimate.Mfu), flops / (perGoodput * fast * estimate.High),
            flops / (perGoodput * slow * estimate.Low));
    }
}
