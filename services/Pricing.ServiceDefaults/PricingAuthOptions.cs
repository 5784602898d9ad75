using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Configuration;

namespace Pricing.ServiceDefaults;

/// <summary>
/// Who may call a service (section <c>Auth</c>). Authentication is on when a signing key or an authority is
/// configured: then every endpoint except the health ones needs a bearer token with scope <see cref="ReadScope"/>
/// (or <see cref="AdminScope"/>, which implies it), and state-changing endpoints (<c>POST /admin/scrape</c>) need
/// <see cref="AdminScope"/>. Without either the service is open, which it allows only on loopback addresses.
/// docs/security.md lists every key.
/// </summary>
public sealed class PricingAuthOptions
{
    public const string Section = "Auth";

    /// <summary>Reads: quotes, offers, history, watches, status, reflection.</summary>
    public const string ReadScope = "pricing.read";

    /// <summary>Changes: scrapes now. Implies <see cref="ReadScope"/>.</summary>
    public const string AdminScope = "pricing.admin";

    /// <summary>Authorization policy names (the same strings as the scopes they require).</summary>
    public const string ReadPolicy = ReadScope;

    public const string AdminPolicy = AdminScope;

    /// <summary>The <c>iss</c> every token must carry, and the one minted tokens get.</summary>
    public string Issuer { get; set; } = "pricing";

    /// <summary>The <c>aud</c> every token must carry, and the one minted tokens get.</summary>
    public string Audience { get; set; } = "pricing";

    /// <summary>
    /// A shared HMAC-SHA256 key, base64, at least 32 bytes (<c>openssl rand -base64 32</c>): validates incoming tokens
    /// and signs the ones this service sends to others. Pass it as a secret (<c>Auth__SigningKey</c>); never logged.
    /// </summary>
    public string? SigningKey { get; set; }

    /// <summary>
    /// An OpenID Connect issuer (its discovery document gives the signing keys), instead of or besides
    /// <see cref="SigningKey"/>. With it, <see cref="Issuer"/> is whatever the authority says unless set.
    /// </summary>
    public string? Authority { get; set; }

    /// <summary>
    /// The bearer token this service sends on its own gRPC calls (Quotes to the providers, the dashboard to Quotes).
    /// Unset: one is minted from <see cref="SigningKey"/> with scope <see cref="ReadScope"/>; with only an authority
    /// and no token, calls go out without one.
    /// </summary>
    public string? ClientToken { get; set; }

    /// <summary>Lifetime of a minted service token; a new one is minted when less than a fifth of it is left.</summary>
    public TimeSpan MintedTokenLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Mutual TLS between services, as an option (see <see cref="ClientCertificateOptions"/>).</summary>
    public ClientCertificateOptions ClientCertificates { get; set; } = new();

    public bool Enabled => !string.IsNullOrWhiteSpace(SigningKey) || !string.IsNullOrWhiteSpace(Authority);

    /// <summary>The <c>Auth</c> section as configured (defaults when absent), for composition before the container exists.</summary>
    public static PricingAuthOptions From(IConfiguration configuration) =>
        configuration.GetSection(Section).Get<PricingAuthOptions>() ?? new PricingAuthOptions();
}

/// <summary>
/// <c>Auth:ClientCertificates</c>: with <see cref="Required"/>, HTTPS endpoints ask every caller for a client
/// certificate, and one that chains to <see cref="TrustedCaFile"/> authenticates as its subject with
/// <see cref="Scopes"/>. Bearer tokens keep working next to it.
/// </summary>
public sealed class ClientCertificateOptions
{
    /// <summary>Kestrel requires a client certificate on its HTTPS endpoints.</summary>
    public bool Required { get; set; }

    /// <summary>PEM file of the CA that issues the services' client certificates (a private CA; the system store is not used).</summary>
    public string? TrustedCaFile { get; set; }

    /// <summary>Scopes a valid client certificate grants (space-separated).</summary>
    public string Scopes { get; set; } = PricingAuthOptions.ReadScope;

    /// <summary>
    /// PEM certificate (with <see cref="KeyFile"/>, its PEM private key) this service presents on its own calls to
    /// other services (Quotes to the providers, the Dashboard to Quotes). With <see cref="TrustedCaFile"/> set, those
    /// calls also check the server's certificate against that CA rather than the system store.
    /// </summary>
    public string? CertificateFile { get; set; }

    /// <summary>PEM private key of <see cref="CertificateFile"/>.</summary>
    public string? KeyFile { get; set; }

    /// <summary>The CA of <see cref="TrustedCaFile"/>, or null when none is set.</summary>
    public X509Certificate2? LoadTrustedCa() =>
        string.IsNullOrWhiteSpace(TrustedCaFile)
            ? null
            // The certificate only: CreateFromPemFile would look for a private key in the file too.
            : X509Certificate2.CreateFromPem(File.ReadAllText(TrustedCaFile));
}
