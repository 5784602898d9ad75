namespace Pricing.Catalog;

/// <summary>The normalized pricing-model names every provider maps onto.</summary>
public static class PricingModels
{
    public const string OnDemand = "on_demand";
    public const string Spot = "spot";
    public const string Committed1Y = "committed_1y";
    public const string Committed3Y = "committed_3y";

    public static readonly IReadOnlyList<string> All = [OnDemand, Spot, Committed1Y, Committed3Y];

    /// <summary>Known names, plus provider-named reserved variants ("reserved_1y_no_upfront" and the like).</summary>
    public static bool IsKnown(string model) => All.Contains(model) || model.StartsWith("reserved_", StringComparison.Ordinal);
}
