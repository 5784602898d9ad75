namespace Pricing.Sources;

/// <summary>
/// Reads the whole response body inside the resilience pipeline (this handler sits below it), so the
/// per-attempt timeout covers the body too: a page that stalls or breaks off mid-body fails that attempt and
/// is retried, instead of hanging the scrape outside every timeout.
/// </summary>
public sealed class BufferedBodyHandler : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        try
        {
            await response.Content.LoadIntoBufferAsync(cancellationToken);
            return response;
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }
}
