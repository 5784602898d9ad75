using Google.Protobuf.WellKnownTypes;
using Pricing.Catalog;
using Pricing.Contracts;
using Pricing.Contracts.V1;
using Pricing.Quoting;

namespace Quotes.Grpc;

/// <summary>
/// A quote and a comparison as proto: the compute, each option's plan (cluster, fabric, MFU and goodput parts,
/// commitment and block billing, bill lines, power), the excluded offers and the catalog versions used.
/// </summary>
public static class QuotePlanProtoMapping
{
    /// <summary>Excluded offers listed in a quote (the count is always exact).</summary>
    public const int MaxExcludedListed = 100;

    public static TrainingQuote ToProto(QuoteResult result, PriceViewSnapshot prices, DateTimeOffset now, Precision precision)
    {
        var compute = result.Compute;
        var quote = new TrainingQuote
        {
            TotalFlops = compute.TotalFlops,
            DenseFlops = compute.DenseFlops,
            AttentionFlops = compute.AttentionFlops,
            Tokens = compute.Tokens,
            ChinchillaTokens = compute.ChinchillaTokens,
            ModelStateBytes = compute.ModelStateBytes,
            Precision = PrecisionName(precision),
            // Each option has its own accelerator-hours (they differ per accelerator type); this is the cheapest option's.
            AcceleratorHours = result.Options.Count > 0 ? result.Options[0].AcceleratorHours : 0,
            QuotedAt = Timestamp.FromDateTimeOffset(now),
            OptionsConsidered = result.OptionsConsidered,
            OptionsExcluded = result.Excluded.Count,
        };
        quote.Warnings.AddRange(result.Warnings);
        quote.Assumptions.AddRange(result.Assumptions.Select(a => ToProto(a, precision)));
        var rank = 0;
        quote.Options.AddRange(result.Options.Select(o => ToProto(o, ++rank, now)));
        quote.Excluded.AddRange(result.Excluded.Take(MaxExcludedListed).Select(e => new ExcludedOption
        {
            OfferKey = e.Offer.OfferKey,
            Provider = e.Offer.Provider,
            Region = e.Offer.Region,
            InstanceType = e.Offer.InstanceType,
            AcceleratorId = e.Offer.AcceleratorId,
            PricingModel = e.Offer.PricingModel,
            Reason = e.Reason,
        }));
        quote.CatalogVersions.AddRange(CatalogVersions(prices, now));
        quote.Warnings.AddRange(StaleWarnings(prices, now));
        return quote;
    }

    private static QuoteAssumptions ToProto(AcceleratorAssumptions a, Precision precision) => new()
    {
        AcceleratorId = a.AcceleratorId,
        PeakFlops = a.PeakFlops,
        Mfu = a.Mfu,
        MfuLow = a.MfuLow,
        MfuHigh = a.MfuHigh,
        MfuSource = a.MfuSource,
        Goodput = a.Goodput,
        GoodputSource = a.GoodputSource,
        Precision = PrecisionName(precision),
        MemoryGb = a.MemoryGb,
        ActivationAllowance = a.ActivationAllowance,
        MinAcceleratorsForMemory = a.MinAcceleratorsForMemory,
        TdpWatts = a.TdpWatts ?? 0,
        EnergyUtilisation = a.EnergyUtilisation,
        BytesPerParameter = a.BytesPerParameter,
        ActivationBytesPerAccelerator = a.ActivationBytesPerAccelerator,
        GlobalBatchTokens = a.GlobalBatchTokens,
        GlobalBatchSource = a.GlobalBatchSource,
    };

