using System.Text;
using System.Text.Json;
using Pricing.Catalog;

namespace Aws.Pricing;

/// <summary>
/// One instance type the scrape keeps: which accelerator, how many, and the host's shape. <see cref="ApiErratum"/>
/// says what the EC2 API gets wrong about it, where it does.
/// </summary>
public sealed record AwsInstanceType(
    string InstanceType,
    string AcceleratorId,
    decimal AcceleratorsPerInstance,
    int Vcpus,
    decimal MemoryGib,
    string Source,
    string? ApiErratum)
{
    /// <summary>A CPU type (the registry's CPU row): its units are vCPUs, not accelerators.</summary>
    public bool IsCpu => AcceleratorRegistry.Default.IsCpu(AcceleratorId);
}

/// <summary>
/// Instance type → accelerator and count, and which instance families the scrape keeps (the accelerated ones and the
/// CPU family priced per vCPU for the quote's data processing), from the data file <c>Data/aws-instance-types.json</c>.
/// Matching is on the instance type only: the offer file's <c>gpu</c> attribute is wrong for some types (p5.4xlarge says 0).
/// </summary>
public sealed class AwsInstanceTypeMap
{
    private readonly Dictionary<string, AwsInstanceType> _types;
    private readonly string[] _exactFamilies;
    private readonly string[] _familyPrefixes;
    private readonly byte[][] _exactFamiliesUtf8;
    private readonly byte[][] _familyPrefixesUtf8;

    public AwsInstanceTypeMap(IEnumerable<AwsInstanceType> types, IEnumerable<string> acceleratedFamilies, IEnumerable<string>? cpuFamilies = null)
    {
        _types = new Dictionary<string, AwsInstanceType>(StringComparer.Ordinal);
        foreach (var type in types)
        {
            if (string.IsNullOrWhiteSpace(type.Source))
            {
                throw new InvalidDataException($"Instance type {type.InstanceType} has no source.");
            }

            if (!_types.TryAdd(type.InstanceType, type))
            {
                throw new InvalidDataException($"Instance type {type.InstanceType} is listed twice.");
            }
        }

        AcceleratedFamilies = [.. acceleratedFamilies];
        CpuFamilies = [.. cpuFamilies ?? []];
        var families = AcceleratedFamilies.Concat(CpuFamilies).ToList();
        _exactFamilies = [.. families.Where(f => !f.EndsWith('*'))];
        _familyPrefixes = [.. families.Where(f => f.EndsWith('*')).Select(f => f[..^1])];
        _exactFamiliesUtf8 = [.. _exactFamilies.Select(Encoding.UTF8.GetBytes)];
        _familyPrefixesUtf8 = [.. _familyPrefixes.Select(Encoding.UTF8.GetBytes)];

        foreach (var type in _types.Values.Where(t => !IsScrapedFamily(t.InstanceType)))
        {
            throw new InvalidDataException($"Instance type {type.InstanceType} is mapped but its family is not in acceleratedFamilies or cpuFamilies: the parser would never keep it.");
        }

        // A CPU type is priced per vCPU (the registry's CPU row): one unit per vCPU, or its price is not a vCPU-hour's.
        foreach (var type in _types.Values.Where(t => t.IsCpu && t.AcceleratorsPerInstance != t.Vcpus))
        {
            throw new InvalidDataException($"Instance type {type.InstanceType} is a CPU type with {type.AcceleratorsPerInstance} units for {type.Vcpus} vCPUs; a CPU type counts one per vCPU.");
        }
    }

    /// <summary>Family names as written in the data file; a trailing <c>*</c> matches every family starting with the rest.</summary>
    public IReadOnlyList<string> AcceleratedFamilies { get; }

    /// <summary>The CPU families scraped for the quote's data processing (their types map to the registry's CPU row).</summary>
    public IReadOnlyList<string> CpuFamilies { get; }

    public IReadOnlyCollection<AwsInstanceType> All => _types.Values;

    public bool TryGet(string instanceType, out AwsInstanceType type) => _types.TryGetValue(instanceType, out type!);

    /// <summary>The family of an instance type: what comes before the first dot ("p6-b200" of "p6-b200.48xlarge").</summary>
    public static ReadOnlySpan<char> FamilyOf(ReadOnlySpan<char> instanceType)
    {
        var dot = instanceType.IndexOf('.');
        return dot < 0 ? instanceType : instanceType[..dot];
    }

    /// <summary>True when the instance type's family is one the scrape keeps: an accelerated family or a CPU family.</summary>
    public bool IsScrapedFamily(ReadOnlySpan<char> instanceType)
    {
        var family = FamilyOf(instanceType);
        foreach (var exact in _exactFamilies)
        {
            if (family.SequenceEqual(exact))
            {
                return true;
            }
        }

        foreach (var prefix in _familyPrefixes)
        {
            if (family.StartsWith(prefix, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The same test on the UTF-8 bytes of an instance type, so the parser decides without making a string.</summary>
    public bool IsScrapedFamily(ReadOnlySpan<byte> instanceTypeUtf8)
    {
        var dot = instanceTypeUtf8.IndexOf((byte)'.');
        var family = dot < 0 ? instanceTypeUtf8 : instanceTypeUtf8[..dot];
        foreach (var exact in _exactFamiliesUtf8)
        {
            if (family.SequenceEqual(exact))
            {
                return true;
            }
        }

        foreach (var prefix in _familyPrefixesUtf8)
        {
            if (family.StartsWith(prefix))
            {
                return true;
            }
        }

        return false;
    }

    private static readonly Lazy<AwsInstanceTypeMap> DefaultInstance = new(() =>
    {
        using var stream = EmbeddedData.Open(typeof(AwsInstanceTypeMap).Assembly, "Aws.Pricing.Data.aws-instance-types.json");
        return Load(stream);
    });

    /// <summary>The map shipped with the project.</summary>
    public static AwsInstanceTypeMap Default => DefaultInstance.Value;

    public static AwsInstanceTypeMap Load(Stream json)
    {
        using var document = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip });
        var root = document.RootElement;
        var families = root.GetProperty("acceleratedFamilies").EnumerateArray().Select(e => e.GetString()!).ToList();
        var cpuFamilies = root.TryGetProperty("cpuFamilies", out var cpu) ? cpu.EnumerateArray().Select(e => e.GetString()!).ToList() : [];
        var types = root.GetProperty("instanceTypes").EnumerateArray().Select(e => new AwsInstanceType(
            e.GetProperty("instanceType").GetString()!,
            e.GetProperty("acceleratorId").GetString()!,
            e.GetProperty("acceleratorsPerInstance").GetDecimal(),
            e.GetProperty("vcpus").GetInt32(),
            e.GetProperty("memoryGib").GetDecimal(),
            e.GetProperty("source").GetString()!,
            e.TryGetProperty("apiErratum", out var erratum) ? erratum.GetString() : null));
        return new AwsInstanceTypeMap(types, families, cpuFamilies);
    }
}
