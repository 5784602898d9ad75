using System.Net.Http.Headers;
using System.Security.Cryptography;
using Grpc.Net.Client;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Pricing.Testing;

/// <summary>
/// A local token issuer for tests: a fresh random HMAC-SHA256 key per instance, real signed JWTs
/// (Microsoft.IdentityModel.JsonWebTokens), and the settings that make a host validate them
/// (<see cref="HostSettings"/>: Auth:SigningKey, Auth:Issuer, Auth:Audience). A host started without these
/// settings is open on loopback (the embedded default); with them, every call needs a token.
/// </summary>
public sealed class TestTokenIssuer
{
    public const string ReadScope = "pricing.read";
    public const string AdminScope = "pricing.admin";

    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);

    public string Issuer { get; init; } = "pricing-tests";

    public string Audience { get; init; } = "pricing";

    public string SigningKeyBase64 => Convert.ToBase64String(_key);

    /// <summary>Configuration for a host that accepts this issuer's tokens (and mints its own outgoing ones with the same key).</summary>
    public IReadOnlyDictionary<string, string?> HostSettings => new Dictionary<string, string?>
    {
        ["Auth:SigningKey"] = SigningKeyBase64,
        ["Auth:Issuer"] = Issuer,
        ["Auth:Audience"] = Audience,
    };

    /// <summary>A token with the given space-separated <paramref name="scope"/> (empty: no scope claim).</summary>
    public string Mint(string scope, string subject = "test-caller", TimeSpan? lifetime = null, string? audience = null, string? issuer = null, DateTimeOffset? now = null)
    {
        var issuedAt = (now ?? DateTimeOffset.UtcNow).UtcDateTime;
        var claims = new Dictionary<string, object> { ["sub"] = subject };
        if (scope.Length > 0)
        {
            claims["scope"] = scope;
        }

        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer ?? Issuer,
            Audience = audience ?? Audience,
            IssuedAt = issuedAt,
            NotBefore = issuedAt,
            Expires = issuedAt + (lifetime ?? TimeSpan.FromMinutes(10)),
            Claims = claims,
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(_key), SecurityAlgorithms.HmacSha256),
        });
    }

    /// <summary>A gRPC channel whose every call carries <paramref name="token"/> (none when null).</summary>
    public static GrpcChannel Channel(string address, string? token)
    {
        var handler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true };
        return token is null
            ? GrpcChannel.ForAddress(address, new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = true })
            : GrpcChannel.ForAddress(address, new GrpcChannelOptions { HttpHandler = new BearerHandler(token) { InnerHandler = handler }, DisposeHttpClient = true });
    }

    /// <summary>An HTTP/1.1 request with <paramref name="token"/> as bearer (none when null).</summary>
    public static HttpRequestMessage Request(HttpMethod method, string url, string? token)
    {
        var request = new HttpRequestMessage(method, url);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return request;
    }

    private sealed class BearerHandler(string token) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            return base.SendAsync(request, cancellationToken);
        }
    }
}
