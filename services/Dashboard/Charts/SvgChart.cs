using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Html;

namespace Dashboard.Charts;

/// <summary>A point of a series; <see cref="Title"/> becomes the point's tooltip.</summary>
public sealed record ChartPoint(double X, double Y, string Title, string? Label = null);

public sealed record ChartSeries(string Name, IReadOnlyList<ChartPoint> Points, string? Color = null);

/// <summary>
/// Charts rendered on the server as inline SVG: no JS library, nothing fetched. A step chart (prices over time)
/// and a scatter chart (cost against wall-clock time), with axes, ticks, a legend and a tooltip per point.
/// </summary>
public static class SvgChart
{
    public static readonly IReadOnlyList<string> Palette =
        ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#ca8a04", "#db2777", "#4b5563", "#65a30d"];

    private const int Width = 860;
    private const int Height = 360;
    private const int Left = 84;
    private const int Right = 24;
    private const int Top = 20;
    private const int Bottom = 56;

    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>Each series as a step line (a price holds until the next change), x as Unix seconds.</summary>
    public static IHtmlContent Steps(string id, string title, IReadOnlyList<ChartSeries> series, Func<double, string> yFormat, string yTitle)
    {
        return Render(id, title, series, yFormat, yTitle, xTitle: "time (UTC)", steps: true,
            xFormat: (x, span) => DateTimeOffset.FromUnixTimeSeconds((long)x).UtcDateTime.ToString(span switch
            {
                > 2 * 86400 => "yyyy-MM-dd",
                > 3600 => "MM-dd HH:mm",
                _ => "HH:mm:ss",
            }, Invariant),
            logX: false);
    }

    /// <summary>Points only; x on a log scale when it spans more than two decades.</summary>
    public static IHtmlContent Scatter(string id, string title, IReadOnlyList<ChartSeries> series, Func<double, string> xFormat, string xTitle, Func<double, string> yFormat, string yTitle)
    {
        var xs = series.SelectMany(s => s.Points).Select(p => p.X).Where(x => x > 0).ToList();
        var logX = xs.Count > 1 && xs.Max() / xs.Min() > 100;
        return Render(id, title, series, yFormat, yTitle, xTitle, steps: false, xFormat: (x, _) => xFormat(x), logX: logX);
    }

