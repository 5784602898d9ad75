using System.Text.Json;
using System.Text.Json.Serialization;
using Pricing.Catalog;

namespace Gcp.Pricing;

/// <summary>How a machine series is billed.</summary>
public enum GcpVmPricing
{
    /// <summary>vCPUs x the series' core SKU + GiB x its RAM SKU + accelerators x the GPU SKU (A2, A3, G2, N1).</summary>
    HostPlusAccelerators = 1,

    /// <summary>Accelerators x the GPU SKU, which already carries the VM's vCPUs and memory (A4's "1 gpu slice").</summary>
    AcceleratorIncludesHost = 2,

    /// <summary>vCPUs x the series' core SKU + GiB x its RAM SKU, no accelerator: the CPU family (N2) of the quote's data processing.</summary>
    HostOnly = 3,
}

/// <summary>
/// A machine series and the SKU names of its host components (null where the series has none). Dynamic Workload
/// Scheduler host SKUs have names of their own ("DWS Defined Duration A2 Core", not "A2 Instance Core").
/// </summary>
public sealed record GcpSeries(
    string Series,
    GcpVmPricing Pricing,
    string? CoreSku,
    string? RamSku,
    string? CommitmentCoreSku,
    string? CommitmentRamSku,
    string Source,
    string? DwsCoreSku = null,
    string? DwsRamSku = null);

/// <summary>A GPU model, its canonical accelerator and the SKU names Google prices it under.</summary>
public sealed record GcpAccelerator(string Gpu, string AcceleratorId, IReadOnlyList<string> Skus, string Source);

/// <summary>A GPU machine type: its series, shape and attached accelerators.</summary>
public sealed record GcpMachineType(string MachineType, GcpSeries Series, int Vcpus, decimal MemoryGib, GcpAccelerator Accelerator, int Count, string Source);

/// <summary>
/// A CPU machine type (a host-only series), priced per vCPU for the quote's data processing: its offers count one
/// <see cref="AcceleratorId"/> (the registry's CPU row) per vCPU.
/// </summary>
public sealed record GcpCpuMachineType(string MachineType, GcpSeries Series, int Vcpus, decimal MemoryGib, string AcceleratorId, string Source);

/// <summary>A TPU generation priced per chip-hour; an offer is <see cref="ChipsPerUnit"/> chips.</summary>
public sealed record GcpTpu(string InstanceType, string AcceleratorId, string Sku, int ChipsPerUnit, string Source);

public enum GcpComponentKind
{
    Core = 1,
    Ram = 2,
    Accelerator = 3,
    Tpu = 4,
}

/// <summary>One priced part of a VM: the core or RAM of a series, a GPU model, or a TPU generation.</summary>
public sealed record GcpComponent(GcpComponentKind Kind, string Key)
{
    public override string ToString() => $"{Kind} {Key}";
}

/// <summary>
/// Machine types, series and SKU names from the data file <c>Data/gcp-machine-types.json</c>. A SKU body (its
/// description without location, spot and commitment wrappers) names at most one component; the file is
/// rejected at load if two components claim the same name.
/// </summary>
public sealed class GcpMachineTypeMap
{
    private readonly Dictionary<(string Body, bool Commitment, bool Dws), GcpComponent> _components = new();

