using Pricing.Contracts;
using Pricing.Contracts.V1;
using Pricing.Quoting;

namespace Quotes.Grpc;

/// <summary>
/// One ranked option as proto, in full: price and cost, cluster, breakdown, fabric, MFU and goodput parts, commitment
/// and block billing, bill lines, power, capacity and the plan summary. Every field of <see cref="QuoteOption"/> and the messages
/// under it is set here and nowhere else; QuoteContractCoverageTests fails on a field this leaves unset.
/// </summary>
public static class QuoteOptionProtoMapping
{
    public static QuoteOption ToProto(QuoteOptionResult o, int rank, DateTimeOffset now)
    {
        var currency = o.Offer.Currency;
        var option = new QuoteOption
        {
            Rank = rank,
            Provider = o.Offer.Provider,
            Region = o.Offer.Region,
            Zone = o.Offer.Zone ?? "",
            InstanceType = o.Offer.InstanceType,
            AcceleratorId = o.Offer.AcceleratorId,
            PricingModel = o.Offer.PricingModel,
            PricePerAcceleratorHour = o.PricePerAcceleratorHour.ToMoney(currency),
            PricePerInstanceHour = o.Offer.PricePerInstanceHour.ToMoney(currency),
            AcceleratorHours = o.AcceleratorHours,
            TotalCost = o.TotalCost.ToMoney(currency),
            TotalCostLow = o.TotalCostLow.ToMoney(currency),
            TotalCostHigh = o.TotalCostHigh.ToMoney(currency),
            Breakdown = ToProto(o.Breakdown, currency),
            PriceSource = o.PriceSource,
            DiscountPercent = o.DiscountPercent,
            Accelerators = o.Accelerators,
            Instances = o.Instances,
            WallClockHours = o.WallClockHours,
            ClusterBasis = o.ClusterBasis,
            EnergyKwh = o.EnergyKwh,
            Co2Kg = o.Co2Kg,
            Pue = o.Pue,
            GridKgCo2PerKwh = o.GridKgCo2PerKwh,
            GridIntensityFallback = o.GridIntensityIsFallback,
            CatalogVersion = o.CatalogVersion,
            PriceAgeSeconds = CatalogVersionsProto.AgeSeconds(now, o.CatalogAsOf),
            OfferKey = o.Offer.OfferKey,
            Fabric = ToProto(o.Family),
            Mfu = o.Mfu is { } m ? ToProto(m) : null,
            Goodput = o.Goodput is { } g ? ToProto(g) : null,
            Commitment = o.Commitment is { } c ? ToProto(c, currency) : null,
            Block = o.Block is { } k ? ToProto(k, currency) : null,
            BillTotal = o.BillTotal.ToMoney(currency),
            BillTotalWithOptional = o.BillTotalWithOptional.ToMoney(currency),
            LargestUsefulAccelerators = o.LargestUsefulAccelerators,
            Capacity = o.Capacity is { } cap ? ToProto(cap) : null,
            Program = o.Program is { } program ? ProgramProtoMapping.ToProto(program, currency) : null,
        };
        option.Bill.AddRange(o.Bill.Select(l => new Pricing.Contracts.V1.BillLine
        {
            Name = l.Name,
            Amount = l.Amount.ToMoney(currency),
            Optional = l.Optional,
            Detail = l.Detail,
        }));
        if (o.Power is { } p)
        {
            option.WattsPerAccelerator = p.WattsPerAccelerator;
            option.LoadFactor = p.LoadFactor;
            option.PowerEstimated = p.Estimated;
            option.PowerSource = p.Source;
        }

        option.Summary = Summary(option);
        return option;
    }

    /// <summary>The plan in a few figures, read from the parts just mapped so the two never disagree.</summary>
    private static PlanSummary Summary(QuoteOption option) => new()
    {
        Mfu = option.Mfu?.Mfu ?? 0,
        Goodput = option.Goodput?.Goodput ?? 0,
        ScaleOutFabric = option.Fabric.ScaleOutFabric,
        TrainingGradeFabric = option.Fabric.TrainingGrade,
        Billing = option.Block?.Kind ?? option.Commitment?.Kind ?? "hourly",
    };

    private static Pricing.Contracts.V1.CapacityPlan ToProto(Pricing.Quoting.CapacityPlan c)
    {
        var plan = new Pricing.Contracts.V1.CapacityPlan
        {
            Kind = c.Kind,
            Request = c.Request,
            Obtainable = c.Obtainable,
            Reason = c.Reason,
            Source = c.Source,
            RateAsOf = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(c.RateAsOf),
            RateNote = c.RateNote,
        };
        plan.Notes.AddRange(c.Notes);
        return plan;
    }

