using System.Text.Json;
using Pricing.Catalog;

namespace Pricing.Quoting;

/// <summary>
/// A stage after pre-training (<c>Data/program-defaults.json</c>): "tokens" stages are a share of the pre-training tokens,
/// priced per token at their own sequence length and MFU; "compute" stages are a share of its accelerator-hours.
/// </summary>
public sealed record ProgramStageDefault(string Name, string Kind, double Share, double Low, double High, int SequenceLength, double MfuFactor, string Source, string Cite = "")
{
    public const string TokensKind = "tokens";
    public const string ComputeKind = "compute";
}

/// <summary>One sourced figure of the program with its range; <see cref="Cite"/> is the short source a quote carries.</summary>
public sealed record RangedDefault(string Name, double Value, double Low, double High, string Basis, string Source, string Cite = "");

/// <summary>What an owner pays for a server of one accelerator type (Epoch AI's amortised-hardware method).</summary>
public sealed record ServerPrice(string AcceleratorId, int AcceleratorsPerServer, double PriceUsd, double LowUsd, double HighUsd, string Source, string Cite = "");

/// <summary>An accelerator an owner cannot buy (sold only as cloud instances), or a buyable one without a cited price yet.</summary>
public sealed record UnownedAccelerator(string AcceleratorId, string Source, string Cite = "");

/// <summary>One cited point of the team size against the program's scale: a run's training FLOPs and the engineers behind it.</summary>
public sealed record StaffAnchor(double TrainingFlops, double Engineers, double Low, double High, string Source, string Cite = "");

/// <summary>The program's defaults (stages, development, people, data, owner's cost), each with its range and source.</summary>
public sealed class ProgramDefaults
{
    private readonly Dictionary<string, RangedDefault> _values;
    private readonly Dictionary<string, ServerPrice> _servers;

    public ProgramDefaults(IEnumerable<ProgramStageDefault> stages, IEnumerable<RangedDefault> values, IEnumerable<ServerPrice> servers, IEnumerable<StaffAnchor>? staffScale = null)
    {
        Stages = [.. stages];
        Staff = new StaffScale(staffScale ?? []);
        _values = values.ToDictionary(v => v.Name, StringComparer.Ordinal);
        _servers = servers.ToDictionary(s => s.AcceleratorId, StringComparer.Ordinal);
        foreach (var row in Stages.Select(s => (s.Name, s.Low, Value: s.Share, s.High)).Concat(_values.Values.Select(v => (v.Name, v.Low, Value: v.Value, v.High))))
        {
            if (!(row.Low <= row.Value && row.Value <= row.High))
            {
                throw new InvalidDataException($"program-defaults.json '{row.Name}': the range must hold low <= value <= high.");
            }
        }

        foreach (var (name, cite) in Stages.Select(s => (s.Name, s.Cite)).Concat(_values.Values.Select(v => (v.Name, v.Cite))).Concat(_servers.Values.Select(s => (s.AcceleratorId, s.Cite))))
        {
            if (string.IsNullOrWhiteSpace(cite))
            {
                throw new InvalidDataException($"program-defaults.json '{name}' has no cite (the short source a quote carries).");
            }
        }
    }

    /// <summary>The stages after pre-training, in the order they run.</summary>
    public IReadOnlyList<ProgramStageDefault> Stages { get; }

    public IReadOnlyCollection<string> StageNames => [.. Stages.Select(s => s.Name)];

    public RangedDefault this[string name] =>
        _values.TryGetValue(name, out var row) ? row : throw new InvalidDataException($"program-defaults.json has no '{name}'.");

    public ServerPrice? ServerFor(string acceleratorId) => _servers.GetValueOrDefault(acceleratorId);

    /// <summary>The default team size by the program's training compute (the staffScale rows, interpolated in log space).</summary>
    public StaffScale Staff { get; }

    /// <summary>owner-servers.json: accelerators sold only as cloud instances, and buyable ones without a cited price yet.</summary>
    public IReadOnlyList<UnownedAccelerator> NotForSale { get; init; } = [];

    public IReadOnlyList<UnownedAccelerator> Unpriced { get; init; } = [];

    public IReadOnlyCollection<ServerPrice> Servers => _servers.Values;

    public RangedDefault ExperimentsShare => this["experimentsShareOfFinalRun"];
    public RangedDefault StaffMonths => this["staffMonths"];
    public RangedDefault StaffMonthlyCost => this["staffMonthlyCost"];
    public RangedDefault StaffShare => this["staffShareOfDevelopment"];
    public RangedDefault EnergyShare => this["energyShareOfDevelopment"];
    public RangedDefault RawBytesPerDatasetByte => this["rawBytesPerDatasetByte"];
    public RangedDefault CpuHoursPerRawTb => this["cpuHoursPerRawTb"];
    public RangedDefault AnnotationItems => this["annotationItems"];
    public RangedDefault AnnotationUsdPerItem => this["annotationUsdPerItem"];
    public RangedDefault ServerLifeYears => this["serverLifeYears"];
    public RangedDefault InterconnectShare => this["interconnectShareOfHardware"];
    public RangedDefault ElectricityUsdPerKwh => this["electricityUsdPerKwh"];
    public RangedDefault WidthPerLayer => this["widthPerLayer"];

    private static readonly Lazy<ProgramDefaults> DefaultInstance = new(() =>
    {
        var file = Read<DefaultsFile>("program-defaults.json");
        var owner = Read<OwnerFile>("owner-servers.json");
        return new ProgramDefaults(file.Stages, file.Values, owner.Servers, file.StaffScale) { NotForSale = owner.NotForSale, Unpriced = owner.Unpriced };
    });

    private static T Read<T>(string name)
    {
        using var stream = EmbeddedData.Open(typeof(ProgramDefaults).Assembly, "Pricing.Quoting.Data." + name);
        return JsonSerializer.Deserialize<T>(stream, EmbeddedData.JsonOptions) ?? throw new InvalidDataException($"{name} is empty.");
    }

    public static ProgramDefaults Default => DefaultInstance.Value;

    private sealed record DefaultsFile(List<ProgramStageDefault> Stages, List<RangedDefault> Values, List<StaffAnchor> StaffScale);

    private sealed record OwnerFile(List<ServerPrice> Servers, List<UnownedAccelerator> NotForSale, List<UnownedAccelerator> Unpriced);
}