    public GcpMachineTypeMap(IReadOnlyList<GcpMachineType> machineTypes, IReadOnlyList<GcpTpu> tpus, IReadOnlyList<GcpCpuMachineType>? cpuMachineTypes = null)
    {
        MachineTypes = machineTypes;
        Tpus = tpus;
        CpuMachineTypes = cpuMachineTypes ?? [];
        var names = machineTypes.Select(m => m.MachineType).Concat(CpuMachineTypes.Select(m => m.MachineType)).ToList();
        if (names.Distinct(StringComparer.Ordinal).Count() != names.Count)
        {
            throw new InvalidDataException("A machine type is listed twice.");
        }

        foreach (var series in machineTypes.Select(m => m.Series).Concat(CpuMachineTypes.Select(m => m.Series)).Distinct())
        {
            Register(series.CoreSku, false, false, new GcpComponent(GcpComponentKind.Core, series.Series));
            Register(series.RamSku, false, false, new GcpComponent(GcpComponentKind.Ram, series.Series));
            Register(series.CommitmentCoreSku, true, false, new GcpComponent(GcpComponentKind.Core, series.Series));
            Register(series.CommitmentRamSku, true, false, new GcpComponent(GcpComponentKind.Ram, series.Series));
            // A DWS host part has a name of its own ("DWS Defined Duration A2 Core …"), found only under a DWS wrapper.
            Register(series.DwsCoreSku, false, true, new GcpComponent(GcpComponentKind.Core, series.Series));
            Register(series.DwsRamSku, false, true, new GcpComponent(GcpComponentKind.Ram, series.Series));
        }

        foreach (var accelerator in machineTypes.Select(m => m.Accelerator).Distinct())
        {
            foreach (var sku in accelerator.Skus)
            {
                // Commitments keep the GPU's name: "Commitment v1: Nvidia Tesla A100 GPU in Americas for 1 Year".
                // DWS keeps it too: "DWS Defined Duration Nvidia Tesla A100 GPU running in Americas".
                Register(sku, false, false, new GcpComponent(GcpComponentKind.Accelerator, accelerator.Gpu));
                Register(sku, true, false, new GcpComponent(GcpComponentKind.Accelerator, accelerator.Gpu));
                Register(sku, false, true, new GcpComponent(GcpComponentKind.Accelerator, accelerator.Gpu));
            }
        }

        foreach (var tpu in tpus)
        {
            Register(tpu.Sku, false, false, new GcpComponent(GcpComponentKind.Tpu, tpu.InstanceType));
            Register(tpu.Sku, true, false, new GcpComponent(GcpComponentKind.Tpu, tpu.InstanceType));
            Register(tpu.Sku, false, true, new GcpComponent(GcpComponentKind.Tpu, tpu.InstanceType));
        }
    }

    public IReadOnlyList<GcpMachineType> MachineTypes { get; }

    /// <summary>The CPU machine types priced for the quote's data processing (host-only series, one unit per vCPU).</summary>
    public IReadOnlyList<GcpCpuMachineType> CpuMachineTypes { get; }

    public IReadOnlyList<GcpTpu> Tpus { get; }

    /// <summary>
    /// The component a SKU body prices, matched exactly (never by substring) and under its wrapper: a commitment's or a
    /// Dynamic Workload Scheduler SKU's body only finds the components that are sold that way.
    /// </summary>
    public bool TryFindComponent(string body, bool commitment, out GcpComponent component, bool dws = false) =>
        _components.TryGetValue((body, commitment, dws), out component!);

    private void Register(string? body, bool commitment, bool dws, GcpComponent component)
    {
        if (body is null)
        {
            return;
        }

        if (_components.TryGetValue((body, commitment, dws), out var existing) && existing != component)
        {
            throw new InvalidDataException($"SKU name '{body}' is claimed by both {existing} and {component}.");
        }

        _components[(body, commitment, dws)] = component;
    }

    private static readonly Lazy<GcpMachineTypeMap> DefaultInstance = new(() =>
    {
        using var stream = EmbeddedData.Open(typeof(GcpMachineTypeMap).Assembly, "Gcp.Pricing.Data.gcp-machine-types.json");
        return Load(stream);
    });

    /// <summary>The map shipped with the project.</summary>
    public static GcpMachineTypeMap Default => DefaultInstance.Value;

