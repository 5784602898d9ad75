using Pricing.Catalog;
using Pricing.Quoting;

namespace Pricing.Testing;

/// <summary>
/// A <see cref="QuoteEngine"/> over the bundled data, for test projects outside Pricing.Quoting.Tests (which alone sees
/// the engine's internal shorthand constructors): the engine the services build, through its one public constructor.
/// </summary>
public static class TestQuoteEngines
{
    /// <summary>An engine over <paramref name="registry"/> (default: the bundled accelerators) and the bundled efficiency, instance, cost, energy and model data.</summary>
    public static QuoteEngine Bundled(AcceleratorRegistry? registry = null) => new(
        registry ?? AcceleratorRegistry.Default, EfficiencyModel.Default, InstanceCapabilities.Default, ProviderCosts.Default, EnergyFactors.Default, ModelDefaults.Default);
}
