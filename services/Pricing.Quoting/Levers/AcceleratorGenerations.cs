using System.Text.Json;
using Pricing.Catalog;

namespace Pricing.Quoting.Levers;

/// <summary>An accelerator's announced successor in the same line, with the source (accelerator-generations.json).</summary>
public sealed record AcceleratorGeneration(string From, string To, string Source);

/// <summary>The next generation of each accelerator: the next-generation lever quotes the successor where a catalog offers it.</summary>
public sealed class AcceleratorGenerations(IReadOnlyList<AcceleratorGeneration> rows)
{
    private readonly Dictionary<string, AcceleratorGeneration> _next = rows.ToDictionary(r => r.From, StringComparer.Ordinal);

    public IReadOnlyList<AcceleratorGeneration> Rows { get; } = rows;

    public AcceleratorGeneration? NextAfter(string acceleratorId) => _next.GetValueOrDefault(acceleratorId);

    public static AcceleratorGenerations Default => DefaultInstance.Value;

    private static readonly Lazy<AcceleratorGenerations> DefaultInstance = new(() =>
    {
        using var stream = EmbeddedData.Open(typeof(AcceleratorGenerations).Assembly, "Pricing.Quoting.Data.accelerator-generations.json");
        var file = JsonSerializer.Deserialize<GenerationsFile>(stream, EmbeddedData.JsonOptions) ?? throw new InvalidDataException("accelerator-generations.json is empty.");
        return new AcceleratorGenerations(file.Generations);
    });

    private sealed record GenerationsFile(IReadOnlyList<AcceleratorGeneration> Generations);
}
