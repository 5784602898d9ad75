using System.Text.Json;

namespace Pricing.Quoting.Tests;

/// <summary>
/// The rows of <c>Data/efficiency-defaults.json</c>, read straight from the embedded resource with
/// <see cref="JsonDocument"/>, independently of <see cref="EfficiencyDefaults"/>' own loader.
/// </summary>
internal static class EfficiencyFile
{
    public sealed record Row(string AcceleratorId, double Mfu, double MfuLow, double MfuHigh, double Goodput, string Basis, string Source);

    private static readonly Lazy<(Row Fallback, IReadOnlyList<Row> Rows)> Content = new(Load);

    public static Row Fallback => Content.Value.Fallback;

    public static IReadOnlyList<Row> Rows => Content.Value.Rows;

    public static Row For(string acceleratorId) => Rows.Single(r => r.AcceleratorId == acceleratorId);

    private static (Row, IReadOnlyList<Row>) Load()
    {
        using var stream = typeof(EfficiencyDefaults).Assembly.GetManifestResourceStream("Pricing.Quoting.Data.efficiency-defaults.json")
            ?? throw new InvalidOperationException("efficiency-defaults.json is not embedded in Pricing.Quoting.");
        using var document = JsonDocument.Parse(stream, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        var root = document.RootElement;
        var fallback = Read(root.GetProperty("fallback"), "*");
        var rows = root.GetProperty("defaults").EnumerateArray().Select(e => Read(e, null)).ToList();
        return (fallback, rows);
    }

    private static Row Read(JsonElement e, string? id) => new(
        id ?? e.GetProperty("acceleratorId").GetString() ?? "",
        e.GetProperty("mfu").GetDouble(),
        e.GetProperty("mfuLow").GetDouble(),
        e.GetProperty("mfuHigh").GetDouble(),
        e.GetProperty("goodput").GetDouble(),
        e.TryGetProperty("basis", out var basis) ? basis.GetString() ?? "" : "",
        e.TryGetProperty("source", out var source) ? source.GetString() ?? "" : "");
}
