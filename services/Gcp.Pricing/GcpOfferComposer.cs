using Pricing.Catalog;
using Pricing.Sources;

namespace Gcp.Pricing;

/// <summary>Quarantine rules only the GCP composition raises (the shared ones are in <see cref="QuarantineRules"/>).</summary>
public static class GcpQuarantineRules
{
    /// <summary>A GPU (or TPU) SKU is priced but a host component the VM is billed for is not: no VM price exists.</summary>
    public const string MissingComponent = QuarantineRules.MissingComponent;
}

/// <summary>
/// Turns Cloud Billing SKUs into VM offers. Google bills a GPU VM as its parts: vCPUs x the series' core SKU,
/// GiB x its RAM SKU and each attached GPU x the GPU SKU (A2, A3, G2, N1), except where the GPU SKU already
/// carries the whole VM (A4's "1 gpu slice"); the data file says which per series. An offer exists only when
/// every part it is billed for is priced in that region under that pricing model: a GPU SKU without its host is
/// quarantined (<see cref="GcpQuarantineRules.MissingComponent"/>), never published as a VM price. The same holds for
/// Dynamic Workload Scheduler offers (<c>dws_flex_start</c>, <c>dws_calendar</c>): a DWS GPU SKU makes a VM only with
/// the series' DWS core and RAM SKUs beside it, never with its on-demand host. TPUs are priced per chip-hour. SKUs we do not price (other machine families, storage, licences) are skipped and counted.
/// </summary>
public sealed partial class GcpOfferComposer(GcpMachineTypeMap map, IReadOnlyCollection<string>? regions = null)
{
    public const string Provider = "gcp";

    private readonly HashSet<string>? _regions = regions is { Count: > 0 } ? new HashSet<string>(regions, StringComparer.Ordinal) : null;

    public MappingResult Compose(IEnumerable<GcpSku> skus)
    {
        var quarantined = new List<QuarantinedRow>();
        var skipped = new Dictionary<string, int>(StringComparer.Ordinal);
        var byPart = new Dictionary<PartKey, List<PricedSku>>();

        foreach (var sku in skus)
        {
            var priced = Classify(sku, quarantined, skipped);
            if (priced is null)
            {
                continue;
            }

            var inScope = sku.ServiceRegions.Where(r => _regions is null || _regions.Contains(r)).Distinct(StringComparer.Ordinal).ToList();
            if (inScope.Count == 0)
            {
                Count(skipped, "no service region in scope");
                continue;
            }

            foreach (var region in inScope)
            {
                var key = new PartKey(priced.Component, region, priced.Model);
                if (!byPart.TryGetValue(key, out var list))
                {
                    byPart[key] = list = [];
                }

                list.Add(priced);
            }
        }

        var parts = Resolve(byPart, quarantined);
        var offers = new List<Offer>();
        foreach (var machine in map.MachineTypes)
        {
            var gpu = new GcpComponent(GcpComponentKind.Accelerator, machine.Accelerator.Gpu);
            foreach (var (key, part) in parts.Where(p => p.Key.Component == gpu).OrderBy(p => p.Key.Region, StringComparer.Ordinal).ThenBy(p => p.Key.Model, StringComparer.Ordinal))
            {
                ComposeMachine(machine, key.Region, key.Model, part, parts, offers, quarantined);
            }
        }

        ComposeCpuMachines(parts, offers, quarantined);
        foreach (var tpu in map.Tpus)
        {
            var chip = new GcpComponent(GcpComponentKind.Tpu, tpu.InstanceType);
            foreach (var (key, part) in parts.Where(p => p.Key.Component == chip))
            {
                if (part.Chosen is null)
                {
                    quarantined.Add(OfferQuarantine(QuarantineRules.ConflictingDuplicate, $"{tpu.InstanceType} in {key.Region} ({key.Model}) has SKUs with different prices.", tpu.InstanceType, key, part.Conflicting[0]));
                    continue;
                }

                var sku = part.Chosen;
                offers.Add(new Offer(Provider, key.Region, null, tpu.InstanceType, tpu.AcceleratorId, tpu.ChipsPerUnit, 0, 0, key.Model,
                    sku.Price * tpu.ChipsPerUnit, sku.Currency, sku.Sku.EffectiveTime ?? DateTimeOffset.UnixEpoch, sku.Sku.SkuId, $"tpu={sku.Sku.SkuId}"));
            }
        }

        offers.Sort((a, b) => string.CompareOrdinal(a.OfferKey, b.OfferKey));
        return new MappingResult(offers, quarantined, skipped);
    }

