using Pricing.Contracts.V1;

namespace Pricing.Client;

/// <summary>How a field is given: one value (the last one given counts), a list (values add up), or a switch.</summary>
public enum TrainingRunFieldKind
{
    Value,
    List,
    Switch,
}

/// <summary>
/// One field of a training-run request as a person gives it: the CLI's <c>--{Name}</c> flag and the Dashboard's form
/// field <c>{Name}</c>, with its help text, and how its text sets the request. Defined once in
/// <see cref="TrainingRunFields"/>, so the two front ends cover the same request.
/// </summary>
public sealed class TrainingRunField
{
    private readonly Action<QuoteTrainingRunRequest, string, DateTimeOffset> _set;

    internal TrainingRunField(string name, string section, string label, string valueName, string description, TrainingRunFieldKind kind,
        Action<QuoteTrainingRunRequest, string, DateTimeOffset> set, IReadOnlyList<string>? choices = null, string example = "")
    {
        Name = name;
        Section = section;
        Label = label;
        ValueName = valueName;
        Description = description;
        Kind = kind;
        Choices = choices ?? [];
        Example = example;
        _set = set;
    }

    /// <summary>"params": the CLI flag is <c>--params</c>, the form field and query parameter <c>params</c>.</summary>
    public string Name { get; }

    public string Flag => "--" + Name;

    /// <summary>The group it belongs to in the form ("Model and data", "Hardware", …).</summary>
    public string Section { get; }

    /// <summary>What a form labels it: "Parameters".</summary>
    public string Label { get; }

    /// <summary>What the CLI's help calls its value: "N", "LIST".</summary>
    public string ValueName { get; }

    /// <summary>The help text: the CLI's <c>--help</c> and the form's hint.</summary>
    public string Description { get; }

    public TrainingRunFieldKind Kind { get; }

    /// <summary>The values it takes when they are a fixed few (empty: free text).</summary>
    public IReadOnlyList<string> Choices { get; }

    /// <summary>A sample value for a form's placeholder.</summary>
    public string Example { get; }

    /// <summary>
    /// Sets <paramref name="request"/> from one value as given (a list field: one comma-separated value, adding to what
    /// is there; a switch: "true", "on" or empty). An <see cref="ArgumentException"/> says what is wrong, without the field's name.
    /// </summary>
    public void Apply(QuoteTrainingRunRequest request, string text, DateTimeOffset now)
    {
        if (Kind == TrainingRunFieldKind.List)
        {
            foreach (var item in TrainingRunFields.Items(text))
            {
                _set(request, item, now);
            }

            return;
        }

        _set(request, text.Trim(), now);
    }

    /// <summary>Throws what <see cref="Apply"/> would, on a scratch request.</summary>
    public void Check(string text, DateTimeOffset now) => Apply(new QuoteTrainingRunRequest(), text, now);
}
