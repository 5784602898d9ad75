using System.Security.Claims;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Microsoft.AspNetCore.Authentication.Certificate;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.IdentityModel.Tokens;

namespace Pricing.ServiceDefaults;

/// <summary>
/// Bearer-token authentication and the two scopes, registered once for every deployable by AddServiceDefaults.
/// With <c>Auth:SigningKey</c> or <c>Auth:Authority</c> set, every endpoint needs <see cref="PricingAuthOptions.ReadScope"/>
/// unless it says otherwise (health: anonymous; admin: <see cref="PricingAuthOptions.AdminScope"/>). Without them the
/// policies let everyone through and <see cref="OpenAccessGuard"/> refuses to serve any non-loopback address.
/// </summary>
public static class PricingAuthentication
{
    public const string ScopeClaim = "scope";

    /// <summary>Azure AD and some others put scopes in <c>scp</c>.</summary>
    public const string AlternateScopeClaim = "scp";

    public static IHostApplicationBuilder AddPricingAuthentication(this IHostApplicationBuilder builder)
    {
        var options = PricingAuthOptions.From(builder.Configuration);
        builder.Services.AddOptions<PricingAuthOptions>().BindConfiguration(PricingAuthOptions.Section);
        builder.Services.TryAddSingleton<ServiceTokenSource>();
        builder.Services.AddSingleton<IAuthorizationMiddlewareResultHandler, GrpcAuthorizationResultHandler>();
        builder.Services.AddSingleton<IAuthorizationHandler, ScopeRequirementHandler>();

        if (!options.Enabled)
        {
            // Open: the same policy names, satisfied by anyone, so endpoints declare what they need either way.
            builder.Services.AddAuthorizationBuilder()
                .AddPolicy(PricingAuthOptions.ReadPolicy, p => p.RequireAssertion(_ => true))
                .AddPolicy(PricingAuthOptions.AdminPolicy, p => p.RequireAssertion(_ => true));
            builder.Services.AddSingleton<OpenAccessGuard>();
            builder.Services.AddHostedService(sp => sp.GetRequiredService<OpenAccessGuard>());
            return builder;
        }

        // Decoded here, so a placeholder or short key stops the host with the reason, not at the first caller's token.
        var signingKey = string.IsNullOrWhiteSpace(options.SigningKey) ? null : SigningKeyOf(options);

        string[] schemes = options.ClientCertificates.Required
            ? [JwtBearerDefaults.AuthenticationScheme, CertificateAuthenticationDefaults.AuthenticationScheme]
            : [JwtBearerDefaults.AuthenticationScheme];
        var authentication = builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme)
            .AddJwtBearer(jwt => ConfigureJwt(jwt, options, signingKey));
        if (options.ClientCertificates.Required)
        {
            AddClientCertificates(builder, authentication, options.ClientCertificates);
        }

        AuthorizationPolicy Scope(string scope) => new AuthorizationPolicyBuilder(schemes)
            .RequireAuthenticatedUser()
            .AddRequirements(new ScopeRequirement(scope))
            .Build();

