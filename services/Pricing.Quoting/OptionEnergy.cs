using Pricing.Catalog;

namespace Pricing.Quoting;

/// <summary>An option's energy: node-level power, kWh over the run (× PUE) and the grid's CO2, with where each figure comes from.</summary>
internal sealed record OptionEnergyUse(PowerBasis Power, double Kwh, double Co2Kg, double Pue, double GridKgCo2PerKwh, bool GridIntensityIsFallback);

/// <summary>
/// Energy and carbon at node level (docs/quote-model.md §7): accelerator-hours × node power per accelerator × the load
/// factor × the provider's PUE, and that × the region's grid intensity; a fallback figure is flagged with a warning.
/// </summary>
internal sealed class OptionEnergy(EnergyFactors energy, ModelDefaults defaults)
{
    /// <summary>Energy and CO2 of <paramref name="acceleratorHours"/> on the offer; fallbacks are said once in <paramref name="warnings"/>.</summary>
    public OptionEnergyUse For(Accelerator a, InstanceFamily? family, Offer offer, QuoteSpec spec, double acceleratorHours, List<string> warnings)
    {
        var pue = energy.Pue(offer.Provider);
        var grid = energy.GridIntensity(offer.Provider, offer.Region);
        if (grid.IsFallback)
        {
            warnings.AddOnce($"No grid carbon intensity for {offer.Provider} region '{offer.Region}': CO2 uses the fallback {grid.Value:G3} kg/kWh ({grid.Source}).");
        }

        var power = PowerFor(a, family, offer, spec, warnings);
        var kwh = acceleratorHours * power.WattsPerAccelerator / 1000 * power.LoadFactor * pue.Value;
        return new OptionEnergyUse(power, kwh, kwh * grid.Value, pue.Value, grid.Value, grid.IsFallback);
    }

    /// <summary>Node-level power per accelerator: the family's published node power, else TDP × the node overhead, else a flagged fallback.</summary>
    private PowerBasis PowerFor(Accelerator a, InstanceFamily? family, Offer offer, QuoteSpec spec, List<string> warnings)
    {
        var load = spec.EnergyUtilisation ?? defaults.EnergyUtilisation.Value;
        if (family?.NodePowerWatts is { } node && node > 0)
        {
            var perAccelerator = family.PowerIsPerChip ? node : node / (double)offer.AcceleratorsPerInstance;
            return new PowerBasis(perAccelerator, load, false, family.NodePowerSource ?? family.Source);
        }

        if (a.TdpWatts is { } tdp)
        {
            return new PowerBasis(tdp * defaults.NodePowerOverTdp.Value, load, true,
                $"TDP {tdp:G} W × {defaults.NodePowerOverTdp.Value:G} node overhead ({defaults.NodePowerOverTdp.Source})");
        }

        warnings.AddOnce($"No published power for {a.Id} or {offer.InstanceType}: energy uses an estimated {defaults.FallbackWattsPerAccelerator.Value:G} W per accelerator.");
        return new PowerBasis(defaults.FallbackWattsPerAccelerator.Value, load, true, defaults.FallbackWattsPerAccelerator.Source);
    }
}
