using Pricing.Contracts;
using Pricing.Contracts.V1;
using Pricing.Quoting;

namespace Quotes.Grpc;

/// <summary>The plan parts of a quote option (fabric, MFU and goodput parts, commitment billing, bill lines, power) as proto.</summary>
internal static class QuotePlanProtoMapping
{
    public static void AddPlan(QuoteOption option, QuoteOptionResult o, string currency)
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