    /// <summary>SKUs the page parser could not bind to the API's schema, quarantined as malformed.</summary>
    public static MappingResult Malformed(IEnumerable<GcpMalformedSku> skus) =>
        MappingResult.Rejected(skus.Select(m => new QuarantinedRow(Provider, QuarantineRules.Malformed, $"SKU does not match the API's schema: {m.Problem}", m.Row)));

    /// <summary>The list price of a SKU's tiers (null with a reason when the tiers do not make one).</summary>
    /// <remarks>
    /// Tiers are volume steps per billing account and month: the rate at usage 0 is the price a rental pays. A
    /// first tier priced 0 followed by paid tiers is a free allowance of the account, not the price of a VM, so
    /// the first paid tier is the list price then.
    /// </remarks>
    public static (decimal Price, string Currency)? ListPrice(IReadOnlyList<GcpTieredRate> rates, out string? problem)
    {
        problem = null;
        var ordered = rates.OrderBy(r => r.StartUsageAmount).ToList();
        if (ordered.Count == 0 || ordered[0].StartUsageAmount != 0)
        {
            problem = "no tier starts at usage 0";
            return null;
        }

        if (ordered.Any(r => r.UnitPrice < 0) || ordered.Select(r => r.Currency).Distinct(StringComparer.Ordinal).Count() > 1)
        {
            problem = "a tier has a negative price or another currency";
            return null;
        }

        var rate = ordered[0].UnitPrice > 0 ? ordered[0] : ordered.FirstOrDefault(r => r.UnitPrice > 0) ?? ordered[0];
        return (rate.UnitPrice, rate.Currency);
    }

    private PricedSku? Classify(GcpSku sku, List<QuarantinedRow> quarantined, Dictionary<string, int> skipped)
    {
        var name = GcpSkuName.Parse(sku.Description);
        string? model;
        try
        {
            model = name.PricingModel(sku.UsageType);
        }
        catch (FormatException ex)
        {
            if (map.TryFindComponent(name.Body, name.IsCommitment, out _, name.Dws != GcpDwsMode.None))
            {
                quarantined.Add(SkuQuarantine(QuarantineRules.Malformed, ex.Message, sku));
            }
            else
            {
                Count(skipped, "not a component of a priced machine type");
            }

            return null;
        }

        if (!map.TryFindComponent(name.Body, name.IsCommitment, out var component, name.Dws != GcpDwsMode.None))
        {
            Count(skipped, "not a component of a priced machine type");
            return null;
        }

        if (model is null)
        {
            Count(skipped, $"usage type {sku.UsageType}");
            return null;
        }

        var expectedUnit = component.Kind == GcpComponentKind.Ram ? "GiBy.h" : "h";
        if (sku.UsageUnit != expectedUnit)
        {
            quarantined.Add(SkuQuarantine(QuarantineRules.NonHourlyUnit, $"usageUnit '{sku.UsageUnit}' is not '{expectedUnit}' for {component}.", sku));
            return null;
        }

        var listPrice = ListPrice(sku.TieredRates, out var problem);
        if (listPrice is null)
        {
            quarantined.Add(SkuQuarantine(QuarantineRules.Malformed, $"tieredRates: {problem}.", sku));
            return null;
        }

        if (listPrice.Value.Price == 0)
        {
            // A free part would understate every VM built from it.
            quarantined.Add(SkuQuarantine(QuarantineRules.ZeroPrice, $"{component} is priced 0.", sku));
            return null;
        }

        return new PricedSku(sku, component, model, listPrice.Value.Price, listPrice.Value.Currency);
    }

