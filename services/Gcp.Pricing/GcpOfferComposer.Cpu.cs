using Pricing.Catalog;

namespace Gcp.Pricing;

/// <summary>
/// The CPU machine types (a host-only series such as N2): vCPUs x the core SKU + GiB x the RAM SKU, one unit of the
/// registry's CPU row per vCPU, so the offer's price per accelerator-hour is a vCPU-hour's (the quote's data
/// processing reads it). Like a GPU VM, it exists only when both parts are priced in the region under the model.
/// </summary>
public sealed partial class GcpOfferComposer
{
    private void ComposeCpuMachines(Dictionary<PartKey, Part> parts, List<Offer> offers, List<QuarantinedRow> quarantined)
    {
        foreach (var machine in map.CpuMachineTypes)
        {
            var core = new GcpComponent(GcpComponentKind.Core, machine.Series.Series);
            foreach (var (key, part) in parts.Where(p => p.Key.Component == core).OrderBy(p => p.Key.Region, StringComparer.Ordinal).ThenBy(p => p.Key.Model, StringComparer.Ordinal))
            {
                ComposeCpuMachine(machine, key, part, parts, offers, quarantined);
            }
        }
    }

    private static void ComposeCpuMachine(GcpCpuMachineType machine, PartKey coreKey, Part corePart,
        Dictionary<PartKey, Part> parts, List<Offer> offers, List<QuarantinedRow> quarantined)
    {
        var anyCoreSku = corePart.Chosen ?? corePart.Conflicting[0];
        var ramKey = coreKey with { Component = new GcpComponent(GcpComponentKind.Ram, machine.Series.Series) };
        if (!parts.TryGetValue(ramKey, out var ramPart))
        {
            quarantined.Add(OfferQuarantine(GcpQuarantineRules.MissingComponent,
                $"{machine.MachineType} in {coreKey.Region} ({coreKey.Model}): core SKU {anyCoreSku.Sku.SkuId} is priced but {SkuNameOf(machine.Series, ramKey.Component, coreKey.Model)} is not; cores alone are not a VM price.",
                machine.MachineType, coreKey, anyCoreSku));
            return;
        }

        if (corePart.Chosen is not { } coreSku || ramPart.Chosen is not { } ramSku)
        {
            quarantined.Add(OfferQuarantine(QuarantineRules.ConflictingDuplicate,
                $"{machine.MachineType} in {coreKey.Region} ({coreKey.Model}): its core or RAM has SKUs with different prices.", machine.MachineType, coreKey, anyCoreSku));
            return;
        }

        if (coreSku.Currency != ramSku.Currency)
        {
            quarantined.Add(OfferQuarantine(QuarantineRules.Malformed,
                $"{machine.MachineType} in {coreKey.Region} ({coreKey.Model}): its parts are priced in {coreSku.Currency} and {ramSku.Currency}.", machine.MachineType, coreKey, coreSku));
            return;
        }

        var price = machine.Vcpus * coreSku.Price + machine.MemoryGib * ramSku.Price;
        var effective = new[] { coreSku.Sku.EffectiveTime, ramSku.Sku.EffectiveTime }.Where(t => t is not null).DefaultIfEmpty(DateTimeOffset.UnixEpoch).Max()!.Value;
        offers.Add(new Offer(Provider, coreKey.Region, null, machine.MachineType, machine.AcceleratorId, machine.Vcpus, machine.Vcpus, machine.MemoryGib,
            coreKey.Model, price, coreSku.Currency, effective, coreSku.Sku.SkuId, $"core={coreSku.Sku.SkuId};ram={ramSku.Sku.SkuId}"));
    }
}
