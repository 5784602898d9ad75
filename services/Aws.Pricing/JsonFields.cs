using System.Text.Json;

namespace Aws.Pricing;

/// <summary>Reading the loosely typed JSON of AWS's price files (the spot feed, Savings Plans rate files).</summary>
internal static class JsonFields
{
    /// <summary>A string property of an object, or null (not an object, no such property, not a string).</summary>
    public static string? Text(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
