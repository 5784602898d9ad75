using System.CommandLine;
using Pricing.ServiceDefaults;

namespace Pricing.Cli;

/// <summary>What <c>pricing token</c> was asked: scopes, subject and lifetime of the token.</summary>
public sealed record TokenArguments(IReadOnlyList<string> Scopes, string Subject, TimeSpan Lifetime)
{
    public static TokenArguments Parse(IReadOnlyList<string> args) => Cli.Parse<TokenCommand, TokenArguments>(args);
}

/// <summary>
/// <c>pricing token</c>: mints a bearer token signed with the deployment's shared key (<c>Auth__SigningKey</c>, read from
/// the environment so the key never appears on a command line or in shell history), the same HS256 token the services
/// mint for each other. For operators, scripts and Prometheus' <c>credentials_file</c>; with an OpenID Connect
/// authority, get tokens from it instead.
/// </summary>
public sealed class TokenCommand : Command, IVerb<TokenArguments>
{
    public const string KeyVariable = "Auth__SigningKey";

    private static readonly TimeSpan MaxLifetime = TimeSpan.FromDays(90);

    private readonly Option<List<string>> _scopes = CliOptions.List<string>("--scope", "SCOPE",
        $"{PricingAuthOptions.ReadScope} (default) or {PricingAuthOptions.AdminScope} (implies read); repeat for both", (name, value) =>
            value is PricingAuthOptions.ReadScope or PricingAuthOptions.AdminScope
                ? [value]
                : throw new ArgumentException($"{name} must be {PricingAuthOptions.ReadScope} or {PricingAuthOptions.AdminScope}."));

    private readonly Option<string?> _subject = CliOptions.Value<string?>("--subject", "NAME",
        "the token's sub (default: pricing-cli); rate limits and stream caps count per subject",
        (name, value) => OptionValues.Word(name, value).Length <= 128 ? value : throw new ArgumentException($"{name} has at most 128 characters."));

    private readonly Option<TimeSpan?> _lifetime = CliOptions.Value<TimeSpan?>("--lifetime", "DURATION", "e.g. 1h, 30m, 7d (default 1h; at most 90d)", (name, value) =>
        OptionValues.Duration(name, value) is var lifetime && lifetime > TimeSpan.Zero && lifetime <= MaxLifetime
            ? lifetime
            : throw new ArgumentException($"{name} must be more than 0 and at most 90d."));

    public TokenCommand()
        : base("token", $"mint a bearer token from the services' signing key ({KeyVariable})")
    {
        Options.Add(_scopes);
        Options.Add(_subject);
        Options.Add(_lifetime);
        SetAction(result => Run(Bind(result), Environment.GetEnvironmentVariable, result.InvocationConfiguration.Output, result.InvocationConfiguration.Error, DateTimeOffset.UtcNow));
    }

    public string Details => $"""
        Prints a bearer token signed with the key in the environment variable {KeyVariable} (base64,
        at least 32 bytes; the services' own key). Issuer and audience: Auth__Issuer / Auth__Audience,
        default "pricing".
        """;

    public TokenArguments Bind(ParseResult result) => new(
        result.GetValue(_scopes) is { Count: > 0 } scopes ? [.. scopes.Distinct()] : [PricingAuthOptions.ReadScope],
        result.GetValue(_subject) ?? "pricing-cli",
        result.GetValue(_lifetime) ?? TimeSpan.FromHours(1));

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