    private static Dictionary<PartKey, Part> Resolve(Dictionary<PartKey, List<PricedSku>> byPart, List<QuarantinedRow> quarantined)
    {
        var parts = new Dictionary<PartKey, Part>();
        foreach (var (key, skus) in byPart)
        {
            var ordered = skus.OrderBy(s => s.Sku.SkuId, StringComparer.Ordinal).ToList();
            if (ordered.Select(s => (s.Price, s.Currency)).Distinct().Count() == 1)
            {
                // Google lists some parts twice (us-east4 as both "Virginia" and "Northern Virginia"): one price, kept once.
                foreach (var extra in ordered.Skip(1))
                {
                    quarantined.Add(SkuQuarantine(QuarantineRules.Duplicate,
                        $"Prices {key.Component} in {key.Region} ({key.Model}) like SKU {ordered[0].Sku.SkuId}; that one is kept.", extra.Sku));
                }

                parts[key] = new Part(ordered[0], []);
                continue;
            }

            // Two prices for one part: we cannot know which is right, so nothing built from it is priced.
            foreach (var sku in ordered)
            {
                quarantined.Add(SkuQuarantine(QuarantineRules.ConflictingDuplicate,
                    $"{key.Component} in {key.Region} ({key.Model}) has {ordered.Count} SKUs with different prices ({string.Join(", ", ordered.Select(s => s.Price))}).", sku.Sku));
            }

            parts[key] = new Part(null, ordered);
        }

        return parts;
    }

    private static void ComposeMachine(GcpMachineType machine, string region, string model, Part gpuPart,
        Dictionary<PartKey, Part> parts, List<Offer> offers, List<QuarantinedRow> quarantined)
    {
        var gpuKey = new PartKey(new GcpComponent(GcpComponentKind.Accelerator, machine.Accelerator.Gpu), region, model);
        var anyGpuSku = gpuPart.Chosen ?? gpuPart.Conflicting[0];

        // A spot GPU SKU priced above the same GPU's on-demand SKU is a catalog error whatever the host costs (a VM
        // total could still come out below on-demand, hiding it): the spot VM is not published.
        if (model == PricingModels.Spot && gpuPart.Chosen is { } spotGpu
            && parts.TryGetValue(gpuKey with { Model = PricingModels.OnDemand }, out var onDemandPart) && onDemandPart.Chosen is { } onDemandGpu
            && spotGpu.Currency == onDemandGpu.Currency && spotGpu.Price > onDemandGpu.Price)
        {
            quarantined.Add(OfferQuarantine(QuarantineRules.SpotAboveOnDemand,
                $"{machine.MachineType} in {region}: the GPU's spot SKU ({spotGpu.Price} {spotGpu.Currency}/h) is priced above its on-demand SKU {onDemandGpu.Sku.SkuId} ({onDemandGpu.Price} {onDemandGpu.Currency}/h).",
                machine.MachineType, gpuKey, spotGpu));
            return;
        }
        var needs = new List<(GcpComponent Component, decimal Quantity)>();
        if (machine.Series.Pricing == GcpVmPricing.HostPlusAccelerators)
        {
            needs.Add((new GcpComponent(GcpComponentKind.Core, machine.Series.Series), machine.Vcpus));
            needs.Add((new GcpComponent(GcpComponentKind.Ram, machine.Series.Series), machine.MemoryGib));
        }

        needs.Add((gpuKey.Component, machine.Count));

        var missing = new List<string>();
        var conflicting = new List<string>();
        var found = new List<(PricedSku Sku, decimal Quantity)>();
        foreach (var (component, quantity) in needs)
        {
            if (!parts.TryGetValue(new PartKey(component, region, model), out var part))
            {
                missing.Add(SkuNameOf(machine.Series, component, model));
            }
            else if (part.Chosen is null)
            {
                conflicting.Add(component.ToString());
            }
            else
            {
                found.Add((part.Chosen, quantity));
            }
        }

        if (missing.Count > 0)
        {
            quarantined.Add(OfferQuarantine(GcpQuarantineRules.MissingComponent,
                $"{machine.MachineType} in {region} ({model}): GPU SKU {anyGpuSku.Sku.SkuId} is priced but {string.Join(" and ", missing)} {(missing.Count > 1 ? "are" : "is")} not; a GPU-only price is not a VM price.",
                machine.MachineType, gpuKey, anyGpuSku));
            return;
        }

        if (conflicting.Count > 0)
        {
            quarantined.Add(OfferQuarantine(QuarantineRules.ConflictingDuplicate,
                $"{machine.MachineType} in {region} ({model}): {string.Join(" and ", conflicting)} has SKUs with different prices.", machine.MachineType, gpuKey, anyGpuSku));
            return;
        }

        var currencies = found.Select(f => f.Sku.Currency).Distinct(StringComparer.Ordinal).ToList();
        if (currencies.Count > 1)
        {
            quarantined.Add(OfferQuarantine(QuarantineRules.Malformed,
                $"{machine.MachineType} in {region} ({model}): its parts are priced in {string.Join(" and ", currencies)}.", machine.MachineType, gpuKey, anyGpuSku));
            return;
        }

        var price = found.Sum(f => f.Quantity * f.Sku.Price);
        var effective = found.Select(f => f.Sku.Sku.EffectiveTime).Where(t => t is not null).DefaultIfEmpty(DateTimeOffset.UnixEpoch).Max()!.Value;
        var meters = string.Join(';', found.Select(f => $"{Short(f.Sku.Component.Kind)}={f.Sku.Sku.SkuId}"));
        offers.Add(new Offer(Provider, region, null, machine.MachineType, machine.Accelerator.AcceleratorId, machine.Count, machine.Vcpus, machine.MemoryGib,
            model, price, currencies[0], effective, gpuPart.Chosen!.Sku.SkuId, meters));
    }

