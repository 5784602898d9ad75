using System.Globalization;
using Pricing.Catalog;

namespace Pricing.Quoting;

/// <summary>
/// Cluster sizing and exclusions (docs/quote-model.md §3): fits the run on one offer as a cluster of whole instances
/// that holds the model, that the global batch keeps busy, joined by a training-grade fabric when it spans more
/// instances than may join one job without one, sized to the requested count, the deadline, or the default deadline;
/// then its cost. An offer that cannot run the training as asked is excluded with the reason.
/// </summary>
internal sealed class ClusterSizer(InstanceCapabilities families, TrainingComputeModel compute, RunRateModel rates, RunGoodput goodput, ModelDefaults defaults, CapacityRules capacity)
{
    /// <summary>Past this a "cost" says the inputs are wrong (and money stays far inside its int64 units).</summary>
    private const double MaxTotalCost = 1e15;

    /// <summary>
    /// Cluster size and efficiency depend on each other (a bigger cluster runs at a lower MFU and goodput): the size is
    /// raised until it settles. A frontier run climbs from the memory minimum by a few percent a round near its answer
    /// (8 rounds left 405B on H100 short of a 75-day deadline that 3,000 instances meet), so the bound is generous; a
    /// round is one rate computation.
    /// </summary>
    private const int SizingRounds = 48;

