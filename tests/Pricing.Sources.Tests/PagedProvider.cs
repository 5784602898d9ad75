using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Pricing.Catalog;
using Pricing.FakeProviders;

namespace Pricing.Sources.Tests;

// A provider of the plainest kind, so the shared pipeline is tested on its own: an API of numbered JSON pages of
// offers, a source that follows them, a snapshot source, and the descriptor that composes them like AWS, GCP and Azure.

/// <summary>Configuration section <c>Paged</c>.</summary>
public sealed class PagedPriceOptions
{
    public const string Section = "Paged";

    public Uri BaseUrl { get; set; } = new("http://127.0.0.1:9/");

    public List<string> Notes { get; set; } = [];
}

/// <summary>One offer row of a page.</summary>
public sealed record PagedPriceRow(
    [property: JsonPropertyName("region")] string Region,
    [property: JsonPropertyName("instance")] string Instance,
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("price")] decimal Price);

/// <summary>A page: its rows and the path of the next page, null on the last.</summary>
public sealed record PagedPricePage(
    [property: JsonPropertyName("offers")] IReadOnlyList<PagedPriceRow> Offers,
    [property: JsonPropertyName("next")] string? Next);

public static class PagedPrices
{
    public const string Provider = "paged";
    public const string AcceleratorId = "nvidia-h100-80gb";
    public const int Offers = 100;
    public static readonly DateTimeOffset SnapshotDate = new(2026, 11, 28, 0, 0, 0, TimeSpan.Zero);

    /// <summary>The rows the fake serves and the snapshot holds: four regions, on-demand and spot.</summary>
    public static IReadOnlyList<PagedPriceRow> Initial { get; } = [.. Enumerable.Range(0, Offers).Select(i => new PagedPriceRow(
        $"region-{i % 4}", $"paged.{i.ToString(CultureInfo.InvariantCulture)}", i % 2 == 0 ? PricingModels.OnDemand : PricingModels.Spot,
        (i % 2 == 0 ? 80m : 30m) + i * 0.01m))];

    public static string KeyOf(PagedPriceRow row) => OfferKey.Format(Provider, row.Region, null, row.Instance, row.Model);

    /// <summary>The mapper: every row an offer of one 8 x H100 instance.</summary>
    public static MappingResult Map(IEnumerable<PagedPriceRow> rows, DateTimeOffset asOf, IReadOnlyList<string> notes) =>
        new([.. rows.Select(r => new Offer(Provider, r.Region, null, r.Instance, AcceleratorId, 8, 96, 1024, r.Model, r.Price, "USD", asOf,
            $"sku-{r.Instance}", $"meter-{r.Instance}-{r.Model}"))], [], new Dictionary<string, int>(), notes);

    /// <summary>The composition with each way of reading bodies.</summary>
    public static PriceProvider With(ResponseBodies bodies) =>
        new PriceProvider<PagedPriceOptions, PagedHttpSource, PagedSnapshotSource>(PagedPriceOptions.Section, PagedHttpSource.HttpClientName)
        {
            Bodies = bodies,
            HttpDefaults = new Dictionary<string, string> { ["TotalTimeout"] = "00:04:00" },
        };
}

/// <summary>Reads <c>prices?page=0</c>, then each <c>next</c> until there is none.</summary>
public sealed class PagedHttpSource(IHttpClientFactory httpClients, IOptions<PagedPriceOptions> options, TimeProvider time) : IPriceSource
{
    public const string HttpClientName = "paged-prices";

    public string Provider => PagedPrices.Provider;

    public string Description => $"http {options.Value.BaseUrl}";

    public async Task<SourceScrape> ScrapeAsync(CancellationToken cancellationToken)
    {
        var http = httpClients.CreateClient(HttpClientName);
        var rows = new List<PagedPriceRow>();
        for (Uri? url = new(options.Value.BaseUrl, "prices?page=0"); url is not null;)
        {
            using var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            response.EnsureSuccessStatusCode();
            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            var page = await JsonSerializer.DeserializeAsync<PagedPricePage>(body, cancellationToken: cancellationToken)
                ?? throw new InvalidDataException("A page is null.");
            rows.AddRange(page.Offers);
            url = page.Next is null ? null : new Uri(options.Value.BaseUrl, page.Next);
        }

        var asOf = time.GetUtcNow();
        return ScrapeBuilder.Build(asOf, PagedPrices.Map(rows, asOf, options.Value.Notes));
    }
}

