using System.CommandLine;
using System.CommandLine.Parsing;

namespace Pricing.Cli;

/// <summary>
/// The kinds of option every verb is made of, on System.CommandLine: a switch, a <c>--flag VALUE</c> (repeating one
/// keeps the last value, as it always did), a list flag (repeats add up), and the options every server verb shares.
/// Values are read by <see cref="OptionValues"/>; its <see cref="ArgumentException"/> becomes the parse error.
/// </summary>
internal static class CliOptions
{
    public static Option<bool> Switch(string name, string description) =>
        new(name) { Description = description, Arity = ArgumentArity.Zero };

    public static Option<T> Value<T>(string name, string helpName, string description, Func<string, string, T> parse) => new(name)
    {
        HelpName = helpName,
        Description = description,
        Arity = ArgumentArity.OneOrMore,
        AllowMultipleArgumentsPerToken = false,
        CustomParser = result => Read(result, name, values => parse(name, values[^1])),
    };

    public static Option<List<T>> List<T>(string name, string helpName, string description, Func<string, string, IEnumerable<T>> parse) => new(name)
    {
        HelpName = helpName,
        Description = description,
        Arity = ArgumentArity.OneOrMore,
        AllowMultipleArgumentsPerToken = false,
        CustomParser = result => Read(result, name, values => values.SelectMany(v => parse(name, v)).ToList()),
    };

    /// <summary><c>--server URL</c>: an http(s) address, checked the same way for every verb.</summary>
    public static Option<string?> Server(string description) => Value<string?>("--server", "URL", description, OptionValues.Server);

    /// <summary><c>--token TOKEN</c>: the bearer token sent with <c>--server</c> (else <see cref="ServerChannel.TokenVariable"/>).</summary>
    public static Option<string?> Token() =>
        Value<string?>("--token", "TOKEN", $"bearer token sent to --server (default: ${ServerChannel.TokenVariable}), for servers with auth on", (_, value) => value);

    public static Option<bool> Json(string description) => Switch("--json", description);

    /// <summary>
    /// <c>--view basic|full</c> (AIP-157): how much of the answer to ask for. Full by default, since the plain output
    /// shows the plan's parts and the assumptions; <c>--json --view basic</c> gets the short answer.
    /// </summary>
    public static Option<Pricing.Contracts.V1.QuoteView> View()
    {
        var view = Value("--view", "VIEW", "full (every detail; the default) or basic (ranked options, plan summaries, excluded offers grouped by reason)", OptionValues.View);
        view.DefaultValueFactory = _ => Pricing.Contracts.V1.QuoteView.Full;
        return view;
    }

    /// <summary>
    /// A rule over several options, checked once they parsed: System.CommandLine throws when a rule reads an option
    /// whose value failed, and that option's own error is already reported, so the rule is skipped then.
    /// </summary>
    public static void AddRule(this Command command, Action<CommandResult> rule) => command.Validators.Add(result =>
    {
        try
        {
            rule(result);
        }
        catch (InvalidOperationException)
        {
            // An option's value failed to parse; its error is the one reported.
        }
    });

    private static T? Read<T>(ArgumentResult result, string name, Func<IReadOnlyList<string>, T> parse)
    {
        var values = result.Tokens.Select(t => t.Value).ToList();
        try
        {
            // "--count --json": the next flag is not a value (System.CommandLine would take it as one).
            return values.Any(v => v.StartsWith("--", StringComparison.Ordinal) && v.Length > 2)
                ? throw new ArgumentException($"{name} needs a value.")
                : parse(values);
        }
        catch (ArgumentException ex)
        {
            result.AddError(ex.Message);
            return default;
        }
    }
}