    private static QuoteOption ToProto(QuoteOptionResult o, int rank, DateTimeOffset now)
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
            Breakdown = new Pricing.Contracts.V1.CostBreakdown
            {
                ComputeHours = o.Breakdown.ComputeHours,
                Compute = o.Breakdown.Compute.ToMoney(currency),
                FailureHours = o.Breakdown.FailureHours,
                FailuresAndRestarts = o.Breakdown.FailuresAndRestarts.ToMoney(currency),
                CheckpointHours = o.Breakdown.CheckpointHours,
                Checkpoints = o.Breakdown.Checkpoints.ToMoney(currency),
            },
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
            PriceAgeSeconds = (long)Math.Max(0, (now - o.CatalogAsOf).TotalSeconds),
            OfferKey = o.Offer.OfferKey,
        };
        AddPlan(option, o, currency);
        return option;
    }

    private static IEnumerable<CatalogVersionUsed> CatalogVersions(PriceViewSnapshot prices, DateTimeOffset now) =>
        prices.Catalogs.Select(c => new CatalogVersionUsed
        {
            Provider = c.Provider,
            Version = c.Version,
            AsOf = c.AsOf.ToProtoTimestamp(),
            AgeSeconds = (long)Math.Max(0, (now - c.AsOf).TotalSeconds),
        });

    private static IEnumerable<string> StaleWarnings(PriceViewSnapshot prices, DateTimeOffset now) =>
        prices.Catalogs.Where(c => now - c.AsOf > TimeSpan.FromDays(7))
            .Select(c => $"{c.Provider} prices are {PriceAge.Describe(now - c.AsOf)} (catalog version {c.Version}).");

    private static string PrecisionName(Precision precision) => precision.ToString().ToLowerInvariant();

    public static AcceleratorComparison ToProto(ComparisonResult result, PriceViewSnapshot prices, DateTimeOffset now, Precision precision)
    {
        var comparison = new AcceleratorComparison
        {
            TotalFlops = result.Compute.TotalFlops,
            Tokens = result.Compute.Tokens,
            QuotedAt = Timestamp.FromDateTimeOffset(now),
        };
        comparison.Choices.AddRange(result.Choices.Select(c =>
        {
            var choice = new Pricing.Contracts.V1.AcceleratorChoice
            {
                AcceleratorId = c.AcceleratorId,
                OptionsConsidered = c.OptionsConsidered,
                OptionsExcluded = c.OptionsExcluded,
                ExcludedReason = c.ExcludedReason ?? "",
            };
            if (c.Assumptions is not null)
            {
                choice.Assumptions = ToProto(c.Assumptions, precision);
            }

            if (c.Best is not null)
            {
                choice.Best = ToProto(c.Best, 1, now);
            }

            return choice;
        }));
        comparison.CatalogVersions.AddRange(CatalogVersions(prices, now));
        comparison.Warnings.AddRange(result.Warnings);
        comparison.Warnings.AddRange(StaleWarnings(prices, now));
        return comparison;
    }

    /// <summary>The plan parts of a quote option (fabric, MFU and goodput parts, commitment and block billing, bill lines, power).</summary>
    private static void AddPlan(QuoteOption option, QuoteOptionResult o, string currency)
    {
        var b = option.Breakdown;
        b.PreemptionHours = o.Breakdown.PreemptionHours;
        b.Preemptions = o.Breakdown.Preemptions.ToMoney(currency);
        b.UnusedCommitmentHours = o.Breakdown.UnusedCommitmentHours;
        b.UnusedCommitment = o.Breakdown.UnusedCommitment.ToMoney(currency);

        option.Fabric = o.Family is { } f
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

        if (o.Mfu is { } m)
        {
            option.Mfu = new MfuParts
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
        }

        if (o.Goodput is { } g)
        {
            option.Goodput = new Pricing.Contracts.V1.GoodputParts
            {
                Goodput = g.Goodput,
                CheckpointStall = g.CheckpointStall,
                FailureLoss = g.FailureLoss,
                PreemptionLoss = g.PreemptionLoss,
                MeanHoursBetweenInterruptions = double.IsFinite(g.MeanHoursBetweenInterruptions) ? g.MeanHoursBetweenInterruptions : 0,
                CheckpointIntervalHours = double.IsFinite(g.CheckpointIntervalHours) ? g.CheckpointIntervalHours : 0,
                InterruptionsPerDay = g.InterruptionsPerDay,
                PreemptionsPerDay = g.PreemptionsPerDay,
            };
        }

        if (o.Commitment is { } c)
        {
            option.Commitment = new Pricing.Contracts.V1.CommitmentBilling
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
        }

        if (o.Block is { } k)
        {
            option.Block = new Pricing.Contracts.V1.BlockBilling
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

        option.Bill.AddRange(o.Bill.Select(l => new Pricing.Contracts.V1.BillLine
        {
            Name = l.Name,
            Amount = l.Amount.ToMoney(currency),
            Optional = l.Optional,
            Detail = l.Detail,
        }));
        option.BillTotal = o.BillTotal.ToMoney(currency);
        option.BillTotalWithOptional = o.BillTotalWithOptional.ToMoney(currency);
        if (o.Power is { } p)
        {
            option.WattsPerAccelerator = p.WattsPerAccelerator;
            option.LoadFactor = p.LoadFactor;
            option.PowerEstimated = p.Estimated;
            option.PowerSource = p.Source;
        }

        option.LargestUsefulAccelerators = o.LargestUsefulAccelerators;
    }
}
