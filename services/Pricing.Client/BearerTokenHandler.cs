using System.Net.Http.Headers;

namespace Pricing.Client;

/// <summary>
/// Adds <c>Authorization: Bearer …</c> to every request, the token read per request (a service's token is renewed
/// before it expires); none when the token source gives null. The CLI's <c>--token</c> and the services' own calls
/// (<c>ServiceTokenSource</c>) both send theirs through it.
/// </summary>
public sealed class BearerTokenHandler(Func<string?> token) : DelegatingHandler
{
    public BearerTokenHandler(string token)
        : this(() => token)
    {
    }

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (token() is { Length: > 0 } current)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", current);
        }

        return base.SendAsync(request, cancellationToken);
    }
}
