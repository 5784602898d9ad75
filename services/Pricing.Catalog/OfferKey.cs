using System.Diagnostics.CodeAnalysis;

namespace Pricing.Catalog;

/// <summary>
/// An offer's identity across catalog versions, written <c>provider|region|zone|instance|pricing_model</c>
/// (the zone is empty where the provider prices per region). The one place that formats and parses it: the
/// events, the history API, the CLI and the Dashboard all read keys through here.
/// </summary>
public readonly record struct OfferKey(string Provider, string Region, string? Zone, string InstanceType, string PricingModel)
{
    public const char Separator = '|';

    /// <summary>What callers are told a key looks like, with an example.</summary>
    public const string Shape = "provider|region|zone|instance|pricing_model, zone may be empty (e.g. 'azure|eastus||Standard_ND96isr_H100_v5|on_demand')";

    public static OfferKey Of(Offer offer) => new(offer.Provider, offer.Region, offer.Zone, offer.InstanceType, offer.PricingModel);

    public static string Format(string provider, string region, string? zone, string instanceType, string pricingModel) =>
        string.Concat(provider, "|", region, "|", zone, "|", instanceType, "|") + pricingModel;

    /// <summary>
    /// Reads a key: five parts, every part but the zone non-empty. Anything else (including a null or empty
    /// string) is not a key.
    /// </summary>
    public static bool TryParse([NotNullWhen(true)] string? text, out OfferKey key)
    {
        key = default;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        Span<Range> parts = stackalloc Range[6];
        var span = text.AsSpan();
        if (span.Split(parts, Separator) != 5)
        {
            return false;
        }

        ReadOnlySpan<char> provider = span[parts[0]], region = span[parts[1]], zone = span[parts[2]], instance = span[parts[3]], model = span[parts[4]];
        if (provider.IsEmpty || region.IsEmpty || instance.IsEmpty || model.IsEmpty)
        {
            return false;
        }

        key = new OfferKey(provider.ToString(), region.ToString(), zone.IsEmpty ? null : zone.ToString(), instance.ToString(), model.ToString());
        return true;
    }

    /// <summary>The instance type, with the zone in brackets where the offer is priced per zone.</summary>
    public string InstanceLabel => Zone is { Length: > 0 } zone ? $"{InstanceType} ({zone})" : InstanceType;

    public override string ToString() => Format(Provider, Region, Zone, InstanceType, PricingModel);
}
