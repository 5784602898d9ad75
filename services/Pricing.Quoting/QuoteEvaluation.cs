using Pricing.Catalog;

namespace Pricing.Quoting;

/// <summary>
/// One quote's working state: the spec and what follows from it before any offer (compute, global batch, largest
/// useful cluster), each accelerator type's plan, the ranked candidates, the excluded offers and the warnings.
/// </summary>
internal sealed class QuoteEvaluation(QuoteSpec spec, TrainingCompute compute, int top, long largestUseful, double batchTokens, string batchSource)
{
    private readonly Dictionary<(string Kind, string AcceleratorId, double Size), (string Text, string Kind, string? Summary)> _reasons = [];

    public QuoteSpec Spec { get; } = spec;
    public TrainingCompute Compute { get; } = compute;
    public long LargestUseful { get; } = largestUseful;
    public double BatchTokens { get; } = batchTokens;
    public string BatchSource { get; } = batchSource;

    /// <summary>Per accelerator id, its plan, or null when its offers are skipped (see the warnings).</summary>
    public Dictionary<string, AcceleratorPlan?> Plans { get; } = new(StringComparer.Ordinal);

    public RankedCandidates Ranked { get; } = new(top);

    /// <summary>The catalogs' on-demand CPU offers: the vCPU-hour the program's data processing is priced at.</summary>
    public CatalogVcpuPrices VcpuPrices { get; } = new();
    public List<ExcludedOffer> Excluded { get; } = [];
    public List<string> Warnings { get; } = [];

    /// <summary>
    /// Warnings the basic view leaves out: about figures only the full view shows (energy, power, CO2) or that an
    /// option's capacity already carries (not obtainable, the rate's age). The answer's warnings hold them after <see cref="Warnings"/>.
    /// </summary>
    public List<string> DetailWarnings { get; } = [];

    /// <summary>Every warning, the detail ones after the rest, each once.</summary>
    public IReadOnlyList<string> AllWarnings => [.. Warnings, .. DetailWarnings.Where(w => !Warnings.Contains(w))];

    /// <summary>Offers sharing a reason share its text: built once, not per offer.</summary>
    public void Exclude(Offer offer, (string, string, double) reasonKey, Func<string> reason)
    {
        if (!_reasons.TryGetValue(reasonKey, out var known))
        {
            var (kind, summary) = ExclusionKinds.Of(reasonKey.Item1);
            known = (reason(), kind, summary);
            _reasons[reasonKey] = known;
        }

        Excluded.Add(new ExcludedOffer(offer, known.Text, known.Kind, known.Summary));
    }
}