/// <summary>The "bundled recording": the fake's initial rows, no network.</summary>
public sealed class PagedSnapshotSource : IPriceSource
{
    public string Provider => PagedPrices.Provider;

    public string Description => $"snapshot:{PagedPrices.SnapshotDate:yyyy-MM-dd}";

    public Task<SourceScrape> ScrapeAsync(CancellationToken cancellationToken) =>
        Task.FromResult(ScrapeBuilder.Build(PagedPrices.SnapshotDate, PagedPrices.Map(PagedPrices.Initial, PagedPrices.SnapshotDate, [])));
}

/// <summary>One request the fake received: the page it asked for, and when (and the region it asked for, if any).</summary>
public sealed record FakePagedRequest(int Page, DateTimeOffset ReceivedAt, string? Region = null);

/// <summary>The paged API on the fake provider base: <see cref="PageSize"/> rows a page, rows changed by the tests.</summary>
public sealed class FakePagedPriceApi : FakeProviderApi<FakePagedPriceApi, int?, FakePagedRequest>
{
    public const int PageSize = 25;

    private readonly List<PagedPriceRow> _rows = [.. PagedPrices.Initial];

    public int PageCount
    {
        get
        {
            lock (Gate)
            {
                return (_rows.Count + PageSize - 1) / PageSize;
            }
        }
    }

    protected override string Route => "/prices";

    /// <summary>Sets the price of one offer; returns how many rows changed.</summary>
    public int SetPrice(string instance, string model, decimal price)
    {
        lock (Gate)
        {
            var changed = 0;
            for (var i = 0; i < _rows.Count; i++)
            {
                if (_rows[i].Instance == instance && _rows[i].Model == model)
                {
                    _rows[i] = _rows[i] with { Price = price };
                    changed++;
                }
            }

            return changed;
        }
    }

    public int RemoveRows(Func<PagedPriceRow, bool> predicate)
    {
        lock (Gate)
        {
            return _rows.RemoveAll(r => predicate(r));
        }
    }

    private static int PageOf(HttpRequest request) =>
        int.TryParse(request.Query["page"], NumberStyles.None, CultureInfo.InvariantCulture, out var page) ? page : 0;

    private static string? RegionOf(HttpRequest request) => request.Query["region"].FirstOrDefault();

    protected override (FakePagedRequest Request, int? Target) Describe(HttpContext context)
    {
        var page = PageOf(context.Request);
        return (new FakePagedRequest(page, DateTimeOffset.UtcNow, RegionOf(context.Request)), page);
    }

    /// <summary>A page of every row, or (with <c>region=</c>) of that region's rows only, as a regional API serves them.</summary>
    protected override (byte[]? Body, string ContentType) Render(HttpContext context)
    {
        var page = PageOf(context.Request);
        var region = RegionOf(context.Request);
        var all = region is null ? _rows : _rows.Where(r => r.Region == region).ToList();
        var rows = all.Skip(page * PageSize).Take(PageSize).ToList();
        var next = (page + 1) * PageSize < all.Count
            ? $"prices?page={(page + 1).ToString(CultureInfo.InvariantCulture)}{(region is null ? "" : "&region=" + region)}"
            : null;
        return (JsonSerializer.SerializeToUtf8Bytes(new PagedPricePage(rows, next)), "application/json");
    }

    protected override async Task WriteErrorAsync(HttpResponse response, HttpStatusCode status, string code, string message, CancellationToken cancellationToken)
    {
        response.StatusCode = (int)status;
        response.ContentType = "application/json";
        await response.WriteAsync(JsonSerializer.Serialize(new { error = new { code, message } }), cancellationToken);
    }
}
