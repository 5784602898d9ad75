using Pricing.Contracts.V1;

namespace Pricing.Client;

/// <summary>
/// Why offers were excluded: a cause (its summary), how many offers it excluded, and one of them (its offer key, which
/// names the provider, region, zone, instance type and pricing model) with that offer's own reason in full when the
/// answer carries it (the full view), else "".
/// </summary>
public sealed record ExcludedReason(string Reason, int Count, string Example, string ExampleReason = "");

/// <summary>
/// The excluded offers of a quote grouped by reason, most offers first, as the CLI and the Dashboard list them: every
/// view carries the groups (<c>excluded_groups</c>); an answer without them is grouped here from the offers one by one.
/// </summary>
public static class ExcludedReasons
{
    public static IReadOnlyList<ExcludedReason> Of(TrainingQuote quote) => quote.ExcludedGroups.Count > 0
        ? [.. quote.ExcludedGroups.Select(g => new ExcludedReason(g.Reason, g.Count, g.Examples.FirstOrDefault()?.OfferKey ?? "",
            g.Examples.FirstOrDefault() is { } e && e.Reason != g.Reason ? e.Reason : ""))]
        : [.. quote.Excluded.GroupBy(e => e.Reason).Select(g => new ExcludedReason(g.Key, g.Count(), g.First().OfferKey)).OrderByDescending(r => r.Count)];
}
