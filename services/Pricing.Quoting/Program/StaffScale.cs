namespace Pricing.Quoting;

/// <summary>
/// The program's default team size by its scale (docs/quote-model.md §6a): the cited anchors of program-defaults.json
/// (training FLOPs → engineers, with a low and a high), interpolated in log-log space between neighbours and held at the
/// end rows beyond them. Scale is the run's training compute, 6 · N_active · tokens.
/// </summary>
public sealed class StaffScale
{
    private readonly StaffAnchor[] _anchors;

    public StaffScale(IEnumerable<StaffAnchor> anchors)
    {
        _anchors = [.. anchors.OrderBy(a => a.TrainingFlops)];
        foreach (var a in _anchors)
        {
            if (!(a.TrainingFlops > 0 && a.Low > 0 && a.Low <= a.Engineers && a.Engineers <= a.High))
            {
                throw new InvalidDataException($"program-defaults.json staffScale at {a.TrainingFlops:G3} FLOPs: needs FLOPs > 0 and 0 < low <= engineers <= high.");
            }

            if (string.IsNullOrWhiteSpace(a.Cite) || string.IsNullOrWhiteSpace(a.Source))
            {
                throw new InvalidDataException($"program-defaults.json staffScale at {a.TrainingFlops:G3} FLOPs has no source or cite.");
            }
        }
    }

    public IReadOnlyList<StaffAnchor> Anchors => _anchors;

    /// <summary>Engineers (value, low, high) for a program whose run takes <paramref name="trainingFlops"/>, and the anchors it stands between.</summary>
    public (double Value, double Low, double High, string Cite) For(double trainingFlops)
    {
        if (_anchors.Length == 0)
        {
            throw new InvalidDataException("program-defaults.json has no staffScale rows.");
        }

        var x = Math.Log10(Math.Max(trainingFlops, 1));
        if (Array.Find(_anchors, a => Math.Abs(Math.Log10(a.TrainingFlops) - x) < 1e-9) is { } exact)
        {
            return (exact.Engineers, exact.Low, exact.High, exact.Cite);
        }

        var upper = Array.FindIndex(_anchors, a => Math.Log10(a.TrainingFlops) >= x);
        if (upper <= 0)
        {
            var end = _anchors[upper < 0 ? ^1 : 0];
            return (end.Engineers, end.Low, end.High, end.Cite);
        }

        var (lo, hi) = (_anchors[upper - 1], _anchors[upper]);
        var t = (x - Math.Log10(lo.TrainingFlops)) / (Math.Log10(hi.TrainingFlops) - Math.Log10(lo.TrainingFlops));
        double Between(double a, double b) => Math.Pow(10, Math.Log10(a) + t * (Math.Log10(b) - Math.Log10(a)));
        return (Between(lo.Engineers, hi.Engineers), Between(lo.Low, hi.Low), Between(lo.High, hi.High), $"{lo.Cite}; {hi.Cite}");
    }
}
