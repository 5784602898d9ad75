using System.Text.RegularExpressions;
using Pricing.Catalog;

namespace Gcp.Pricing;

/// <summary>
/// A SKU description taken apart: what is priced (<see cref="Body"/>, e.g. "A2 Instance Core" or
/// "Nvidia Tesla A100 GPU"), where, and the spot and commitment wrappers Google puts around the same body:
/// "Spot Preemptible A2 Instance Core running in Americas", "Nvidia L4 GPU attached to Spot Preemptible VMs running in Iowa",
/// "Commitment v1: Nvidia Tesla A100 GPU in Americas for 1 Year", and the Dynamic Workload Scheduler ones:
/// flex-start is "DWS Defined Duration" ("Nvidia Tesla A100 GPU attached to DWS Defined Duration VMs running in Americas",
/// "DWS Defined Duration A2 Core running in Americas"), calendar mode "DWS Calendar Mode …" or, for TPUs,
/// "Reserved TpuV5p in Delhi in Calendar Mode". All DWS SKUs are categorised usageType OnDemand, so only the
/// description tells them from the on-demand price.
/// </summary>
public sealed partial record GcpSkuName(string Body, string? Location, bool IsCommitment, int? CommitmentYears, bool SpotMarker, GcpDwsMode Dws = GcpDwsMode.None)
{
    private const string CommitmentPrefix = "Commitment v1: ";
    private static readonly string[] SpotPrefixes = ["Spot Preemptible ", "Preemptible "];
    private const string SpotSuffix = " attached to Spot Preemptible VMs";

    // "DWS Flex Start" is the flex-start prefix of the newest series (H4D); older ones say "DWS Defined Duration".
    private static readonly (string Text, GcpDwsMode Mode)[] DwsPrefixes =
        [("DWS Defined Duration ", GcpDwsMode.FlexStart), ("DWS Flex Start ", GcpDwsMode.FlexStart), ("DWS Calendar Mode ", GcpDwsMode.Calendar)];
    private static readonly (string Text, GcpDwsMode Mode)[] DwsSuffixes =
        [(" attached to DWS Defined Duration VMs", GcpDwsMode.FlexStart), (" attached to DWS Flex Start VMs", GcpDwsMode.FlexStart), (" attached to DWS Calendar Mode VMs", GcpDwsMode.Calendar)];

    public static GcpSkuName Parse(string description)
    {
        var text = description.Trim();
        if (text.StartsWith(CommitmentPrefix, StringComparison.Ordinal))
        {
            var rest = text[CommitmentPrefix.Length..];
            var match = CommitmentPattern().Match(rest);
            if (!match.Success)
            {
                return new GcpSkuName(rest, null, true, null, false);
            }

            // TPU commitments keep the on-demand wording: "Commitment v1: TpuV5p running in Netherlands for 3 Years".
            var committed = match.Groups["body"].Value;
            committed = committed.EndsWith(" running", StringComparison.Ordinal) ? committed[..^" running".Length] : committed;
            return new GcpSkuName(committed, match.Groups["location"].Value, true, int.Parse(match.Groups["years"].Value, System.Globalization.CultureInfo.InvariantCulture), false);
        }

        var reserved = CalendarReservationPattern().Match(text);
        if (reserved.Success)
        {
            return new GcpSkuName(reserved.Groups["body"].Value, reserved.Groups["location"].Value, false, null, false, GcpDwsMode.Calendar);
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

        var dws = GcpDwsMode.None;
        foreach (var (prefix, mode) in DwsPrefixes)
        {
            if (body.StartsWith(prefix, StringComparison.Ordinal))
            {
                body = body[prefix.Length..];
                dws = mode;
                break;
            }
        }

        foreach (var (suffix, mode) in DwsSuffixes)
        {
            if (body.EndsWith(suffix, StringComparison.Ordinal))
            {
                body = body[..^suffix.Length];
                dws = mode;
                break;
            }
        }

        return new GcpSkuName(body, location, false, null, spot, dws);
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
                Require(!(SpotMarker && Dws != GcpDwsMode.None), "a SKU is described as both spot and Dynamic Workload Scheduler");
                return Dws switch
                {
                    GcpDwsMode.FlexStart => PricingModels.DwsFlexStart,
                    GcpDwsMode.Calendar => PricingModels.DwsCalendar,
                    _ => SpotMarker ? PricingModels.Spot : PricingModels.OnDemand,
                };
            case "Preemptible":
                Require(!IsCommitment, "a Preemptible SKU is described as a commitment");
                Require(Dws == GcpDwsMode.None, "a Preemptible SKU is described as Dynamic Workload Scheduler");
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

    [GeneratedRegex(@"^Reserved (?<body>.+?) in (?<location>.+?) in Calendar Mode$", RegexOptions.CultureInvariant)]
    private static partial Regex CalendarReservationPattern();
}

/// <summary>Which Dynamic Workload Scheduler mode a SKU prices, if any.</summary>
public enum GcpDwsMode
{
    None = 0,

    /// <summary>Flex-start ("DWS Defined Duration"): queued, runs up to 7 days once granted.</summary>
    FlexStart = 1,

    /// <summary>Calendar mode: a future reservation of a fixed block, booked ahead.</summary>
    Calendar = 2,
}
