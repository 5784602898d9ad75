using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Html;
using Pricing.Client;
using Pricing.Contracts;
using Pricing.Contracts.V1;

namespace Dashboard.Charts;

/// <summary>
/// The program beside the run as inline SVG (docs/quote-model.md §6a): one bar for the final pre-training run, one
/// stacked bar of every stage and summed line of the program, on the same scale, each segment with its amount as a
/// tooltip and in the legend. Drawn from the same program the plan lines show.
/// </summary>
public static class ProgramBar
{
    private const int Width = 860;
    private const int Left = 110;
    private const int Right = 24;
    private const int BarHeight = 28;
    private const int LegendRow = 18;

    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>The segments of the program's bar: every stage, then the lines the total sums, in the program's order (none empty).</summary>
    public static IReadOnlyList<(string Name, decimal Amount)> Segments(TrainingProgram program) =>
    [
        .. program.Stages.Select(s => (s.Name, s.Cost.ToDecimal())),
        .. program.Lines.Where(l => !l.Optional).Select(l => (l.Name, l.Amount.ToDecimal())),
    ];

    public static IHtmlContent Render(string id, TrainingProgram program)
    {
        var segments = Segments(program).Where(s => s.Amount > 0).ToList();
        var total = segments.Sum(s => s.Amount);
        var run = program.Stages.FirstOrDefault()?.Cost.ToDecimal() ?? 0;
        var plot = Width - Left - Right;
        var legendRows = (segments.Count + 2) / 3;
        var height = 20 + (2 * (BarHeight + 12)) + 10 + (legendRows * LegendRow);
        var svg = new StringBuilder();
        svg.Append(Invariant, $"<svg id=\"{Enc(id)}\" class=\"chart program-bar\" role=\"img\" viewBox=\"0 0 {Width} {height}\" width=\"100%\" preserveAspectRatio=\"xMidYMid meet\" xmlns=\"http://www.w3.org/2000/svg\">");
        svg.Append(Invariant, $"<title>Final run {PlanLines.Cost(run.ToMoney())} against the whole program {PlanLines.Cost(total.ToMoney())}</title>");
        if (total <= 0)
        {
            svg.Append("</svg>");
            return new HtmlString(svg.ToString());
        }

        double Scale(decimal amount) => (double)(amount / total) * plot;
        var y = 20;
        Bar(svg, "Final run", y, [("pre_training", run)], Scale, total);
        y += BarHeight + 12;
        Bar(svg, "Program", y, segments, Scale, total);
        y += BarHeight + 22;
        for (var i = 0; i < segments.Count; i++)
        {
            var (lx, ly) = (Left + (i % 3 * (plot / 3)), y + (i / 3 * LegendRow));
            svg.Append(Invariant, $"<rect x=\"{lx}\" y=\"{ly - 9}\" width=\"10\" height=\"10\" fill=\"{Colour(i)}\"/>");
            svg.Append(Invariant, $"<text class=\"legend\" x=\"{lx + 14}\" y=\"{ly}\">{Enc($"{PlanLines.Words(segments[i].Name)} {PlanLines.Cost(segments[i].Amount.ToMoney())}")}</text>");
        }

        svg.Append("</svg>");
        return new HtmlString(svg.ToString());
    }

    private static void Bar(StringBuilder svg, string label, int y, IReadOnlyList<(string Name, decimal Amount)> parts, Func<decimal, double> scale, decimal total)
    {
        svg.Append(Invariant, $"<text class=\"tick\" x=\"{Left - 8}\" y=\"{y + (BarHeight / 2) + 4}\" text-anchor=\"end\">{Enc(label)}</text>");
        double x = Left;
        for (var i = 0; i < parts.Count; i++)
        {
            var width = scale(parts[i].Amount);
            var share = parts[i].Amount / total;
            svg.Append(Invariant, $"<rect class=\"segment\" data-name=\"{Enc(parts[i].Name)}\" x=\"{F(x)}\" y=\"{y}\" width=\"{F(width)}\" height=\"{BarHeight}\" fill=\"{Colour(i)}\">");
            svg.Append(Invariant, $"<title>{Enc($"{PlanLines.Words(parts[i].Name)}: {PlanLines.Cost(parts[i].Amount.ToMoney())} ({PlanLines.Percent((double)share)} of the program)")}</title></rect>");
            x += width;
        }
    }

    private static string Colour(int i) => SvgChart.Palette[i % SvgChart.Palette.Count];

    private static string F(double value) => value.ToString("0.#", Invariant);

    private static string Enc(string text) => WebUtility.HtmlEncode(text);
}
