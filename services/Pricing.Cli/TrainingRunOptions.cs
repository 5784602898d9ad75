using System.CommandLine;
using Pricing.Client;
using Pricing.Contracts.V1;

namespace Pricing.Cli;

/// <summary>
/// The training-run spec flags of <c>quote</c> and <c>compare</c>, made from <see cref="TrainingRunFields"/> (the list
/// the Dashboard's quote form is made from too) and added to both verbs. Each value is checked as it is parsed (a
/// bad one is a parse error naming its flag, exit 2) and set on the request when the command binds.
/// </summary>
internal sealed class TrainingRunOptions
{
    private readonly List<(TrainingRunField Field, Option Option)> _options;

    public TrainingRunOptions()
        : this(TrainingRunFields.All)
    {
    }

    /// <summary>Only <paramref name="fields"/>: <c>plan</c> takes the quote terms (<see cref="TrainingRunFields.BudgetTerms"/>), not the model's size.</summary>
    public TrainingRunOptions(IEnumerable<TrainingRunField> fields) => _options = [.. fields.Select(f => (f, Make(f)))];

    /// <summary>Adds every spec flag to <paramref name="command"/>, with the one rule the CLI checks itself: what to size.</summary>
    public void AddTo(Command command)
    {
        AddFlagsTo(command);

        command.AddRule(result =>
        {
            if (TrainingRunFields.Missing(ToRequest(result)) is not null)
            {
                result.AddError("--params and --tokens (or --chinchilla) are required.");
            }
        });
    }

    /// <summary>Adds the flags alone, without the size rule.</summary>
    public void AddFlagsTo(Command command)
    {
        foreach (var (_, option) in _options)
        {
            command.Options.Add(option);
        }
    }

    /// <summary>The request as the flags give it; unset flags stay 0 / empty, which the server reads as its defaults.</summary>
    public QuoteTrainingRunRequest ToRequest(ParseResult result) => ToRequest(result.GetValue, result.GetValue);

    private QuoteTrainingRunRequest ToRequest(System.CommandLine.Parsing.CommandResult result) => ToRequest(result.GetValue, result.GetValue);

    private QuoteTrainingRunRequest ToRequest(Func<Option<List<string>>, List<string>?> values, Func<Option<bool>, bool> isSet)
    {
        var request = new QuoteTrainingRunRequest();
        var now = DateTimeOffset.UtcNow;
        foreach (var (field, option) in _options)
        {
            IEnumerable<string> given = option switch
            {
                Option<bool> flag => isSet(flag) ? ["true"] : [],
                _ => (IEnumerable<string>?)values((Option<List<string>>)option) ?? [],
            };
            foreach (var value in given)
            {
                field.Apply(request, value, now);
            }
        }

        return request;
    }

    /// <summary>
    /// Every flag reads as its list of values as given (checked now); a value flag keeps the last one, as it always did,
    /// a list flag all of them; a switch is a plain bool.
    /// </summary>
    private static Option Make(TrainingRunField field) => field.Kind switch
    {
        TrainingRunFieldKind.Switch => CliOptions.Switch(field.Flag, field.Description),
        TrainingRunFieldKind.List => CliOptions.List<string>(field.Flag, field.ValueName, field.Description, (name, value) => [Checked(field, value)]),
        _ => CliOptions.Value(field.Flag, field.ValueName, field.Description, (name, value) => new List<string> { Checked(field, value) }),
    };

    private static string Checked(TrainingRunField field, string value)
    {
        try
        {
            field.Check(value, DateTimeOffset.UtcNow);
            return value;
        }
        catch (ArgumentException ex)
        {
            throw new ArgumentException($"{field.Flag} {ex.Message}", ex);
        }
    }
}