    /// <summary>Reads and checks a machine-type file (every row needs a source; references must resolve).</summary>
    public static GcpMachineTypeMap Load(Stream stream)
    {
        var file = JsonSerializer.Deserialize<MachineTypeFile>(stream, EmbeddedData.JsonOptions)
            ?? throw new InvalidDataException("The machine-type file is empty.");

        var series = new Dictionary<string, GcpSeries>(StringComparer.Ordinal);
        foreach (var row in file.Series)
        {
            var pricing = row.Pricing switch
            {
                "host_plus_accelerators" => GcpVmPricing.HostPlusAccelerators,
                "accelerator_includes_host" => GcpVmPricing.AcceleratorIncludesHost,
                "host_only" => GcpVmPricing.HostOnly,
                _ => throw new InvalidDataException($"Series {row.Series}: pricing '{row.Pricing}' is not known."),
            };
            var hasHost = row.CoreSku is not null && row.RamSku is not null;
            if ((pricing is GcpVmPricing.HostPlusAccelerators or GcpVmPricing.HostOnly) != hasHost || (row.CommitmentCoreSku is null) != (row.CommitmentRamSku is null)
                || (row.DwsCoreSku is null) != (row.DwsRamSku is null) || (!hasHost && row.DwsCoreSku is not null))
            {
                throw new InvalidDataException($"Series {row.Series}: {row.Pricing} needs {(hasHost ? "no" : "both")} core and RAM SKU names, and commitment and DWS names come in pairs.");
            }

            if (!series.TryAdd(row.Series, new GcpSeries(row.Series, pricing, row.CoreSku, row.RamSku, row.CommitmentCoreSku, row.CommitmentRamSku, RequireSource(row.Source, row.Series), row.DwsCoreSku, row.DwsRamSku)))
            {
                throw new InvalidDataException($"Series {row.Series} is listed twice.");
            }
        }

        var accelerators = new Dictionary<string, GcpAccelerator>(StringComparer.Ordinal);
        foreach (var row in file.Accelerators)
        {
            if (row.Skus.Count == 0 || !accelerators.TryAdd(row.Gpu, new GcpAccelerator(row.Gpu, row.AcceleratorId, row.Skus, RequireSource(row.Source, row.Gpu))))
            {
                throw new InvalidDataException($"Accelerator {row.Gpu} is listed twice or has no SKU names.");
            }
        }

        var machineTypes = file.MachineTypes.Select(row =>
        {
            if (!series.TryGetValue(row.Series, out var s) || !accelerators.TryGetValue(row.Gpu, out var a) || s.Pricing == GcpVmPricing.HostOnly)
            {
                throw new InvalidDataException($"Machine type {row.MachineType}: series '{row.Series}' or GPU '{row.Gpu}' is not defined.");
            }

            if (row.Count <= 0 || row.Vcpus <= 0 || row.MemoryGib <= 0)
            {
                throw new InvalidDataException($"Machine type {row.MachineType}: count, vCPUs and memory must be positive.");
            }

            return new GcpMachineType(row.MachineType, s, row.Vcpus, row.MemoryGib, a, row.Count, RequireSource(row.Source, row.MachineType));
        }).ToList();

        var tpus = file.Tpus.Select(row => row.ChipsPerUnit > 0
            ? new GcpTpu(row.InstanceType, row.AcceleratorId, row.Sku, row.ChipsPerUnit, RequireSource(row.Source, row.InstanceType))
            : throw new InvalidDataException($"TPU {row.InstanceType}: chipsPerUnit must be positive.")).ToList();

        // A CPU machine type is one "accelerator" per vCPU of the registry's CPU row, on a host-only series.
        var cpuMachineTypes = (file.CpuMachineTypes ?? []).Select(row =>
            series.TryGetValue(row.Series, out var s) && s.Pricing == GcpVmPricing.HostOnly && row.Vcpus > 0 && row.MemoryGib > 0
                ? new GcpCpuMachineType(row.MachineType, s, row.Vcpus, row.MemoryGib, row.AcceleratorId, RequireSource(row.Source, row.MachineType))
                : throw new InvalidDataException($"CPU machine type {row.MachineType}: series '{row.Series}' must be a host_only series and vCPUs and memory positive.")).ToList();

        return new GcpMachineTypeMap(machineTypes, tpus, cpuMachineTypes);
    }

    private static string RequireSource(string? source, string row) =>
        string.IsNullOrWhiteSpace(source) ? throw new InvalidDataException($"{row} has no source.") : source;

    private sealed record MachineTypeFile(
        [property: JsonPropertyName("series")] List<SeriesRow> Series,
        [property: JsonPropertyName("accelerators")] List<AcceleratorRow> Accelerators,
        [property: JsonPropertyName("machineTypes")] List<MachineTypeRow> MachineTypes,
        [property: JsonPropertyName("tpus")] List<TpuRow> Tpus,
        [property: JsonPropertyName("cpuMachineTypes")] List<CpuMachineTypeRow>? CpuMachineTypes = null);

    private sealed record SeriesRow(string Series, string Pricing, string? CoreSku, string? RamSku, string? CommitmentCoreSku, string? CommitmentRamSku, string? Source,
        string? DwsCoreSku = null, string? DwsRamSku = null);

    private sealed record AcceleratorRow(string Gpu, string AcceleratorId, List<string> Skus, string? Source);

    private sealed record MachineTypeRow(string MachineType, string Series, int Vcpus, decimal MemoryGib, string Gpu, int Count, string? Source);

    private sealed record CpuMachineTypeRow(string MachineType, string Series, int Vcpus, decimal MemoryGib, string AcceleratorId, string? Source);

    private sealed record TpuRow(string InstanceType, string AcceleratorId, string Sku, int ChipsPerUnit, string? Source);
}
