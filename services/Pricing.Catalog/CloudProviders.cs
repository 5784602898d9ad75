using System.Text.Json;
using System.Text.Json.Serialization;

namespace Pricing.Catalog;

/// <summary>One cloud provider as <c>Data/providers.json</c> lists it.</summary>
public sealed record CloudProvider(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("displayName")] string DisplayName,
    [property: JsonPropertyName("colour")] string Colour,
    [property: JsonPropertyName("defaultEndpoint")] Uri DefaultEndpoint,
    [property: JsonPropertyName("source")] string Source);

/// <summary>
/// The providers this project prices, read once from <c>Data/providers.json</c>: the request rules, the CLI's help,
/// the dashboard and the provider services' default endpoints read this list rather than spelling it out.
/// </summary>
public static class CloudProviders
{
    private static readonly Lazy<IReadOnlyList<CloudProvider>> Loaded = new(Load);

    /// <summary>Every provider, in the data file's (display) order.</summary>
    public static IReadOnlyList<CloudProvider> All => Loaded.Value;

    /// <summary>The ids, in display order: "aws", "gcp", "azure".</summary>
    public static IReadOnlyList<string> Ids { get; } = [.. All.Select(p => p.Id)];

    public static bool IsKnown(string id) => All.Any(p => p.Id == id);

    /// <summary>The provider with <paramref name="id"/>; a missing one is a programming error.</summary>
    public static CloudProvider Get(string id) =>
        All.FirstOrDefault(p => p.Id == id) ?? throw new KeyNotFoundException($"Provider '{id}' is not in providers.json.");

    /// <summary>"aws, gcp or azure": the ids for an error message or help text.</summary>
    public static string IdsInWords(string conjunction = "or") =>
        Ids.Count <= 1 ? string.Join("", Ids) : $"{string.Join(", ", Ids.Take(Ids.Count - 1))} {conjunction} {Ids[^1]}";

    private static IReadOnlyList<CloudProvider> Load()
    {
        using var stream = EmbeddedData.Open(typeof(CloudProviders).Assembly, "Pricing.Catalog.Data.providers.json");
        var file = JsonSerializer.Deserialize<ProviderFile>(stream, EmbeddedData.JsonOptions)
            ?? throw new InvalidDataException("providers.json is empty.");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var provider in file.Providers)
        {
            if (string.IsNullOrWhiteSpace(provider.Id) || provider.Id != provider.Id.ToLowerInvariant() || provider.Id.Any(c => !char.IsAsciiLetterOrDigit(c)))
            {
                throw new InvalidDataException($"Provider id '{provider.Id}' must be lower-case letters and digits (it is a routing-key word).");
            }

            if (!seen.Add(provider.Id) || string.IsNullOrWhiteSpace(provider.Source) || string.IsNullOrWhiteSpace(provider.DisplayName))
            {
                throw new InvalidDataException($"Provider {provider.Id} is listed twice or lacks a display name or source.");
            }
        }

        return file.Providers;
    }

    private sealed record ProviderFile([property: JsonPropertyName("providers")] List<CloudProvider> Providers);
}
