using System.Text.Json;
using System.Text.Json.Serialization;

namespace Pricing.Catalog;

/// <summary>The canonical accelerators, read from the embedded data file <c>Data/accelerators.json</c>.</summary>
public sealed class AcceleratorRegistry
{
    private readonly Dictionary<string, Accelerator> _byId;

    public AcceleratorRegistry(IEnumerable<Accelerator> accelerators)
    {
        _byId = new Dictionary<string, Accelerator>(StringComparer.Ordinal);
        foreach (var accelerator in accelerators)
        {
            if (string.IsNullOrWhiteSpace(accelerator.Source))
            {
                throw new InvalidDataException($"Accelerator {accelerator.Id} has no source.");
            }

            if (accelerator.IsCpu && accelerator.Trainable)
            {
                throw new InvalidDataException($"Accelerator {accelerator.Id} is a CPU row and must be listed as not trainable.");
            }

            if (!_byId.TryAdd(accelerator.Id, accelerator))
            {
                throw new InvalidDataException($"Accelerator {accelerator.Id} is listed twice.");
            }
        }
    }

    public IReadOnlyCollection<Accelerator> All => _byId.Values;

    /// <summary>The accelerators a run can train on or a request can name: every row but the CPU one.</summary>
    public IEnumerable<Accelerator> Accelerators => _byId.Values.Where(a => !a.IsCpu);

    /// <summary>True when <paramref name="id"/> is the CPU row: its offers price vCPU-hours, not training.</summary>
    public bool IsCpu(string id) => _byId.TryGetValue(id, out var a) && a.IsCpu;

    /// <summary>True when <paramref name="id"/> is a registry row a request may name as an accelerator (not the CPU row).</summary>
    public bool IsAccelerator(string id) => _byId.TryGetValue(id, out var a) && !a.IsCpu;

    public bool TryGet(string id, out Accelerator accelerator) => _byId.TryGetValue(id, out accelerator!);

    public bool Contains(string id) => _byId.ContainsKey(id);

    private static readonly Lazy<AcceleratorRegistry> DefaultInstance = new(() =>
    {
        using var stream = EmbeddedData.Open(typeof(AcceleratorRegistry).Assembly, "Pricing.Catalog.Data.accelerators.json");
        var file = JsonSerializer.Deserialize<AcceleratorFile>(stream, EmbeddedData.JsonOptions)
            ?? throw new InvalidDataException("accelerators.json is empty.");
        return new AcceleratorRegistry(file.Accelerators);
    });

    /// <summary>The registry shipped with the project.</summary>
    public static AcceleratorRegistry Default => DefaultInstance.Value;

    private sealed record AcceleratorFile([property: JsonPropertyName("accelerators")] List<Accelerator> Accelerators);
}