        var read = Scope(PricingAuthOptions.ReadScope);
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(PricingAuthOptions.ReadPolicy, read)
            .AddPolicy(PricingAuthOptions.AdminPolicy, Scope(PricingAuthOptions.AdminScope))
            // Whatever an endpoint does not declare needs the read scope: nothing is open by omission.
            .SetFallbackPolicy(read);
        return builder;
    }

    /// <summary>The scopes a caller holds: <c>scope</c> / <c>scp</c> claims, each space-separated or repeated.</summary>
    public static IEnumerable<string> ScopesOf(ClaimsPrincipal user) =>
        user.Claims
            .Where(c => c.Type is ScopeClaim or AlternateScopeClaim)
            .SelectMany(c => c.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries));

    /// <summary>Admin implies read.</summary>
    public static bool HasScope(ClaimsPrincipal user, string scope)
    {
        var held = ScopesOf(user).ToHashSet(StringComparer.Ordinal);
        return held.Contains(scope) || (scope == PricingAuthOptions.ReadScope && held.Contains(PricingAuthOptions.AdminScope));
    }

    /// <summary>The symmetric key from <see cref="PricingAuthOptions.SigningKey"/> (base64, at least 256 bits).</summary>
    public static SymmetricSecurityKey SigningKeyOf(PricingAuthOptions options)
    {
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(options.SigningKey ?? "");
        }
        catch (FormatException)
        {
            throw new InvalidOperationException("Auth:SigningKey is not base64 (make one with: openssl rand -base64 32).");
        }

        return bytes.Length >= 32
            ? new SymmetricSecurityKey(bytes)
            : throw new InvalidOperationException($"Auth:SigningKey is {bytes.Length} bytes; HMAC-SHA256 needs at least 32 (openssl rand -base64 32).");
    }

    private static void ConfigureJwt(JwtBearerOptions jwt, PricingAuthOptions options, SymmetricSecurityKey? signingKey)
    {
        // Keep claim names as issued (scope, sub), not mapped to WS-Federation URIs.
        jwt.MapInboundClaims = false;
        var parameters = jwt.TokenValidationParameters;
        parameters.ValidAudience = options.Audience;
        parameters.ValidateAudience = true;
        parameters.ValidateLifetime = true;
        parameters.RequireExpirationTime = true;
        parameters.ClockSkew = TimeSpan.FromSeconds(30);
        parameters.NameClaimType = "sub";
        if (signingKey is not null)
        {
            parameters.IssuerSigningKey = signingKey;
            parameters.ValidIssuer = options.Issuer;
        }

        if (!string.IsNullOrWhiteSpace(options.Authority))
        {
            jwt.Authority = options.Authority;
            var authority = new Uri(options.Authority);
            // Discovery over plain HTTP only for an issuer on this machine (a dev identity server).
            jwt.RequireHttpsMetadata = !authority.IsLoopback;
        }
    }

    private static void AddClientCertificates(IHostApplicationBuilder builder, Microsoft.AspNetCore.Authentication.AuthenticationBuilder authentication, ClientCertificateOptions certificates)
    {
        var ca = certificates.LoadTrustedCa()
            ?? throw new InvalidOperationException("Auth:ClientCertificates:Required needs Auth:ClientCertificates:TrustedCaFile, the PEM of the CA that issues client certificates.");
        builder.Services.Configure<KestrelServerOptions>(kestrel => kestrel.ConfigureHttpsDefaults(https =>
        {
            https.ClientCertificateMode = ClientCertificateMode.RequireCertificate;
            // The chain is checked against the private CA by the certificate handler below, not the system store.
            https.AllowAnyClientCertificate();
        }));
        authentication.AddCertificate(o =>
        {
            o.AllowedCertificateTypes = CertificateTypes.Chained;
            o.ChainTrustValidationMode = X509ChainTrustMode.CustomRootTrust;
            o.CustomTrustStore.Add(ca);
            // A private CA without a CRL endpoint: revocation is by reissuing the CA (docs/security.md).
            o.RevocationMode = X509RevocationMode.NoCheck;
            o.Events = new CertificateAuthenticationEvents
            {
                OnCertificateValidated = context =>
                {
                    Claim[] claims =
                    [
                        new("sub", context.ClientCertificate.GetNameInfo(X509NameType.SimpleName, false)),
                        new(ScopeClaim, certificates.Scopes),
                    ];
                    context.Principal = new ClaimsPrincipal(new ClaimsIdentity(claims, context.Scheme.Name, "sub", null));
                    context.Success();
                    return Task.CompletedTask;
                },
            };
        });
    }
}

/// <summary>The caller must hold <see cref="Scope"/> (admin implies read).</summary>
public sealed record ScopeRequirement(string Scope) : IAuthorizationRequirement;

internal sealed class ScopeRequirementHandler : AuthorizationHandler<ScopeRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, ScopeRequirement requirement)
    {
        if (PricingAuthentication.HasScope(context.User, requirement.Scope))
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }
}

/// <summary>
/// For gRPC calls, a refused authorization becomes the gRPC status (<c>Unauthenticated</c>, <c>PermissionDenied</c>)
/// with a message saying what is missing; HTTP requests keep the usual 401 / 403.
/// </summary>
internal sealed class GrpcAuthorizationResultHandler : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _http = new();

    public Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Succeeded || !GrpcErrorResponse.IsGrpc(context.Request))
        {
            return _http.HandleAsync(next, context, policy, authorizeResult);
        }

        var scope = policy.Requirements.OfType<ScopeRequirement>().Select(r => r.Scope).FirstOrDefault() ?? PricingAuthOptions.ReadScope;
        if (authorizeResult.Forbidden)
        {
            return GrpcErrorResponse.WriteAsync(context, StatusCode.PermissionDenied, $"This call needs scope {scope}; the token does not grant it.");
        }

        context.Response.Headers.WWWAuthenticate = "Bearer";
        return GrpcErrorResponse.WriteAsync(context, StatusCode.Unauthenticated, $"This call needs a valid bearer token with scope {scope}.");
    }
}
