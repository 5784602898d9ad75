using System.Net.Http.Headers;
using Grpc.Net.Client;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Pricing.ServiceDefaults;

/// <summary>
/// The bearer token a service sends on its own calls to other services (client-credentials style):
/// <c>Auth:ClientToken</c> when configured, else one minted from <c>Auth:SigningKey</c> with scope
/// <see cref="PricingAuthOptions.ReadScope"/> and the application's name as subject, renewed before it expires;
/// none when authentication is off.
/// </summary>
public sealed class ServiceTokenSource(IOptions<PricingAuthOptions> options, IHostEnvironment environment, TimeProvider time)
{
    private readonly Lock _lock = new();
    private string? _minted;
    private DateTimeOffset _renewAt;

    public string? Current()
    {
        var auth = options.Value;
        if (!string.IsNullOrWhiteSpace(auth.ClientToken))
        {
            return auth.ClientToken;
        }

        if (string.IsNullOrWhiteSpace(auth.SigningKey))
        {
            return null;
        }

        lock (_lock)
        {
            var now = time.GetUtcNow();
            if (_minted is null || now >= _renewAt)
            {
                _minted = Mint(auth, environment.ApplicationName, [PricingAuthOptions.ReadScope], auth.MintedTokenLifetime, now);
                _renewAt = now + auth.MintedTokenLifetime * 0.8;
            }

            return _minted;
        }
    }

    /// <summary>A JWT signed with the configured key (HS256), as this project's services and tests issue them.</summary>
    public static string Mint(PricingAuthOptions auth, string subject, IEnumerable<string> scopes, TimeSpan lifetime, DateTimeOffset now) =>
        new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = auth.Issuer,
            Audience = auth.Audience,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = (now + lifetime).UtcDateTime,
            Claims = new Dictionary<string, object>
            {
                ["sub"] = subject,
                [PricingAuthentication.ScopeClaim] = string.Join(' ', scopes),
            },
            SigningCredentials = new SigningCredentials(PricingAuthentication.SigningKeyOf(auth), SecurityAlgorithms.HmacSha256),
        });

    /// <summary>A handler that adds this source's token to every request (none when there is no token).</summary>
    public DelegatingHandler Handler(HttpMessageHandler? inner = null) => new BearerTokenHandler(this) { InnerHandler = inner ?? new SocketsHttpHandler { EnableMultipleHttp2Connections = true } };

    /// <summary>Channel options for <see cref="GrpcChannel.ForAddress(string, GrpcChannelOptions)"/> that send this source's token.</summary>
    public GrpcChannelOptions ChannelOptions() => new() { HttpHandler = Handler(), DisposeHttpClient = true };
}

/// <summary>Adds <c>Authorization: Bearer …</c> from a <see cref="ServiceTokenSource"/>.</summary>
public sealed class BearerTokenHandler(ServiceTokenSource tokens) : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (tokens.Current() is { } token)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return base.SendAsync(request, cancellationToken);
    }
}
