using System.Text.Json;

namespace Pricing.Quoting.Tests;

/// <summary>
/// The plan data files (instance families, provider costs, the efficiency file's range and fabric factor) read straight
/// from the embedded resources with <see cref="JsonDocument"/>, independently of the engine's loaders, plus the
/// log-linear interpolation the curves are documented with; so a test's expected figure never comes from the code under test.
/// </summary>
internal static class PlanDataFiles
{
    public sealed record FamilyRow(
        string Provider, IReadOnlyList<string> Match, string FormFactor, double? ScaleOutGbps, string ScaleOutDetail, bool TrainingGradeFabric,
        bool Trainable, string? NotTrainableReason, double? NodePowerWatts, string Source);

    public sealed record CostRow(string Provider, double StorageUsdPerGbMonth, double InternetEgressUsdPerGb, double SpotInterruptionsPerInstanceMonth, string StorageSource, string EgressSource, string SpotSource);

    private static JsonDocument Open(string name)
    {
        using var stream = typeof(QuoteEngine).Assembly.GetManifestResourceStream($"Pricing.Quoting.Data.{name}")
            ?? throw new InvalidOperationException($"{name} is not embedded in Pricing.Quoting.");
        return JsonDocument.Parse(stream, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
    }

    private static readonly Lazy<IReadOnlyList<FamilyRow>> FamilyRows = new(() =>
        Open("instance-families.json").RootElement.GetProperty("families").EnumerateArray().Select(e => new FamilyRow(
            e.GetProperty("provider").GetString()!,
            e.GetProperty("match").EnumerateArray().Select(m => m.GetString()!).ToList(),
            e.GetProperty("formFactor").GetString()!,
            NullableDouble(e.GetProperty("scaleOutGbps")),
            e.GetProperty("scaleOutDetail").GetString() ?? "",
            e.GetProperty("trainingGradeFabric").GetBoolean(),
            e.GetProperty("trainable").GetBoolean(),
            e.GetProperty("notTrainableReason").GetString(),
            NullableDouble(e.GetProperty("nodePowerWatts")),
            e.GetProperty("source").GetString() ?? "")).ToList());

    private static readonly Lazy<IReadOnlyList<CostRow>> CostRows = new(() =>
        Open("provider-costs.json").RootElement.GetProperty("providers").EnumerateArray().Select(e => new CostRow(
            e.GetProperty("provider").GetString()!,
            e.GetProperty("storageUsdPerGbMonth").GetDouble(),
            e.GetProperty("internetEgressUsdPerGb").GetDouble(),
            e.GetProperty("spotInterruptionsPerInstanceMonth").GetDouble(),
            e.GetProperty("storageSource").GetString() ?? "",
            e.GetProperty("egressSource").GetString() ?? "",
            e.GetProperty("spotSource").GetString() ?? "")).ToList());

    private static readonly Lazy<JsonDocument> Efficiency = new(() => Open("efficiency-defaults.json"));

    public static IReadOnlyList<FamilyRow> Families => FamilyRows.Value;

    public static IReadOnlyList<CostRow> Costs => CostRows.Value;

    /// <summary>The family row listing <paramref name="instanceType"/> by name (exact match only; the tests use real instance types).</summary>
    public static FamilyRow Family(string provider, string instanceType) =>
        Families.Single(f => f.Provider == provider && f.Match.Contains(instanceType));

    public static CostRow Cost(string provider) => Costs.Single(c => c.Provider == provider);

    public static double RangeLow => Efficiency.Value.RootElement.GetProperty("range").GetProperty("low").GetDouble();

    public static double RangeHigh => Efficiency.Value.RootElement.GetProperty("range").GetProperty("high").GetDouble();

    public static double WithoutTrainingFabric => Efficiency.Value.RootElement.GetProperty("withoutTrainingFabric").GetProperty("factor").GetDouble();

    /// <summary>
    /// A factor curve of efficiency-defaults.json at <paramref name="x"/>: linear in log10(x) between its points, flat
    /// outside them (docs/quote-model.md).
    /// </summary>
    public static double CurveAt(string curve, double x)
    {
        var points = EfficiencyFile.Curves.Single(c => c.Name == curve).Points;
        if (x <= points[0].At)
        {
            return points[0].Factor;
        }

        var upper = points.Select((p, i) => (p, i)).FirstOrDefault(q => x <= q.p.At);
        if (upper.i == 0)
        {
            return points[^1].Factor;
        }

        var (a, b) = (points[upper.i - 1], upper.p);
        return a.Factor + (b.Factor - a.Factor) * (Math.Log10(x / a.At) / Math.Log10(b.At / a.At));
    }

    private static double? NullableDouble(JsonElement e) => e.ValueKind == JsonValueKind.Null ? null : e.GetDouble();
}
