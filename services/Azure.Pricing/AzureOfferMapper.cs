using Pricing.Catalog;
using Pricing.Sources;

namespace Azure.Pricing;

/// <summary>
/// Turns Azure Retail Prices items into offers. Rows that are not GPU VM prices we sell on (Windows,
/// dev/test, Low Priority, secondary meter regions, other services) are skipped and counted; rows that
/// look like GPU VM prices but cannot be priced (unknown size, non-hourly unit, bad fields) are quarantined.
/// The mapped CPU sizes (Dsv5, the registry's cpu-vcpu row, one unit per vCPU) go through the same rules.
/// </summary>
public sealed class AzureOfferMapper(AzureVmSizeMap sizes)
{
    public const string Provider = "azure";

    /// <summary>The skip reason of a size that is neither an N-family (GPU) size nor a mapped CPU size.</summary>
    public const string NotGpuOrCpuSize = "not a GPU size nor a mapped CPU size";

    /// <summary>Azure prices a reservation as the total for its term; 365 × 24 hours a year turns it hourly.</summary>
    private const decimal HoursPerYear = (decimal)PricingTerms.HoursPerYear;

    public MappingResult Map(IEnumerable<AzureRetailPriceItem> items)
    {
        var offers = new List<Offer>();
        var quarantined = new List<QuarantinedRow>();
        var skipped = new Dictionary<string, int>(StringComparer.Ordinal);

        foreach (var item in items)
        {
            switch (MapItem(item))
            {
                case MappedOffer m:
                    offers.Add(m.Offer);
                    break;
                case MappedQuarantine q:
                    quarantined.Add(new QuarantinedRow(Provider, q.Rule, q.Reason, Describe(item)));
                    break;
                case MappedSkip s:
                    skipped[s.Reason] = skipped.GetValueOrDefault(s.Reason) + 1;
                    break;
            }
        }

        return new MappingResult(offers, quarantined, skipped);
    }

    /// <summary>Items the page parser could not bind to the API's item schema, quarantined as malformed.</summary>
    public static MappingResult Malformed(IEnumerable<string> rows) =>
        MappingResult.Rejected(rows.Select(m => new QuarantinedRow(Provider, QuarantineRules.Malformed, "Item does not match the API's item schema.", m)));

    public static string Describe(AzureRetailPriceItem item) =>
        $"armSkuName={item.ArmSkuName} region={item.ArmRegionName} type={item.Type} meter='{item.MeterName}' product='{item.ProductName}' " +
        $"price={item.RetailPrice} unit='{item.UnitOfMeasure}' meterId={item.MeterId}";

    private abstract record Mapped;

    private sealed record MappedOffer(Offer Offer) : Mapped;

    private sealed record MappedQuarantine(string Rule, string Reason) : Mapped;

    private sealed record MappedSkip(string Reason) : Mapped;

    private Mapped MapItem(AzureRetailPriceItem item)
    {
        if (item.ServiceName != "Virtual Machines")
        {
            return new MappedSkip("not a virtual machine");
        }

        // Only N-family sizes carry GPUs; of the rest only the mapped CPU family (Dsv5, priced per vCPU for the quote's
        // data processing) is kept. Matching is on armSkuName, never on meter names (they vary).
        var sku = item.ArmSkuName ?? "";
        if (!sku.StartsWith("Standard_N", StringComparison.OrdinalIgnoreCase) && !sizes.TryGet(sku, out _))
        {
            return new MappedSkip(NotGpuOrCpuSize);
        }

        if (item.Type == "DevTestConsumption")
        {
            return new MappedSkip("dev/test price");
        }

        if (item.ProductName?.EndsWith(" Windows", StringComparison.Ordinal) == true)
        {
            return new MappedSkip("Windows licence included");
        }

        if (HasSuffix(item, " Low Priority"))
        {
            return new MappedSkip("Low Priority (Batch) meter");
        }

        if (item.MeterName?.EndsWith(" - Expired", StringComparison.Ordinal) == true)
        {
            return new MappedSkip("expired meter");
        }

        if (item.IsPrimaryMeterRegion == false)
        {
            return new MappedSkip("secondary meter region");
        }

        if (string.IsNullOrEmpty(item.ArmRegionName) || item.RetailPrice is null || string.IsNullOrEmpty(item.Type))
        {
            return new MappedQuarantine(QuarantineRules.Malformed, "Item lacks armRegionName, retailPrice or type.");
        }

        if (!sizes.TryGet(sku, out var size))
        {
            return new MappedQuarantine(QuarantineRules.UnknownAccelerator, $"GPU size {sku} is not in the Azure size map (Data/azure-vm-sizes.json).");
        }

        if (item.UnitOfMeasure != "1 Hour")
        {
            return new MappedQuarantine(QuarantineRules.NonHourlyUnit, $"Unit '{item.UnitOfMeasure}' is not '1 Hour'.");
        }

        string model;
        var price = item.RetailPrice.Value;
        switch (item.Type)
        {
            case "Consumption":
                model = HasSuffix(item, " Spot") ? PricingModels.Spot : PricingModels.OnDemand;
                break;
            case "Reservation":
                var years = item.ReservationTerm switch
                {
                    "1 Year" => 1,
                    "3 Years" => 3,
                    _ => 0,
                };
                if (years == 0)
                {
                    return new MappedQuarantine(QuarantineRules.UnknownPricingModel, $"Reservation term '{item.ReservationTerm}' is not 1 Year or 3 Years.");
                }

                // The API states the whole term's price under unitOfMeasure "1 Hour"; read as hourly it would be absurd.
                model = years == 1 ? PricingModels.Committed1Y : PricingModels.Committed3Y;
                price /= HoursPerYear * years;
                break;
            default:
                return new MappedQuarantine(QuarantineRules.UnknownPricingModel, $"Price type '{item.Type}' is not Consumption or Reservation.");
        }

        return new MappedOffer(new Offer(
            Provider,
            item.ArmRegionName,
            Zone: null,
            size.ArmSkuName,
            size.AcceleratorId,
            size.AcceleratorsPerInstance,
            size.Vcpus,
            size.MemoryGib,
            model,
            price,
            item.CurrencyCode ?? "USD",
            item.EffectiveStartDate ?? DateTimeOffset.UnixEpoch,
            item.SkuId ?? "",
            item.MeterId ?? ""));
    }

    private static bool HasSuffix(AzureRetailPriceItem item, string suffix) =>
        item.MeterName?.EndsWith(suffix, StringComparison.Ordinal) == true || item.SkuName?.EndsWith(suffix, StringComparison.Ordinal) == true;
}
