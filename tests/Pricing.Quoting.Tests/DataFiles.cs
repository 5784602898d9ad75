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
}