    /// <summary>Fits the run on one offer: a feasible cluster in whole instances and its cost (ranked), or the reason there is none (excluded).</summary>
    public void Size(Offer offer, PriceViewCatalog catalog, AcceleratorPlan plan, double discount, QuoteEvaluation evaluation)
    {
        var spec = evaluation.Spec;
        var a = plan.Accelerator;
        if (!a.Trainable)
        {
            evaluation.Exclude(offer, ("inference", a.Id, 0), () => $"{a.Name} is not offered for training: {a.NotTrainableReason}");
            return;
        }

        var family = families.For(offer.Provider, offer.InstanceType);
        if (family is { Trainable: false })
        {
            evaluation.Exclude(offer, ("family:" + offer.Provider + offer.InstanceType, a.Id, 0), () => $"{offer.InstanceType} is not offered for training: {family.NotTrainableReason}");
            return;
        }

        var perInstance = (double)offer.AcceleratorsPerInstance;
        // Tensor parallelism stays inside the NVLink / ICI domain (at most 8 wide, Megatron practice).
        var tensorParallel = (int)Math.Max(1, Math.Min(TrainingComputeModel.MaxTensorParallel, family?.ScaleUpDomain ?? Math.Floor(perInstance)));
        var activation = TrainingComputeModel.ActivationBytes(spec, tensorParallel);
        var usable = compute.UsableBytes(spec, a, activation);
        if (usable <= 0)
        {
            evaluation.Exclude(offer, ("activations", a.Id, tensorParallel), () =>
                $"Does not fit: one sequence of {spec.SequenceLength:N0} tokens needs {Gb(activation)} GB of activations per {a.Id} "
                + $"(full recomputation, tensor parallel {tensorParallel}), more than its {a.MemoryGb:G} GB.");
            return;
        }

        var memoryInstances = Math.Max(1, Math.Ceiling(evaluation.Compute.ModelStateBytes / (perInstance * usable) - QuoteRounding.Slack));
        // The batch bounds data-parallel replicas (TP × PP × CP accelerators each), so a narrower tensor-parallel domain keeps fewer busy.
        var largestUseful = tensorParallel == TrainingComputeModel.MaxTensorParallel ? evaluation.LargestUseful : compute.LargestUsefulAccelerators(spec, tensorParallel);
        var usefulInstances = Math.Max(1, Math.Floor(largestUseful / perInstance + QuoteRounding.Slack));
        if (memoryInstances > usefulInstances)
        {
            evaluation.Exclude(offer, ("batch-memory:" + tensorParallel.ToString(CultureInfo.InvariantCulture), a.Id, perInstance), () =>
                $"The model state needs {memoryInstances * perInstance:N0} {a.Id} accelerators, more than the {largestUseful:N0} a global batch of "
                + $"{evaluation.BatchTokens / 1e6:G3}M tokens keeps busy; raise global_batch_tokens or pick a larger accelerator.");
            return;
        }

        var instancesWithoutFabric = (int)defaults.MaxInstancesWithoutFabric.Value;
        var maxInstances = family is { TrainingGradeFabric: true } ? usefulInstances : Math.Min(usefulInstances, instancesWithoutFabric);
        var terms = PricingModels.Terms(offer.PricingModel);
        // A provider's hard cap (Capacity Blocks, calendar mode): a plan sized to a deadline is re-planned within it.
        var capacityCap = capacity.HardCap(offer, terms);
        var cappedByCapacity = capacityCap is { } hard && hard < maxInstances;
        maxInstances = cappedByCapacity ? capacityCap!.Value : maxInstances;
        var spotRate = goodput.SpotInterruptionsPerInstanceMonth(offer, terms);

        double instancesCount;
        string basis;
        RunRate run;
        if (spec.AcceleratorCount > 0)
        {
            instancesCount = Math.Ceiling(spec.AcceleratorCount / perInstance - QuoteRounding.Slack);
            basis = ClusterBasis.Requested;
            if (instancesCount < memoryInstances)
            {
                evaluation.Exclude(offer, ("memory:" + perInstance.ToString(CultureInfo.InvariantCulture), a.Id, spec.AcceleratorCount), () =>
                    $"Does not fit: {spec.AcceleratorCount} × {a.Id} hold {Gb(spec.AcceleratorCount * usable)} GB after activations; "
                    + $"the model state needs {Gb(evaluation.Compute.ModelStateBytes)} GB ({compute.BytesPerParameter(spec):G} B/parameter), so at least "
                    + $"{memoryInstances * perInstance:N0} accelerators ({memoryInstances:N0} × {offer.InstanceType}).");
                return;
            }

            if (instancesCount > usefulInstances)
            {
                evaluation.Exclude(offer, ("useful:" + perInstance.ToString(CultureInfo.InvariantCulture) + ":" + tensorParallel.ToString(CultureInfo.InvariantCulture), a.Id, spec.AcceleratorCount), () =>
                    $"{instancesCount * perInstance:N0} accelerators are more than a global batch of {evaluation.BatchTokens / 1e6:G3}M tokens keeps busy "
                    + $"({largestUseful:N0}: data-parallel replicas of tensor parallel {tensorParallel} each need one {compute.SequenceTokens(spec):N0}-token sequence per pipeline stage per step); raise global_batch_tokens or use fewer.");
                return;
            }

            run = rates.Rate(plan, spec, offer, family, instancesCount, spotRate, terms);
        }
        else
        {
            var byDefault = spec.DeadlineHours <= 0;
            var deadline = byDefault ? defaults.DefaultDeadlineDays.Value * 24 : spec.DeadlineHours;
            // Sized by default, a plan stays within what the engine judges obtainable and runs longer instead (a
            // deadline the user gave is met if it can be, and the plan then says it is over what can be counted on).
            var plannedCap = byDefault ? capacity.PlannedCap(offer, terms) : null;
            var cappedByPlanning = plannedCap is { } planned && planned < maxInstances;
            if (cappedByPlanning)
            {
                maxInstances = plannedCap!.Value;
            }

            instancesCount = memoryInstances;
            run = rates.Rate(plan, spec, offer, family, instancesCount, spotRate, terms);
            // Hours grow with the cluster (MFU falls with scale, goodput with size), so the size needed only grows: stop
            // when it settles or reaches the most instances that may join one job.
            for (var round = 0; round < SizingRounds; round++)
            {
                var needed = Math.Min(maxInstances, Math.Max(memoryInstances, Math.Ceiling(run.AcceleratorHours / (deadline * perInstance) - QuoteRounding.Slack)));
                if (needed <= instancesCount)
                {
                    break;
                }

                instancesCount = needed;
                run = rates.Rate(plan, spec, offer, family, instancesCount, spotRate, terms);
            }

            var meets = run.AcceleratorHours / (instancesCount * perInstance) <= deadline * (1 + 1e-6);
            if (!meets && !byDefault)
            {
                var limit = cappedByCapacity
                    ? $"{CapacityRules.Title(terms!.Kind)} capacity is capped at {maxInstances:N0} instances (capacity-rules.json)"
                    : maxInstances < usefulInstances && family is not { TrainingGradeFabric: true }
                    ? $"{offer.InstanceType} has no training-grade fabric ({FabricText(family)}), so at most {instancesWithoutFabric} instances can join one job"
                    : $"a global batch of {evaluation.BatchTokens / 1e6:G3}M tokens keeps at most {largestUseful:N0} accelerators busy";
                evaluation.Exclude(offer, ("deadline:" + offer.InstanceType + ":" + limit, a.Id, perInstance), () =>
                    $"Cannot finish in {spec.DeadlineHours:G4} h on {offer.InstanceType}: {limit}.");
                return;
            }

            var cappedByFabric = maxInstances < usefulInstances && family is not { TrainingGradeFabric: true };
            basis = byDefault
                ? (meets ? (instancesCount > memoryInstances ? ClusterBasis.DefaultDeadline : memoryInstances > 1 ? ClusterBasis.MemoryMinimum : ClusterBasis.OneInstance)
                    : cappedByPlanning || cappedByCapacity ? ClusterBasis.CapacityLimit : cappedByFabric ? ClusterBasis.FabricLimit : ClusterBasis.LargestUseful)
                : instancesCount > memoryInstances ? ClusterBasis.Deadline : ClusterBasis.MemoryMinimum;
        }

        if (instancesCount > 1 && family is not { TrainingGradeFabric: true } && instancesCount > instancesWithoutFabric)
        {
            evaluation.Exclude(offer, ("fabric:" + offer.InstanceType, a.Id, instancesCount), () =>
                $"{instancesCount:N0} × {offer.InstanceType} would need a training-grade fabric between instances; it has {FabricText(family)}, "
                + $"so at most {instancesWithoutFabric} instances can join one job.");
            return;
        }

        if (run.Goodput.Goodput < 1 - FailureModel.MaxLoss)
        {
            evaluation.Exclude(offer, ("goodput:" + offer.InstanceType + ":" + offer.PricingModel, a.Id, instancesCount), () =>
                $"{instancesCount:N0} × {offer.InstanceType} ({offer.PricingModel}) would be interrupted every {run.Goodput.MeanHoursBetweenInterruptions * 60:N0} minutes: "
                + "a synchronous job would spend more time recovering than training.");
            return;
        }

        var rented = instancesCount * perInstance;
        if (!(rented <= QuoteRequestRules.MaxAcceleratorCount + QuoteRounding.Slack))
        {
            evaluation.Exclude(offer, ("size:" + basis, a.Id, perInstance), () =>
                $"Needs more than {QuoteRequestRules.MaxAcceleratorCount:N0} {a.Id} accelerators.");
            return;
        }

        var rate = spec.CustomPricePerAcceleratorHour is { } custom
            ? (double)custom
            : (double)offer.PricePerInstanceHour / perInstance * (1 - discount / 100);
        var wall = run.AcceleratorHours / rented;
        var billedHours = ModelBilling.For(terms, capacity.HoursToBook(offer, terms, wall), spec.ReuseCommittedCapacity).HoursPerInstance;
        var cost = billedHours * rented * rate;
        if (!(cost <= MaxTotalCost))
        {
            evaluation.Exclude(offer, ("cost", a.Id, 0), () =>
                $"Costs more than ${MaxTotalCost:G2} on {a.Id}: check the parameters, tokens and efficiency inputs.");
            return;
        }

        var verdict = capacity.Check(offer, terms, (int)instancesCount, wall, spec);
        if (verdict == CapacityVerdict.Excluded)
        {
            evaluation.Exclude(offer, ("capacity:" + offer.Provider + offer.InstanceType + offer.PricingModel + wall.ToString("F1", CultureInfo.InvariantCulture), a.Id, instancesCount),
                () => capacity.ExcludedReason(offer, terms, (int)instancesCount, wall));
            return;
        }

        evaluation.Ranked.Add(new Candidate(offer, catalog, plan, family, run, (int)instancesCount, rented, basis, discount, cost, wall, verdict == CapacityVerdict.Obtainable));
    }

    private static string FabricText(InstanceFamily? family) =>
        family is null ? "no known fabric (the instance family is not in instance-families.json)" : $"{family.ScaleOutDetail}";

    private static string Gb(double bytes) => (bytes / 1e9).ToString("N0", CultureInfo.InvariantCulture);
}
