using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Grpc.Net.Client;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Pricing.Client;

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
    public DelegatingHandler Handler(HttpMessageHandler? inner = null) => new BearerTokenHandler(Current) { InnerHandler = inner ?? PrimaryHandler() };

    /// <summary>
    /// The connection handler of this service's outgoing calls: with <c>Auth:ClientCertificates:CertificateFile</c> it
    /// presents that certificate (mTLS), and with <c>TrustedCaFile</c> it accepts only servers whose certificate chains
    /// to that CA.
    /// </summary>
    public SocketsHttpHandler PrimaryHandler()
    {
        var handler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true };
        var (own, ca) = _certificates.Value;
        if (own is not null)
        {
            handler.SslOptions.ClientCertificates = [own];
        }

        if (ca is not null)
        {
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, presented, errors) =>
                certificate is not null && (errors & SslPolicyErrors.RemoteCertificateNameMismatch) == 0 && ChainsToCa(certificate, presented, ca);
        }

        return handler;
    }

    // Read once: the client factory makes a new primary handler for every client lifetime.
    private readonly Lazy<(X509Certificate2? Own, X509Certificate2? Ca)> _certificates = new(() =>
    {
        var certificates = options.Value.ClientCertificates;
        X509Certificate2? own = null;
        if (!string.IsNullOrWhiteSpace(certificates.CertificateFile))
        {
            // Windows' TLS stack needs the key in a store-backed form; exporting and re-importing gives one everywhere.
            using var pem = X509Certificate2.CreateFromPemFile(certificates.CertificateFile, certificates.KeyFile);
            own = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        }

        return (own, certificates.LoadTrustedCa());
    });

    private static bool ChainsToCa(X509Certificate certificate, X509Chain? presented, X509Certificate2 ca)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        // A private CA without a CRL endpoint: revocation is by reissuing the CA (docs/security.md).
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        // The server must hold a server certificate, not a client one from the same CA.
        chain.ChainPolicy.ApplicationPolicy.Add(new System.Security.Cryptography.Oid("1.3.6.1.5.5.7.3.1"));
        // Intermediates the server sent.
        foreach (var element in presented?.ChainElements.Skip(1) ?? [])
        {
            chain.ChainPolicy.ExtraStore.Add(element.Certificate);
        }

        return chain.Build(certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
    }

    /// <summary>Channel options for <see cref="GrpcChannel.ForAddress(string, GrpcChannelOptions)"/> that send this source's token.</summary>
    public GrpcChannelOptions ChannelOptions() => new() { HttpHandler = Handler(), DisposeHttpClient = true };
}
