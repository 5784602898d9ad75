using System.Reflection;
using System.Text.Json;

namespace Pricing.Catalog;

/// <summary>Reads data files compiled into an assembly, so nothing depends on the working directory.</summary>
public static class EmbeddedData
{
    public static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    public static Stream Open(Assembly assembly, string logicalName) =>
        assembly.GetManifestResourceStream(logicalName)
        ?? throw new InvalidDataException($"Embedded data file {logicalName} is missing from {assembly.GetName().Name}.");

    public static IEnumerable<string> Names(Assembly assembly, string prefix) =>
        assembly.GetManifestResourceNames().Where(n => n.StartsWith(prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal);
}
