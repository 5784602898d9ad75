using System.Globalization;
using System.Text.Json;
using Pricing.Catalog;

namespace Azure.Pricing;

/// <summary>One GPU VM size: which accelerator, how many (fractional for partitioned GPUs), and its shape.</summary>
public sealed record AzureVmSize(string ArmSkuName, string AcceleratorId, decimal AcceleratorsPerInstance, int Vcpus, decimal MemoryGib, string Source);

/// <summary>ARM SKU name → accelerator and count, from the data file <c>Data/azure-vm-sizes.json</c>.</summary>
public sealed class AzureVmSizeMap
{
    private readonly Dictionary<string, AzureVmSize> _sizes;

    public AzureVmSizeMap(IEnumerable<AzureVmSize> sizes) =>
        _sizes = sizes.ToDictionary(s => s.ArmSkuName, StringComparer.OrdinalIgnoreCase);

    public bool TryGet(string armSkuName, out AzureVmSize size) => _sizes.TryGetValue(armSkuName, out size!);

    public IReadOnlyCollection<AzureVmSize> All => _sizes.Values;

    private static readonly Lazy<AzureVmSizeMap> DefaultInstance = new(() =>
    {
        using var stream = EmbeddedData.Open(typeof(AzureVmSizeMap).Assembly, "Azure.Pricing.Data.azure-vm-sizes.json");
        using var document = JsonDocument.Parse(stream, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip });
        var sizes = document.RootElement.GetProperty("sizes").EnumerateArray().Select(e => new AzureVmSize(
            e.GetProperty("armSkuName").GetString()!,
            e.GetProperty("acceleratorId").GetString()!,
            ParseCount(e.GetProperty("acceleratorsPerInstance").GetString()!),
            e.GetProperty("vcpus").GetInt32(),
            e.GetProperty("memoryGib").GetDecimal(),
            e.GetProperty("source").GetString()!));
        return new AzureVmSizeMap(sizes);
    });

    public static AzureVmSizeMap Default => DefaultInstance.Value;

    /// <summary>"8" or a fraction such as "1/6".</summary>
    public static decimal ParseCount(string text)
    {
        var slash = text.IndexOf('/');
        return slash < 0
            ? decimal.Parse(text, CultureInfo.InvariantCulture)
            : decimal.Parse(text[..slash], CultureInfo.InvariantCulture) / decimal.Parse(text[(slash + 1)..], CultureInfo.InvariantCulture);
    }
}
