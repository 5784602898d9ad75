using Pricing.Contracts;
using Pricing.Quoting.Levers;
using LeverProto = Pricing.Contracts.V1.Lever;

namespace Quotes.Grpc;

/// <summary>A lever (<see cref="LeverSet"/>) as the contract's Lever: the changed program's top option and its deltas.</summary>
public static class LeverProtoMapping
{
    public static LeverProto ToProto(Pricing.Quoting.Levers.Lever lever)
    {
        var proto = new LeverProto { Name = lever.Name, Change = lever.Change, Applicable = lever.Applicable, Reason = lever.Reason };
        if (lever.Option is { } o)
        {
            var currency = o.Offer.Currency;
            proto.OfferKey = o.Offer.OfferKey;
            proto.Provider = o.Offer.Provider;
            proto.Region = o.Offer.Region;
            proto.AcceleratorId = o.Offer.AcceleratorId;
            proto.PricingModel = o.Offer.PricingModel;
            proto.Accelerators = o.Accelerators;
            proto.BillTotal = o.BillTotal.ToMoney(currency);
            proto.WallClockHours = o.WallClockHours;
            proto.Co2Kg = o.Co2Kg;
            proto.DeltaCost = lever.DeltaCost.ToMoney(currency);
            proto.DeltaHours = lever.DeltaHours;
            proto.DeltaCo2Kg = lever.DeltaCo2Kg;
            proto.Obtainable = o.Capacity?.Obtainable != false;
            if (o.Program is { } program && lever.DeltaProgramCost is { } delta)
            {
                proto.ProgramTotal = program.Total.ToMoney(currency);
                proto.DeltaProgramCost = delta.ToMoney(currency);
            }
        }

        return proto;
    }
}