    private static IHtmlContent Render(string id, string title, IReadOnlyList<ChartSeries> series, Func<double, string> yFormat, string yTitle,
        string xTitle, bool steps, Func<double, double, string> xFormat, bool logX)
    {
        var points = series.SelectMany(s => s.Points).ToList();
        var svg = new StringBuilder();
        var legendRows = (series.Count + 1) / 2;
        var height = Height + (legendRows * 18);
        svg.Append(CultureInfo.InvariantCulture, $"<svg id=\"{Enc(id)}\" class=\"chart\" role=\"img\" viewBox=\"0 0 {Width} {height}\" width=\"100%\" preserveAspectRatio=\"xMidYMid meet\" xmlns=\"http://www.w3.org/2000/svg\">");
        svg.Append("<title>").Append(Enc(title)).Append("</title>");
        if (points.Count == 0)
        {
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Width / 2}\" y=\"{Height / 2}\" text-anchor=\"middle\" class=\"chart-empty\">No data</text></svg>");
            return new HtmlString(svg.ToString());
        }

        double Tx(double x) => logX ? Math.Log10(Math.Max(x, 1e-9)) : x;
        var xMin = points.Min(p => Tx(p.X));
        var xMax = points.Max(p => Tx(p.X));
        if (xMax - xMin < 1e-9)
        {
            xMin -= logX ? 0.5 : Math.Max(1, Math.Abs(xMin) * 0.05);
            xMax += logX ? 0.5 : Math.Max(1, Math.Abs(xMax) * 0.05);
        }

        var yTicks = NiceTicks(Math.Min(0, points.Min(p => p.Y)), points.Max(p => p.Y));
        var yMin = yTicks[0];
        var yMax = yTicks[^1];
        var plotW = Width - Left - Right;
        var plotH = Height - Top - Bottom;
        double Px(double x) => Left + ((Tx(x) - xMin) / (xMax - xMin) * plotW);
        double Py(double y) => Top + plotH - ((y - yMin) / (yMax - yMin) * plotH);

        // Grid, y axis.
        foreach (var tick in yTicks)
        {
            var y = Py(tick);
            svg.Append(CultureInfo.InvariantCulture, $"<line class=\"grid\" x1=\"{Left}\" x2=\"{Width - Right}\" y1=\"{F(y)}\" y2=\"{F(y)}\"/>");
            svg.Append(CultureInfo.InvariantCulture, $"<text class=\"tick\" x=\"{Left - 6}\" y=\"{F(y + 4)}\" text-anchor=\"end\">{Enc(yFormat(tick))}</text>");
        }

        // X ticks.
        var xTickValues = logX
            ? Enumerable.Range((int)Math.Floor(xMin), (int)Math.Ceiling(xMax) - (int)Math.Floor(xMin) + 1).Select(e => Math.Pow(10, e)).Where(v => Tx(v) >= xMin - 1e-9 && Tx(v) <= xMax + 1e-9).ToList()
            : [.. Enumerable.Range(0, 6).Select(i => xMin + ((xMax - xMin) * i / 5))];
        foreach (var tick in xTickValues)
        {
            var x = Px(tick);
            svg.Append(CultureInfo.InvariantCulture, $"<line class=\"grid\" x1=\"{F(x)}\" x2=\"{F(x)}\" y1=\"{Top}\" y2=\"{Top + plotH}\"/>");
            svg.Append(CultureInfo.InvariantCulture, $"<text class=\"tick\" x=\"{F(x)}\" y=\"{Top + plotH + 16}\" text-anchor=\"middle\">{Enc(xFormat(tick, xMax - xMin))}</text>");
        }

        svg.Append(CultureInfo.InvariantCulture, $"<line class=\"axis\" x1=\"{Left}\" x2=\"{Left}\" y1=\"{Top}\" y2=\"{Top + plotH}\"/>");
        svg.Append(CultureInfo.InvariantCulture, $"<line class=\"axis\" x1=\"{Left}\" x2=\"{Width - Right}\" y1=\"{Top + plotH}\" y2=\"{Top + plotH}\"/>");
        svg.Append(CultureInfo.InvariantCulture, $"<text class=\"axis-title\" x=\"{Left + (plotW / 2)}\" y=\"{Top + plotH + 36}\" text-anchor=\"middle\">{Enc(xTitle + (logX ? " (log scale)" : ""))}</text>");
        svg.Append(CultureInfo.InvariantCulture, $"<text class=\"axis-title\" transform=\"translate(16 {Top + (plotH / 2)}) rotate(-90)\" text-anchor=\"middle\">{Enc(yTitle)}</text>");

        for (var i = 0; i < series.Count; i++)
        {
            var s = series[i];
            var color = s.Color ?? Palette[i % Palette.Count];
            var ordered = steps ? s.Points.OrderBy(p => p.X).ToList() : s.Points.ToList();
            svg.Append(CultureInfo.InvariantCulture, $"<g class=\"series\" data-series=\"{Enc(s.Name)}\">");
            if (steps && ordered.Count > 0)
            {
                var path = new StringBuilder();
                path.Append(CultureInfo.InvariantCulture, $"M{F(Px(ordered[0].X))},{F(Py(ordered[0].Y))}");
                for (var k = 1; k < ordered.Count; k++)
                {
                    path.Append(CultureInfo.InvariantCulture, $" H{F(Px(ordered[k].X))} V{F(Py(ordered[k].Y))}");
                }

                svg.Append(CultureInfo.InvariantCulture, $"<path d=\"{path}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"2\"/>");
            }

            foreach (var p in ordered)
            {
                svg.Append(CultureInfo.InvariantCulture, $"<circle cx=\"{F(Px(p.X))}\" cy=\"{F(Py(p.Y))}\" r=\"{(steps ? 3 : 5)}\" fill=\"{color}\" fill-opacity=\"{(steps ? "1" : "0.75")}\"><title>{Enc(p.Title)}</title></circle>");
                if (p.Label is { } label)
                {
                    svg.Append(CultureInfo.InvariantCulture, $"<text class=\"point-label\" x=\"{F(Px(p.X) + 7)}\" y=\"{F(Py(p.Y) - 6)}\">{Enc(label)}</text>");
                }
            }

            svg.Append("</g>");

            // Legend: two columns under the plot.
            var lx = Left + (i % 2 * (plotW / 2));
            var ly = Height - 8 + (i / 2 * 18);
            svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{lx}\" y=\"{ly - 9}\" width=\"10\" height=\"10\" fill=\"{color}\"/>");
            svg.Append(CultureInfo.InvariantCulture, $"<text class=\"legend\" x=\"{lx + 14}\" y=\"{ly}\">{Enc(Truncate(s.Name, 64))}</text>");
        }

        svg.Append("</svg>");
        return new HtmlString(svg.ToString());
    }

    /// <summary>About five round tick values covering [min, max].</summary>
    public static double[] NiceTicks(double min, double max)
    {
        if (max <= min)
        {
            max = min + (min == 0 ? 1 : Math.Abs(min) * 0.1);
        }

        var rough = (max - min) / 5;
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(rough)));
        var step = new[] { 1, 2, 2.5, 5, 10 }.Select(m => m * magnitude).First(s => s >= rough);
        var start = Math.Floor(min / step) * step;
        var end = Math.Ceiling(max / step) * step;
        var count = (int)Math.Round((end - start) / step);
        return [.. Enumerable.Range(0, count + 1).Select(i => start + (i * step))];
    }

    private static string F(double value) => value.ToString("0.#", Invariant);

    private static string Enc(string text) => WebUtility.HtmlEncode(text);

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";
}
