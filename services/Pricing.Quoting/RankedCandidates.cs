using Pricing.Catalog;

namespace Pricing.Quoting;

/// <summary>One offer sized for the run: its cluster, run and cost, before it is written out as an option.</summary>
internal readonly record struct Candidate(
    Offer Offer, PriceViewCatalog Catalog, AcceleratorPlan Plan, InstanceFamily? Family, RunRate Run, int Instances, double Rented, string Basis, double Discount, double Cost, double WallClockHours, bool Obtainable);

/// <summary>
/// Ranking: obtainable first, then cheapest, then fastest, then by the offer's identity. Keeps only the <c>top</c> cheapest candidates
/// and each accelerator type's best as they arrive, so a big catalog is never sorted whole.
/// </summary>
internal sealed class RankedCandidates(int top)
{
    private static readonly IComparer<Candidate> RankOrder = Comparer<Candidate>.Create(Compare);

    /// <summary>The cheapest candidates so far, in rank order, at most <c>top</c> of them (none when <c>top</c> is 0).</summary>
    public List<Candidate> Top { get; } = [];

    public Dictionary<string, (Candidate Best, int Count)> BestByAccelerator { get; } = new(StringComparer.Ordinal);

    public int Considered { get; private set; }

    public void Add(Candidate candidate)
    {
        Considered++;
        var id = candidate.Offer.AcceleratorId;
        BestByAccelerator[id] = BestByAccelerator.TryGetValue(id, out var current)
            ? (Compare(candidate, current.Best) < 0 ? candidate : current.Best, current.Count + 1)
            : (candidate, 1);

        // Bounded insertion: most candidates lose to the current last place in one comparison.
        if (top <= 0 || (Top.Count == top && Compare(candidate, Top[^1]) >= 0))
        {
            return;
        }

        var at = Top.BinarySearch(candidate, RankOrder);
        Top.Insert(at < 0 ? ~at : at, candidate);
        if (Top.Count > top)
        {
            Top.RemoveAt(Top.Count - 1);
        }
    }

    /// <summary>
    /// Obtainable plans first (the top of a quote is never one the engine calls unobtainable while another is not), then
    /// cheapest, then fastest, then by the offer's identity fields so equal quotes rank the same every time.
    /// </summary>
    private static int Compare(Candidate x, Candidate y)
    {
        var byObtainable = y.Obtainable.CompareTo(x.Obtainable);
        if (byObtainable != 0)
        {
            return byObtainable;
        }

        var byCost = x.Cost.CompareTo(y.Cost);
        if (byCost != 0)
        {
            return byCost;
        }

        var byWall = x.WallClockHours.CompareTo(y.WallClockHours);
        if (byWall != 0)
        {
            return byWall;
        }

        // Field by field rather than OfferKey: the key is built on every read, and ties are common in big catalogs.
        var a = x.Offer;
        var b = y.Offer;
        var c = string.CompareOrdinal(a.Provider, b.Provider);
        c = c != 0 ? c : string.CompareOrdinal(a.Region, b.Region);
        c = c != 0 ? c : string.CompareOrdinal(a.Zone, b.Zone);
        c = c != 0 ? c : string.CompareOrdinal(a.InstanceType, b.InstanceType);
        return c != 0 ? c : string.CompareOrdinal(a.PricingModel, b.PricingModel);
    }
}
