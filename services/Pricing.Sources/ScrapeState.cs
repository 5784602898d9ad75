using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Pricing.Sources;

/// <summary>What the partial-scrape guard must remember across restarts: the last good catalog's size.</summary>
public sealed record LastGoodCatalog(string Provider, long Version, int Offers, DateTimeOffset CommittedAt);

/// <summary>
/// The last good catalog of each provider, one small JSON file per provider under <see cref="ScrapeOptions.StateDirectory"/>
/// (a volume in a deployment), so the partial-scrape guard applies to a restarted process's first scrape too: without
/// it, a first scrape that read half the pages would become the whole catalog and Quotes would drop the rest.
/// A file is replaced whole (written beside, then renamed), so a crash mid-write leaves the previous one.
/// </summary>
public sealed class ScrapeState(string directory, ILogger logger)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public string Directory { get; } = directory;

    /// <summary>The remembered catalog, or null when there is none (a first start) or it cannot be read (logged).</summary>
    public LastGoodCatalog? Load(string provider)
    {
        var path = PathOf(provider);
        try
        {
            if (!File.Exists(path))
            {
                return null;
            }

            var state = JsonSerializer.Deserialize<LastGoodCatalog>(File.ReadAllText(path), Json);
            return state is { Offers: >= 0 } && state.Provider == provider ? state : null;
        }
        catch (Exception ex) when (ex is IOException or JsonException or UnauthorizedAccessException)
        {
            logger.LogWarning("Cannot read the last good catalog of {Provider} from {Path}: {Error}; the guard starts without it", provider, path, ex.Message);
            return null;
        }
    }

    public void Save(LastGoodCatalog state)
    {
        var path = PathOf(state.Provider);
        try
        {
            System.IO.Directory.CreateDirectory(Directory);
            var temporary = path + ".tmp";
            File.WriteAllText(temporary, JsonSerializer.Serialize(state, Json));
            File.Move(temporary, path, overwrite: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            logger.LogWarning("Cannot save the last good catalog of {Provider} to {Path}: {Error}; a restart would not guard its first scrape", state.Provider, path, ex.Message);
        }
    }

    private string PathOf(string provider) => Path.Combine(Directory, $"{provider}.last-good.json");
}
