using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Pricing.Sources;

namespace Gcp.Pricing;

/// <summary>The Cloud Billing Catalog API refused the request for a reason retrying cannot fix (a bad API key, a bad argument).</summary>
public sealed class GcpCloudBillingException(string message, HttpStatusCode status, string? reason) : Exception(message)
{
    public HttpStatusCode Status { get; } = status;

    /// <summary>The <c>google.rpc.ErrorInfo</c> reason, e.g. <c>API_KEY_INVALID</c>, when the body has one.</summary>
    public string? Reason { get; } = reason;
}

/// <summary>
/// Reads the live Cloud Billing Catalog API: <c>GET v1/services/{id}/skus?key=…&amp;pageSize=…&amp;currencyCode=…</c>
/// for Compute Engine and Cloud TPU, following <c>nextPageToken</c> until it is empty, then composes VM offers.
/// </summary>
public sealed class GcpCloudBillingSource(IHttpClientFactory httpClients, IOptions<GcpPricingOptions> options, TimeProvider time, ILogger<GcpCloudBillingSource> logger) : IPriceSource
{
    public const string HttpClientName = "gcp-cloud-billing";

    public string Provider => GcpOfferComposer.Provider;

    public string Description => $"http {options.Value.BaseUrl}";

    public async Task<SourceScrape> ScrapeAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        if (string.IsNullOrWhiteSpace(o.ApiKey))
        {
            throw new InvalidOperationException($"{GcpPricingOptions.Section}:ApiKey is not set: the Cloud Billing Catalog API needs an API key (set {GcpPricingOptions.Section}__ApiKey).");
        }

        var http = httpClients.CreateClient(HttpClientName);
        var skus = new List<GcpSku>();
        var malformed = new List<GcpMalformedSku>();
        foreach (var service in o.ServiceIds())
        {
            var pages = 0;
            string? token = null;
            var seenTokens = new HashSet<string>(StringComparer.Ordinal);
            do
            {
                if (++pages > o.MaxPagesPerService)
                {
                    throw new InvalidDataException($"Service {service}: more than {o.MaxPagesPerService} pages; nextPageToken does not end.");
                }

                // The body is already buffered inside the resilience pipeline (BufferedBodyHandler): a page that stalls
                // or breaks off mid-body has hit the attempt timeout and been retried by now.
                using var response = await http.GetAsync(PageUrl(o, service, token), HttpCompletionOption.ResponseHeadersRead, cancellationToken);
                if (!response.IsSuccessStatusCode)
                {
                    throw await FailureAsync(response, service, pages, cancellationToken);
                }

                await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
                var page = await GcpSkuPageParser.ParseAsync(body, cancellationToken);
                skus.AddRange(page.Skus);
                malformed.AddRange(page.Malformed);
                token = page.NextPageToken;
                if (token is not null && !seenTokens.Add(token))
                {
                    throw new InvalidDataException($"Service {service}: nextPageToken repeats; the paging would never end.");
                }
            }
            while (token is not null);

            logger.LogInformation("Cloud Billing service {Service}: {Pages} pages read", service, pages);
        }

        logger.LogInformation("Cloud Billing Catalog: {Skus} SKUs, {Malformed} malformed", skus.Count, malformed.Count);
        return ScrapeBuilder.Build(time.GetUtcNow(), GcpOfferComposer.Malformed(malformed), new GcpOfferComposer(GcpMachineTypeMap.Default, o.Regions).Compose(skus));
    }

    /// <summary>The page request. The key rides in the query string as the API documents; IHttpClientFactory's logging redacts query strings.</summary>
    private static Uri PageUrl(GcpPricingOptions o, string service, string? token)
    {
        var query = $"key={Uri.EscapeDataString(o.ApiKey!)}&pageSize={o.PageSize.ToString(CultureInfo.InvariantCulture)}&currencyCode={Uri.EscapeDataString(o.CurrencyCode)}";
        if (token is not null)
        {
            query += $"&pageToken={Uri.EscapeDataString(token)}";
        }

        return new Uri(o.BaseUrl, $"v1/services/{Uri.EscapeDataString(service)}/skus?{query}");
    }

    /// <summary>
    /// The error of a failed page, with Google's own explanation when the body is a <c>google.rpc.Status</c>. A rejected
    /// key gets a message that says so; nothing here repeats the key or the request URL.
    /// </summary>
    private static async Task<Exception> FailureAsync(HttpResponseMessage response, string service, int page, CancellationToken cancellationToken)
    {
        var status = response.StatusCode;
        var (message, reason) = ReadGoogleError(await response.Content.ReadAsStringAsync(cancellationToken));
        if (reason == "API_KEY_INVALID")
        {
            return new GcpCloudBillingException(
                $"Cloud Billing Catalog rejected the API key (API_KEY_INVALID, HTTP {(int)status}): {message} Check {GcpPricingOptions.Section}:ApiKey.", status, reason);
        }

        var detail = message is null ? "" : $": {message}";
        var text = $"Cloud Billing Catalog answered HTTP {(int)status} ({status}) for service {service}, page {page}{(reason is null ? "" : $" ({reason})")}{detail}";
        return (int)status is >= 400 and < 500 && status is not HttpStatusCode.TooManyRequests and not HttpStatusCode.RequestTimeout
            ? new GcpCloudBillingException(text, status, reason)
            : new HttpRequestException(text, null, status);
    }

    /// <summary><c>{"error": {"message": …, "details": [{"@type": "…ErrorInfo", "reason": …}]}}</c>; nulls when the body is something else.</summary>
    public static (string? Message, string? Reason) ReadGoogleError(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind != JsonValueKind.Object || !document.RootElement.TryGetProperty("error", out var error) || error.ValueKind != JsonValueKind.Object)
            {
                return (null, null);
            }

            var message = error.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
            string? reason = null;
            if (error.TryGetProperty("details", out var details) && details.ValueKind == JsonValueKind.Array)
            {
                reason = details.EnumerateArray()
                    .Where(d => d.ValueKind == JsonValueKind.Object && d.TryGetProperty("reason", out var r) && r.ValueKind == JsonValueKind.String)
                    .Select(d => d.GetProperty("reason").GetString())
                    .FirstOrDefault();
            }

            return (message, reason);
        }
        catch (JsonException)
        {
            return (null, null);
        }
    }
}
