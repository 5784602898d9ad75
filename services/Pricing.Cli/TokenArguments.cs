using Pricing.ServiceDefaults;

namespace Pricing.Cli;

/// <summary><c>pricing token [--scope S]... [--subject NAME] [--lifetime DURATION]</c>.</summary>
public sealed record TokenArguments(IReadOnlyList<string> Scopes, string Subject, TimeSpan Lifetime)
{
    public const string Usage = """
        usage: pricing token [--scope pricing.read|pricing.admin]... [--subject NAME] [--lifetime DURATION]

        Prints a bearer token signed with the key in the environment variable Auth__SigningKey (base64,
        at least 32 bytes; the services' own key). Issuer and audience: Auth__Issuer / Auth__Audience,
        default "pricing".
          --scope     pricing.read (default) or pricing.admin (implies read); repeat for both
          --subject   the token's sub (default: pricing-cli); rate limits and stream caps count per subject
          --lifetime  e.g. 1h, 30m, 7d (default 1h; at most 90d)
        """;

    private static readonly TimeSpan MaxLifetime = TimeSpan.FromDays(90);

    public static TokenArguments Parse(IReadOnlyList<string> args)
    {
        var scopes = new List<string>();
        var subject = "pricing-cli";
        var lifetime = TimeSpan.FromHours(1);
        Arguments.Walk(args, new HashSet<string>(), _ => { }, (name, value) =>
        {
            switch (name)
            {
                case "--scope" when value is PricingAuthOptions.ReadScope or PricingAuthOptions.AdminScope:
                    scopes.Add(value);
                    break;
                case "--scope":
                    throw new ArgumentException($"--scope must be {PricingAuthOptions.ReadScope} or {PricingAuthOptions.AdminScope}.");
                case "--subject":
                    subject = Arguments.Word(name, value).Length <= 128 ? value : throw new ArgumentException("--subject has at most 128 characters.");
                    break;
                case "--lifetime":
                    lifetime = Arguments.Duration(name, value);
                    if (lifetime <= TimeSpan.Zero || lifetime > MaxLifetime)
                    {
                        throw new ArgumentException("--lifetime must be more than 0 and at most 90d.");
                    }

                    break;
                default:
                    throw new ArgumentException($"Unknown option {name}.");
            }
        });
        return new TokenArguments(scopes.Count == 0 ? [PricingAuthOptions.ReadScope] : [.. scopes.Distinct()], subject, lifetime);
    }
}
