using System.Text.Json;
using System.Text.RegularExpressions;

namespace Observability.Tests;

/// <summary>Just enough PromQL reading to list the metric names a Grafana dashboard queries.</summary>
public static partial class PromQl
{
    private static readonly HashSet<string> Keywords = new(StringComparer.Ordinal)
    {
        "by", "without", "on", "ignoring", "group_left", "group_right", "offset", "bool", "and", "or", "unless", "inf", "nan",
    };

    /// <summary>Every PromQL expression in the dashboard: panel targets (nested rows too) and query variables.</summary>
    public static IEnumerable<string> Expressions(JsonDocument dashboard)
    {
        foreach (var expr in Walk(dashboard.RootElement))
        {
            yield return expr;
        }
    }

    private static IEnumerable<string> Walk(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    if (property.Name == "expr" && property.Value.ValueKind == JsonValueKind.String)
                    {
                        yield return property.Value.GetString()!;
                    }
                    else if (property.Name == "query" && property.Value.ValueKind == JsonValueKind.String && IsVariable(element))
                    {
                        yield return property.Value.GetString()!;
                    }
                    else if (property.Name == "query" && property.Value.ValueKind == JsonValueKind.Object && IsVariable(element)
                             && property.Value.TryGetProperty("query", out var inner) && inner.ValueKind == JsonValueKind.String)
                    {
                        yield return inner.GetString()!;
                    }
                    else
                    {
                        foreach (var expr in Walk(property.Value))
                        {
                            yield return expr;
                        }
                    }
                }

                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    foreach (var expr in Walk(item))
                    {
                        yield return expr;
                    }
                }

                break;
        }
    }

    private static bool IsVariable(JsonElement element) =>
        element.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String && type.GetString() == "query";

    /// <summary>The metric names in one expression (or a Grafana <c>label_values(metric, label)</c> variable query).</summary>
    public static IReadOnlySet<string> MetricNames(string expression)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        var labelValues = LabelValuesRegex().Match(expression);
        if (labelValues.Success)
        {
            expression = labelValues.Groups["selector"].Value;
        }

        var text = StringRegex().Replace(expression, " ");
        text = VariableRegex().Replace(text, " ");
        text = BracesRegex().Replace(text, " ");
        text = BracketsRegex().Replace(text, " ");
        text = GroupingRegex().Replace(text, " ");
        foreach (Match match in IdentifierRegex().Matches(text))
        {
            var name = match.Groups["name"].Value;
            var isFunction = match.Groups["call"].Success;
            if (!isFunction && !Keywords.Contains(name.ToLowerInvariant()))
            {
                names.Add(name);
            }
        }

        return names;
    }

    [GeneratedRegex(@"^\s*label_values\s*\(\s*(?<selector>[^,]+?)\s*,\s*[A-Za-z_][A-Za-z0-9_]*\s*\)\s*$")]
    private static partial Regex LabelValuesRegex();

    [GeneratedRegex("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|`[^`]*`")]
    private static partial Regex StringRegex();

    [GeneratedRegex(@"\$\{?[A-Za-z_][A-Za-z0-9_:]*\}?")]
    private static partial Regex VariableRegex();

    [GeneratedRegex(@"\{[^}]*\}")]
    private static partial Regex BracesRegex();

    [GeneratedRegex(@"\[[^\]]*\]")]
    private static partial Regex BracketsRegex();

    [GeneratedRegex(@"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", RegexOptions.IgnoreCase)]
    private static partial Regex GroupingRegex();

    [GeneratedRegex(@"(?<![A-Za-z0-9_:.])(?<name>[A-Za-z_:][A-Za-z0-9_:]*)(?<call>\s*\()?")]
    private static partial Regex IdentifierRegex();
}