    private static Pricing.Contracts.V1.CostBreakdown ToProto(Pricing.Quoting.CostBreakdown b, string currency) => new()
    {
        ComputeHours = b.ComputeHours,
        Compute = b.Compute.ToMoney(currency),
        FailureHours = b.FailureHours,
        FailuresAndRestarts = b.FailuresAndRestarts.ToMoney(currency),
        CheckpointHours = b.CheckpointHours,
        Checkpoints = b.Checkpoints.ToMoney(currency),
        PreemptionHours = b.PreemptionHours,
        Preemptions = b.Preemptions.ToMoney(currency),
        UnusedCommitmentHours = b.UnusedCommitmentHours,
        UnusedCommitment = b.UnusedCommitment.ToMoney(currency),
    };

    private static FabricInfo ToProto(InstanceFamily? family) => family is { } f
        ? new FabricInfo
        {
            FormFactor = f.FormFactor,
            ScaleOutFabric = f.ScaleOutFabric,
            ScaleOutGbps = f.ScaleOutGbps ?? 0,
            ScaleOutDetail = f.ScaleOutDetail,
            TrainingGrade = f.TrainingGradeFabric,
            ScaleUpDomain = f.ScaleUpDomain ?? 0,
            ScaleUpFabric = f.ScaleUpFabric,
            Source = f.Source,
            Known = true,
        }
        : new FabricInfo { ScaleOutFabric = "none", ScaleOutDetail = "instance family not in instance-families.json", Known = false };

    private static MfuParts ToProto(MfuEstimate m) => new()
    {
        Mfu = m.Mfu,
        MfuLow = m.Low,
        MfuHigh = m.High,
        BaseMfu = m.BaseMfu,
        ModelSizeFactor = m.ModelSizeFactor,
        MoeFactor = m.MoeFactor,
        ScaleFactor = m.ScaleFactor,
        FabricFactor = m.FabricFactor,
        Source = m.Source,
    };

    private static Pricing.Contracts.V1.GoodputParts ToProto(Pricing.Quoting.GoodputParts g) => new()
    {
        Goodput = g.Goodput,
        CheckpointStall = g.CheckpointStall,
        FailureLoss = g.FailureLoss,
        PreemptionLoss = g.PreemptionLoss,
        // Infinite when nothing interrupts the run (proto JSON has no infinity): 0 says "never".
        MeanHoursBetweenInterruptions = double.IsFinite(g.MeanHoursBetweenInterruptions) ? g.MeanHoursBetweenInterruptions : 0,
        CheckpointIntervalHours = double.IsFinite(g.CheckpointIntervalHours) ? g.CheckpointIntervalHours : 0,
        InterruptionsPerDay = g.InterruptionsPerDay,
        PreemptionsPerDay = g.PreemptionsPerDay,
        TeamMaturity = g.TeamMaturity,
        GoodputLow = g.GoodputLow,
        GoodputHigh = g.GoodputHigh,
        BringUpHours = g.BringUpHours,
    };

    private static Pricing.Contracts.V1.CommitmentBilling ToProto(Pricing.Quoting.CommitmentBilling c, string currency) => new()
    {
        TermHours = c.TermHours,
        Terms = c.Terms,
        BilledHoursPerInstance = c.BilledHoursPerInstance,
        TermShareUsed = c.TermShareUsed,
        CapacityReused = c.CapacityReused,
        PaymentOption = c.PaymentOption,
        Upfront = c.Upfront.ToMoney(currency),
        Kind = c.Kind,
        PlanType = c.PlanType,
        UpfrontNote = c.UpfrontNote,
    };

    private static Pricing.Contracts.V1.BlockBilling ToProto(Pricing.Quoting.BlockBilling k, string currency) => new()
    {
        Kind = k.Kind,
        BlocksInSequence = k.BlocksInSequence,
        FullBlockHours = k.FullBlockHours,
        LastBlockHours = k.LastBlockHours,
        ParallelBlocks = k.ParallelBlocks,
        MaxInstancesPerBlock = k.MaxInstancesPerBlock,
        BilledHoursPerInstance = k.BilledHoursPerInstance,
        UnusedHoursPerInstance = k.UnusedHoursPerInstance,
        PaidUpfront = k.PaidUpfront,
        Upfront = k.Upfront.ToMoney(currency),
        MovesWithDemand = k.MovesWithDemand,
        MaxLeadDays = k.MaxLeadDays,
        MaxRunHours = k.MaxRunHours,
        ForcedRestarts = k.ForcedRestarts,
        Notes = { k.Notes },
    };
}
