using Pricing.Catalog;
using Pricing.Contracts.V1;
using Offer = Pricing.Catalog.Offer;
using Pricing.ServiceDefaults;
using Quotes.PastPrices;

namespace Quotes.Grpc;

/// <summary>
/// What ListCatalogOffers asks: every list empty means any, except that the CPU rows (<see cref="CpuAcceleratorIds"/>,
/// priced per vCPU for the quote's data processing) are listed only when the request names them: an accelerator
/// listing is not led by $0.04 vCPU-hours.
/// </summary>
public sealed record CatalogOfferFilter(
    IReadOnlySet<string> Providers,
    IReadOnlySet<string> Regions,
    IReadOnlySet<string> AcceleratorIds,
    IReadOnlySet<string> PricingModels,
    decimal MinAccelerators,
    DateTimeOffset? AsOf,
    int Limit)
{
    public IReadOnlySet<string> CpuAcceleratorIds { get; init; } = new HashSet<string>(StringComparer.Ordinal);

    public bool Matches(Offer o) =>
        (Providers.Count == 0 || Providers.Contains(o.Provider))
        && (Regions.Count == 0 || Regions.Contains(o.Region))
        && (AcceleratorIds.Count == 0 ? !CpuAcceleratorIds.Contains(o.AcceleratorId) : AcceleratorIds.Contains(o.AcceleratorId))
        && (PricingModels.Count == 0 || PricingModels.Contains(o.PricingModel))
        && o.AcceleratorsPerInstance >= MinAccelerators;
}

/// <summary>The page of GetCatalogAsOf: after which offer key it starts, and how many.</summary>
public sealed record CatalogPage(string Provider, DateTimeOffset AsOf, string? AfterKey, int Size);

/// <summary>
/// The reading of OfferCatalog's requests, every field checked at once (InvalidArgument with one BadRequest field
/// violation per problem). String lengths and list sizes are the request limits' (RequestFieldLimits).
/// </summary>
public static class OfferCatalogRequestMapping
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 1000;
    public const int DefaultPageSize = 1000;
    public const int MaxPageSize = 10_000;

    /// <summary>Accelerators per instance beyond any instance sold (the largest hold 16 GPUs or 64 Trainium chips).</summary>
    public const double MaxMinAccelerators = 1024;

    private static readonly HashSet<string> CpuRows = AcceleratorRegistry.Default.All.Where(a => a.IsCpu).Select(a => a.Id).ToHashSet(StringComparer.Ordinal);

    public static CatalogOfferFilter FilterOf(ListCatalogOffersRequest request, DateTimeOffset now)
    {
        var violations = new List<FieldViolation>();
        if (request.Limit is < 0 or > MaxLimit)
        {
            violations.Add(new FieldViolation("limit", $"Limit {request.Limit} is outside 0..{MaxLimit}."));
        }

        if (!double.IsFinite(request.MinAccelerators) || request.MinAccelerators is < 0 or > MaxMinAccelerators)
        {
            violations.Add(new FieldViolation("min_accelerators", $"Must be a number within 0..{MaxMinAccelerators}."));
        }

        var asOf = AsOfRequest.TimeOf(request.AsOf, "as_of", violations);
        if (AsOfRequest.Future(asOf, now) is { } future)
        {
            violations.Add(future);
        }

        if (violations.Count > 0)
        {
            throw GrpcValidation.InvalidArgument(violations);
        }

        return new CatalogOfferFilter(
            Set(request.Providers), Set(request.Regions), Set(request.AcceleratorIds), Set(request.PricingModels),
            (decimal)request.MinAccelerators, asOf, request.Limit > 0 ? request.Limit : DefaultLimit)
        {
            CpuAcceleratorIds = CpuRows,
        };
    }

    public static CatalogPage PageOf(GetCatalogAsOfRequest request, DateTimeOffset now)
    {
        var violations = new List<FieldViolation>();
        if (string.IsNullOrWhiteSpace(request.Provider))
        {
            violations.Add(new FieldViolation("provider", $"Required: the provider whose catalog to rebuild ({CloudProviders.IdsInWords()})."));
        }

        var asOf = AsOfRequest.TimeOf(request.AsOf, "as_of", violations);
        if (request.AsOf is null)
        {
            violations.Add(new FieldViolation("as_of", "Required: the time the catalog is wanted as of."));
        }
        else if (AsOfRequest.Future(asOf, now) is { } future)
        {
            violations.Add(future);
        }

        if (request.PageSize is < 0 or > MaxPageSize)
        {
            violations.Add(new FieldViolation("page_size", $"Page size {request.PageSize} is outside 0..{MaxPageSize}."));
        }

        string? after = null;
        if (request.PageToken.Length > 0 && (after = AfterKeyOf(request.PageToken)) is null)
        {
            violations.Add(new FieldViolation("page_token", "Not a page token from a previous response's next_page_token."));
        }

        if (violations.Count > 0)
        {
            throw GrpcValidation.InvalidArgument(violations);
        }

        return new CatalogPage(request.Provider, asOf!.Value, after, request.PageSize > 0 ? request.PageSize : DefaultPageSize);
    }

    /// <summary>A page token: the last offer key of the page, URL-safe base64.</summary>
    public static string TokenOf(string lastKey) =>
        Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("k1:" + lastKey)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static string? AfterKeyOf(string token)
    {
        try
        {
            var base64 = token.Replace('-', '+').Replace('_', '/');
            var text = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(base64.PadRight(base64.Length + (4 - base64.Length % 4) % 4, '=')));
            return text.StartsWith("k1:", StringComparison.Ordinal) && OfferKey.TryParse(text[3..], out _) ? text[3..] : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static HashSet<string> Set(IEnumerable<string> values) =>
        values.Where(v => !string.IsNullOrWhiteSpace(v)).ToHashSet(StringComparer.Ordinal);
}
