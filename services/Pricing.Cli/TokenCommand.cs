using Pricing.ServiceDefaults;

namespace Pricing.Cli;

/// <summary>
/// <c>pricing token</c>: mints a bearer token signed with the deployment's shared key (<c>Auth__SigningKey</c>, read from
/// the environment so the key never appears on a command line or in shell history), the same HS256 token the services
/// mint for each other. For operators, scripts and Prometheus' <c>credentials_file</c>; with an OpenID Connect
/// authority, get tokens from it instead.
/// </summary>
public static class TokenCommand
{
    public const string KeyVariable = "Auth__SigningKey";

    public static int Run(TokenArguments arguments, Func<string, string?> environment, TextWriter output, TextWriter error, DateTimeOffset now)
    {
        var auth = new PricingAuthOptions
        {
            SigningKey = environment(KeyVariable),
            Issuer = environment("Auth__Issuer") is { Length: > 0 } issuer ? issuer : "pricing",
            Audience = environment("Auth__Audience") is { Length: > 0 } audience ? audience : "pricing",
        };
        if (string.IsNullOrWhiteSpace(auth.SigningKey))
        {
            error.WriteLine($"pricing token: set {KeyVariable} to the services' signing key (base64, at least 32 bytes) first.");
            return 2;
        }

        try
        {
            output.WriteLine(ServiceTokenSource.Mint(auth, arguments.Subject, arguments.Scopes, arguments.Lifetime, now));
        }
        catch (InvalidOperationException ex)
        {
            // SigningKeyOf's reason: not base64, or too short. Never the key itself.
            error.WriteLine($"pricing token: {KeyVariable} is not a usable key: {ex.Message}");
            return 2;
        }

        return 0;
    }
}
