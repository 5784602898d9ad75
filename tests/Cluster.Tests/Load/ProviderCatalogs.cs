using System.Net.Http.Json;
using System.Text.Json;
using Cluster.Tests.Servers;
using Pricing.Contracts;
using Pricing.Contracts.V1;
using Pricing.Testing;

namespace Cluster.Tests.Load;

/// <summary>One provider's catalog as it serves it (StreamCatalogSnapshot): its version and each offer's price.</summary>
public sealed record CatalogState(string Provider, long Version, IReadOnlyDictionary<string, decimal> Prices)
{
    /// <summary>
    /// The changes from <paramref name="before"/> to this version, as provider|version|offer key: offers added, removed or
    /// repriced. What every watcher must be told once, and the history must hold once.
    /// </summary>
    public IEnumerable<string> ChangesSince(CatalogState before)
    {
        if (Version == before.Version)
        {
            yield break;
        }

        foreach (var (key, price) in Prices)
        {
            if (!before.Prices.TryGetValue(key, out var old) || old != price)
            {
                yield return Load.PriceWatcher.Identity(Provider, Version, key);
            }
        }

        foreach (var key in before.Prices.Keys.Where(k => !Prices.ContainsKey(k)))
        {
            yield return Load.PriceWatcher.Identity(Provider, Version, key);
        }
    }
}

/// <summary>A provider's scrape as its POST /admin/scrape reported it.</summary>
public sealed record ScrapeReport(string Provider, string Result, long Version, int Offers, int Changes, string? Error);

/// <summary>The providers through their public surfaces: gRPC ProviderCatalog for catalogs, POST /admin/scrape to scrape now.</summary>
public static class ProviderCatalogs
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromMinutes(4) };
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static async Task<CatalogState> ReadAsync(string provider, ServiceProcess service, string token, CancellationToken ct)
    {
        using var channel = TestTokenIssuer.Channel(service.Address, token);
        using var call = new ProviderCatalog.ProviderCatalogClient(channel).StreamCatalogSnapshot(new StreamCatalogSnapshotRequest { ChunkSize = 500 }, cancellationToken: ct);
        var prices = new Dictionary<string, decimal>(StringComparer.Ordinal);
        long version = 0;
        while (await call.ResponseStream.MoveNext(ct))
        {
            var chunk = call.ResponseStream.Current;
            version = chunk.CatalogVersion;
            foreach (var offer in chunk.Offers)
            {
                prices[offer.OfferKey] = offer.PricePerInstanceHour.ToDecimal();
            }
        }

        return new CatalogState(provider, version, prices);
    }

    /// <summary>POST /admin/scrape (admin token) and the provider's report of it; fails on anything but 200.</summary>
    public static async Task<ScrapeReport> ScrapeAsync(ServiceProcess service, string adminToken, CancellationToken ct)
    {
        using var request = TestTokenIssuer.Request(HttpMethod.Post, $"{service.Http1Address}/admin/scrape", adminToken);
        using var response = await Http.SendAsync(request, ct);
        var body = await response.Content.ReadAsStringAsync(ct);
        Assert.True(response.IsSuccessStatusCode, $"POST /admin/scrape on {service.Name}: {(int)response.StatusCode} {body}");
        return Assert.Single(JsonSerializer.Deserialize<List<ScrapeReport>>(body, Json)!);
    }
}
