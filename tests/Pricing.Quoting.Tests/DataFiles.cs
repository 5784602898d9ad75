using System.Text.Json;

namespace Pricing.Quoting.Tests;

/// <summary>
/// The quote engine's data files read straight from the embedded resources with <see cref="JsonDocument"/>,
/// independently of the engine's own loaders, so a test's expected figure never comes from the code under test.
/// </summary>
internal static class DataFiles
{
    public sealed record GridRow(string Provider, string Region, double KgCo2PerKwh, string Basis, string Source);

    private static JsonDocument Open(string name)
    {
        using var stream = typeof(QuoteEngine).Assembly.GetManifestResourceStream($"Pricing.Quoting.Data.{name}")
            ?? throw new InvalidOperationException($"{name} is not embedded in Pricing.Quoting.");
        return JsonDocument.Parse(stream, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
    }

    private static readonly Lazy<JsonDocument> Pue = new(() => Open("datacenter-pue.json"));
    private static readonly Lazy<JsonDocument> Grid = new(() => Open("grid-carbon-intensity.json"));
    private static readonly Lazy<JsonDocument> Defaults = new(() => Open("quote-defaults.json"));
    private static readonly Lazy<JsonDocument> Failures = new(() => Open("failure-rates.json"));

    public static IReadOnlyList<(string Provider, double Pue, string Source)> PueRows =>
        Pue.Value.RootElement.GetProperty("providers").EnumerateArray()
            .Select(e => (e.GetProperty("provider").GetString()!, e.GetProperty("pue").GetDouble(), e.GetProperty("source").GetString() ?? "")).ToList();

    public static double PueOf(string provider) => PueRows.Single(r => r.Provider == provider).Pue;

    public static IReadOnlyList<GridRow> GridRows =>
        Grid.Value.RootElement.GetProperty("regions").EnumerateArray()
            .Select(e => new GridRow(e.GetProperty("provider").GetString()!, e.GetProperty("region").GetString()!, e.GetProperty("kgCo2PerKwh").GetDouble(),
                e.GetProperty("basis").GetString() ?? "", e.GetProperty("source").GetString() ?? "")).ToList();

    public static IReadOnlyList<(string Provider, double KgCo2PerKwh, string Source)> GridFallbacks =>
        Grid.Value.RootElement.GetProperty("fallbacks").EnumerateArray()
            .Select(e => (e.GetProperty("provider").GetString()!, e.GetProperty("kgCo2PerKwh").GetDouble(), e.GetProperty("source").GetString() ?? "")).ToList();

    public static double GridOf(string provider, string region) => GridRows.Single(r => r.Provider == provider && r.Region == region).KgCo2PerKwh;

    public static IReadOnlyList<(string Name, double Value, string Source)> DefaultRows =>
        Defaults.Value.RootElement.GetProperty("defaults").EnumerateArray()
            .Select(e => (e.GetProperty("name").GetString()!, e.GetProperty("value").GetDouble(), e.GetProperty("source").GetString() ?? "")).ToList();

    public static double Default(string name) => DefaultRows.Single(r => r.Name == name).Value;

    private static readonly Lazy<JsonDocument> Fp4 = new(() => Open("fp4-training.json"));

    /// <summary>fp4-training.json's speed-up of NVFP4 over FP8: <paramref name="field"/> is value, low or high.</summary>
    public static double Fp4SpeedupOverFp8(string field = "value") => Fp4.Value.RootElement.GetProperty("speedupOverFp8").GetProperty(field).GetDouble();

    /// <summary>The cited FP8-over-BF16 and FP4-over-FP8 speed-ups, uncapped (no NVIDIA chip's peak ratio caps them).</summary>
    public static PrecisionSpeedups Speedups => new(Default("fp8SpeedupOverBf16"), Fp4SpeedupOverFp8());

    public sealed record MaturityRow(string Name, double Lambda, double RestartHours, double BringUpHours, string Source);

    /// <summary>failure-rates.json's levels, best first.</summary>
    public static IReadOnlyList<MaturityRow> MaturityRows =>
        Failures.Value.RootElement.GetProperty("levels").EnumerateArray()
            .Select(e => new MaturityRow(e.GetProperty("name").GetString()!, e.GetProperty("interruptionsPerAcceleratorDay").GetDouble(),
                e.GetProperty("restartHours").GetDouble(), e.GetProperty("bringUpHours").GetDouble(), e.GetProperty("source").GetString() ?? "")).ToList();

    public static string DefaultMaturity => Failures.Value.RootElement.GetProperty("defaultTeamMaturity").GetString()!;

    /// <summary>A level by name; "" = the default level.</summary>
    public static MaturityRow Maturity(string name = "") => MaturityRows.Single(r => r.Name == (name.Length == 0 ? DefaultMaturity : name));

    public static int ChipsPerHost(string instanceType) =>
        Failures.Value.RootElement.GetProperty("chipsPerHost").EnumerateArray().Single(e => e.GetProperty("instanceType").GetString() == instanceType).GetProperty("chips").GetInt32();
}