    private static string SkuNameOf(GcpSeries series, GcpComponent component, string model)
    {
        var commitment = model is PricingModels.Committed1Y or PricingModels.Committed3Y;
        var dws = model is PricingModels.DwsFlexStart or PricingModels.DwsCalendar;
        var name = component.Kind switch
        {
            GcpComponentKind.Core => commitment ? series.CommitmentCoreSku : dws ? series.DwsCoreSku : series.CoreSku,
            GcpComponentKind.Ram => commitment ? series.CommitmentRamSku : dws ? series.DwsRamSku : series.RamSku,
            _ => component.Key,
        };
        return name is null ? $"a {component.Kind.ToString().ToLowerInvariant()} SKU of series {series.Series} (no {model} SKU name is known)" : $"'{name}'";
    }

    private static string Short(GcpComponentKind kind) => kind switch
    {
        GcpComponentKind.Core => "core",
        GcpComponentKind.Ram => "ram",
        GcpComponentKind.Accelerator => "gpu",
        _ => "tpu",
    };

    private static void Count(Dictionary<string, int> skipped, string reason) => skipped[reason] = skipped.GetValueOrDefault(reason) + 1;

    private static QuarantinedRow SkuQuarantine(string rule, string reason, GcpSku sku) => new(Provider, rule, reason, sku.Describe());

    private static QuarantinedRow OfferQuarantine(string rule, string reason, string instanceType, PartKey key, PricedSku sku) =>
        new(Provider, rule, reason, $"{instanceType} region={key.Region} model={key.Model} sku={sku.Sku.SkuId} '{sku.Sku.Description}' price={sku.Price} {sku.Currency}/h");

    private sealed record PricedSku(GcpSku Sku, GcpComponent Component, string Model, decimal Price, string Currency);

    private readonly record struct PartKey(GcpComponent Component, string Region, string Model);

    /// <summary>A part's price in one region and model: the SKU chosen, or the SKUs that disagree.</summary>
    private sealed record Part(PricedSku? Chosen, IReadOnlyList<PricedSku> Conflicting);
}
