using static Pricing.Quoting.QuoteRounding;

namespace Pricing.Quoting;

/// <summary>
/// Rent or own (docs/quote-model.md §6a), Epoch AI's amortised-hardware method (Cottier et al. 2024): the server price
/// per accelerator, grossed up so the cluster interconnect is its cited share of the hardware, spread straight over the
/// server's life in hours, plus the accelerator's node power × load × PUE at the owner's electricity price. Low: the
/// cheapest server quote, the smallest interconnect share, the longest life and the cheapest power; high the reverse.
/// </summary>
internal sealed class OwnerCostModel(ProgramDefaults defaults)
{
    private const double HoursPerYear = 8760;

    /// <summary>The owner's cost per accelerator-hour, or null when program-defaults.json has no server price for the accelerator.</summary>
    public OwnerCost? For(string acceleratorId, PowerBasis power, double pue, decimal rent)
    {
        if (defaults.ServerFor(acceleratorId) is not { } server)
        {
            return null;
        }

        var share = defaults.InterconnectShare;
        var life = defaults.ServerLifeYears;
        var electricity = defaults.ElectricityUsdPerKwh;
        double Hardware(double price, double interconnect, double years) => price / server.AcceleratorsPerServer / (1 - interconnect) / (years * HoursPerYear);
        double Power(double usdPerKwh) => power.WattsPerAccelerator / 1000 * power.LoadFactor * pue * usdPerKwh;

        var hardware = Hardware(server.PriceUsd, share.Value, life.Value);
        var energy = Power(electricity.Value);
        return new OwnerCost(
            MoneyOf(hardware + energy),
            MoneyOf(Hardware(server.LowUsd, share.Low, life.High) + Power(electricity.Low)),
            MoneyOf(Hardware(server.HighUsd, share.High, life.Low) + Power(electricity.High)),
            rent,
            MoneyOf(server.PriceUsd / server.AcceleratorsPerServer / (1 - share.Value)),
            share.Value,
            life.Value,
            MoneyOf(hardware),
            MoneyOf(energy),
            electricity.Value,
            $"{server.Cite}; {share.Cite}; {life.Cite}; {electricity.Cite}");
    }
}
