using Pricing.Contracts;
using Pricing.Quoting;

namespace Quotes.Grpc;

/// <summary>An option's program as proto (full view only; <see cref="QuoteViews"/> drops it from the basic view).</summary>
public static class ProgramProtoMapping
{
    public static Pricing.Contracts.V1.TrainingProgram ToProto(TrainingProgram p, string currency)
    {
        var program = new Pricing.Contracts.V1.TrainingProgram
        {
            Total = p.Total.ToMoney(currency),
            TotalLow = p.TotalLow.ToMoney(currency),
            TotalHigh = p.TotalHigh.ToMoney(currency),
            Owner = p.Owner is { } o ? ToProto(o, currency) : null,
            OwnerCostPerAcceleratorHour = (p.Owner?.PerAcceleratorHour ?? 0).ToMoney(currency),
            StaffShare = p.StaffShare,
            StaffShareSource = p.StaffShareSource,
            AcceleratorHours = p.AcceleratorHours,
        };
        program.Stages.AddRange(p.Stages.Select(s => new Pricing.Contracts.V1.ProgramStage
        {
            Name = s.Name,
            Tokens = s.Tokens,
            AcceleratorHours = s.AcceleratorHours,
            Mfu = s.Mfu,
            Cost = s.Cost.ToMoney(currency),
            CostLow = s.CostLow.ToMoney(currency),
            CostHigh = s.CostHigh.ToMoney(currency),
            Source = s.Source,
        }));
        program.Lines.AddRange(p.Lines.Select(l => new Pricing.Contracts.V1.ProgramLine
        {
            Name = l.Name,
            Amount = l.Amount.ToMoney(currency),
            Low = l.Low.ToMoney(currency),
            High = l.High.ToMoney(currency),
            Optional = l.Optional,
            Detail = l.Detail,
            Source = l.Source,
        }));
        return program;
    }

    private static Pricing.Contracts.V1.OwnerCost ToProto(OwnerCost o, string currency) => new()
    {
        PerAcceleratorHour = o.PerAcceleratorHour.ToMoney(currency),
        Low = o.Low.ToMoney(currency),
        High = o.High.ToMoney(currency),
        RentPerAcceleratorHour = o.RentPerAcceleratorHour.ToMoney(currency),
        HardwarePerAccelerator = o.ServerPricePerAccelerator.ToMoney(currency),
        InterconnectShare = o.InterconnectShare,
        LifeYears = o.LifeYears,
        HardwarePerAcceleratorHour = o.HardwarePerAcceleratorHour.ToMoney(currency),
        PowerPerAcceleratorHour = o.PowerPerAcceleratorHour.ToMoney(currency),
        ElectricityUsdPerKwh = o.ElectricityUsdPerKwh,
        Source = o.Source,
    };
}
