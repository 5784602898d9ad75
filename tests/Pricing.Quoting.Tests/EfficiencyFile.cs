using System.Text.Json;

namespace Pricing.Quoting.Tests;

/// <summary>
/// The rows and curves of <c>Data/efficiency-defaults.json</c>, read straight from the embedded resource with
/// <see cref="JsonDocument"/>, independently of <see cref="EfficiencyModel"/>'s own loader.
/// </summary>
internal static class EfficiencyFile
{
    /// <summary>A row; vendor-based rows (basis "vendor") carry no MFU of their own (0): it comes from vendor-throughput.json.</summary>
    public sealed record Row(string AcceleratorId, string Precision, double Mfu, string Basis, string Source)
    {
        public bool FromVendor => Basis == "vendor";
    }

    public sealed record Curve(string Name, IReadOnlyList<(double At, double Factor)> Points, string Source);

    private static readonly Lazy<(Row Fallback, IReadOnlyList<Row> Rows, IReadOnlyList<Curve> Curves)> Content = new(Load);

    public static Row Fallback => Content.Value.Fallback;

    public static IReadOnlyList<Row> Rows => Content.Value.Rows;

    public static IReadOnlyList<Curve> Curves => Content.Value.Curves;

    public static Row For(string acceleratorId, string precision = "bf16") => Rows.Single(r => r.AcceleratorId == acceleratorId && r.Precision == precision);

    private static (Row, IReadOnlyList<Row>, IReadOnlyList<Curve>) Load()
    {
        using var stream = typeof(EfficiencyModel).Assembly.GetManifestResourceStream("Pricing.Quoting.Data.efficiency-defaults.json")
            ?? throw new InvalidOperationException("efficiency-defaults.json is not embedded in Pricing.Quoting.");
        using var document = JsonDocument.Parse(stream, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        var root = document.RootElement;
        var fallback = Read(root.GetProperty("fallback"));
        var rows = root.GetProperty("rows").EnumerateArray().Select(Read).ToList();
        var curves = new[] { "modelSize", "moe", "scale", "fabricGbpsPerPetaflop" }.Select(name =>
        {
            var c = root.GetProperty(name);
            return new Curve(name, c.GetProperty("points").EnumerateArray().Select(p => (p.GetProperty("at").GetDouble(), p.GetProperty("factor").GetDouble())).ToList(),
                c.GetProperty("source").GetString() ?? "");
        }).ToList();
        return (fallback, rows, curves);
    }

    private static Row Read(JsonElement e) => new(
        e.GetProperty("acceleratorId").GetString() ?? "",
        e.GetProperty("precision").GetString() ?? "",
        e.TryGetProperty("mfu", out var mfu) ? mfu.GetDouble() : 0,
        e.TryGetProperty("basis", out var basis) ? basis.GetString() ?? "" : "",
        e.TryGetProperty("source", out var source) ? source.GetString() ?? "" : "");
}
