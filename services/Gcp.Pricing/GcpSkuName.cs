using System.Text.RegularExpressions;
using Pricing.Catalog;

namespace Gcp.Pricing;

/// <summary>
/// A SKU description taken apart: what is priced (<see cref="Body"/>, e.g. "A2 Instance Core" or
/// "Nvidia Tesla A100 GPU"), where, and the spot and commitment wrappers Google puts around the same body:
/// "Spot Preemptible A2 Instance Core running in Americas", "Nvidia L4 GPU attached to Spot Preemptible VMs running in Iowa",
/// "Commitment v1: Nvidia Tesla A100 GPU in Americas for 1 Year".
/// </summary>
public sealed partial record GcpSkuName(string Body, string? Location, bool IsCommitment, int? CommitmentYears, bool SpotMarker)
{
    private const string CommitmentPrefix = "Commitment v1: ";
    private static readonly string[] SpotPrefixes = ["Spot Preemptible ", "Preemptible "];
    private const string SpotSuffix = " attached to Spot Preemptible VMs";

    public static GcpSkuName Parse(string description)
    {
        var text = description.Trim();
        if (text.StartsWith(CommitmentPrefix, StringComparison.Ordinal))
        {
            var rest = text[CommitmentPrefix.Length..];
            var match = CommitmentPattern().Match(rest);
            return match.Success
                ? new GcpSkuName(match.Groups["body"].Value, match.Groups["location"].Value, true, int.Parse(match.Groups["years"].Value, System.Globalization.CultureInfo.InvariantCulture), false)
                : new GcpSkuName(rest, null, true, null, false);
        }

        var running = RunningInPattern().Match(text);
        var body = running.Success ? running.Groups["body"].Value : text;
        var location = running.Success ? running.Groups["location"].Value : null;
        var spot = false;
        foreach (var prefix in SpotPrefixes)
        {
            if (body.StartsWith(prefix, StringComparison.Ordinal))
            {
                body = body[prefix.Length..];
                spot = true;
                break;
            }
        }

        if (body.EndsWith(SpotSuffix, StringComparison.Ordinal))
        {
            body = body[..^SpotSuffix.Length];
            spot = true;
        }

        return new GcpSkuName(body, location, false, null, spot);
    }

    /// <summary>
    /// The pricing model of a SKU, from <c>category.usageType</c>; null for usage types we do not price. Some
    /// preemptible TPU SKUs are categorised <c>OnDemand</c> and say "Spot Preemptible" only in their description
    /// (noted in SkyPilot's GCP fetcher), so a spot marker in the description wins over <c>OnDemand</c>.
    /// Throws <see cref="FormatException"/> when the description contradicts the usage type.
    /// </summary>
    public string? PricingModel(string usageType)
    {
        switch (usageType)
        {
            case "OnDemand":
                Require(!IsCommitment, "an OnDemand SKU is described as a commitment");
                return SpotMarker ? PricingModels.Spot : PricingModels.OnDemand;
            case "Preemptible":
                Require(!IsCommitment, "a Preemptible SKU is described as a commitment");
                return PricingModels.Spot;
            case "Commit1Yr":
                Require(IsCommitment && CommitmentYears == 1, "a Commit1Yr SKU is not described as a 1 Year commitment");
                return PricingModels.Committed1Y;
            case "Commit3Yr":
                Require(IsCommitment && CommitmentYears == 3, "a Commit3Yr SKU is not described as a 3 Year commitment");
                return PricingModels.Committed3Y;
            default:
                return null;
        }
    }

    private static void Require(bool condition, string problem)
    {
        if (!condition)
        {
            throw new FormatException($"The description contradicts usageType: {problem}.");
        }
    }

    [GeneratedRegex(@"^(?<body>.+?) in (?<location>.+?) for (?<years>\d+) Years?$", RegexOptions.CultureInvariant)]
    private static partial Regex CommitmentPattern();

    [GeneratedRegex(@"^(?<body>.+?) running in (?<location>.+)$", RegexOptions.CultureInvariant)]
    private static partial Regex RunningInPattern();
}
