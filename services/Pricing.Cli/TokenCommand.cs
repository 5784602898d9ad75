using System.Globalization;
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

    public static int Run(IReadOnlyList<string> args, Func<string, string?> environment, TextWriter output, TextWriter error, DateTimeOffset now)
    {
        var scopes = new List<string>();
        var subject = "pricing-cli";
        var lifetime = TimeSpan.FromHours(1);
        for (var i = 0; i < args.Count; i++)
        {
            var value = i + 1 < args.Count ? args[i + 1] : throw new ArgumentException($"{Cut(args[i])} needs a value.");
            switch (args[i])
            {
                case "--scope" when value is PricingAuthOptions.ReadScope or PricingAuthOptions.AdminScope:
                    scopes.Add(value);
                    break;
                case "--scope":
                    throw new ArgumentException($"--scope must be {PricingAuthOptions.ReadScope} or {PricingAuthOptions.AdminScope}, not '{Cut(value)}'.");
                case "--subject" when value.Length is > 0 and <= 128:
                    subject = value;
                    break;
                case "--subject":
                    throw new ArgumentException("--subject must have 1 to 128 characters.");
                case "--lifetime":
                    lifetime = DurationOf(value);
                    break;
                default:
                    throw new ArgumentException($"unknown option '{Cut(args[i])}'.");
            }

            i++;
        }

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
            output.WriteLine(ServiceTokenSource.Mint(auth, subject, scopes.Count == 0 ? [PricingAuthOptions.ReadScope] : scopes.Distinct(), lifetime, now));
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or InvalidOperationException)
        {
            error.WriteLine($"pricing token: {KeyVariable} is not a usable key: {ex.Message}");
            return 2;
        }

        return 0;
    }

    /// <summary>A duration like 90s, 30m, 12h or 7d, positive and at most 90 days.</summary>
    public static TimeSpan DurationOf(string text)
    {
        var unit = text.Length > 1 ? text[^1] : ' ';
        if (!long.TryParse(text.AsSpan(0, Math.Max(0, text.Length - 1)), NumberStyles.None, CultureInfo.InvariantCulture, out var count)
            || count is <= 0 or > 1_000_000)
        {
            throw new ArgumentException($"--lifetime must be a whole number and a unit s, m, h or d, like 12h; not '{Cut(text)}'.");
        }

        var lifetime = unit switch
        {
            's' => TimeSpan.FromSeconds(count),
            'm' => TimeSpan.FromMinutes(count),
            'h' => TimeSpan.FromHours(count),
            'd' => TimeSpan.FromDays(count),
            _ => throw new ArgumentException($"--lifetime must end in s, m, h or d, like 12h; not '{Cut(text)}'."),
        };
        return lifetime <= MaxLifetime ? lifetime : throw new ArgumentException("--lifetime is at most 90d.");
    }

    private static string Cut(string text) => text.Length <= 40 ? text : text[..40] + "…";
}
