namespace Cluster.Tests.Load;

/// <summary>What arrived against what was expected: lost (never arrived), repeated (arrived more than once), unexpected.</summary>
public sealed record Tally(int Expected, int Lost, int Repeated, int Unexpected)
{
    public static Tally Of(IReadOnlySet<string> expected, IEnumerable<string> received)
    {
        var list = received.ToList();
        var distinct = list.ToHashSet(StringComparer.Ordinal);
        return new Tally(expected.Count, expected.Count(e => !distinct.Contains(e)), list.Count - distinct.Count, distinct.Count(d => !expected.Contains(d)));
    }

    public bool Clean => Lost == 0 && Repeated == 0 && Unexpected == 0;
}
