using Pricing.Catalog;

namespace Pricing.Quoting;

/// <summary>The input rules of the program's request fields (stage tokens, annotation items, licensing), part of <see cref="QuoteRequestRules.Check"/>.</summary>
public static class ProgramRequestRules
{
    /// <summary>Past any post-training data set bought (Llama 2: 1.4M comparisons of its own) by far.</summary>
    public const double MaxAnnotationItems = 1e10;

    public const decimal MaxLicensingUsd = 1_000_000_000_000m;

    /// <summary>The stages whose tokens a request may set (program-defaults.json).</summary>
    public static IReadOnlyCollection<string> StageNames => ProgramDefaults.Default.StageNames;

    public static void Check(QuoteSpec r, List<FieldViolation> v)
    {
        if (r.StageTokens.Count > QuoteRequestRules.MaxListItems)
        {
            v.Add(new("stage_tokens", $"At most {QuoteRequestRules.MaxListItems} stages; got {r.StageTokens.Count}."));
        }
        else
        {
            foreach (var (stage, tokens) in r.StageTokens.Take(QuoteRequestRules.MaxViolationsPerField * 4))
            {
                if (!StageNames.Contains(stage))
                {
                    v.Add(new("stage_tokens", $"'{Echo(stage)}' is not a stage; use {string.Join(", ", StageNames)} (pre-training's tokens are the request's tokens)."));
                }
                else if (!double.IsFinite(tokens) || tokens < 0 || tokens > QuoteRequestRules.MaxTokens)
                {
                    v.Add(new("stage_tokens", $"{stage}: must be 0 (skip the stage) or tokens up to {QuoteRequestRules.MaxTokens:G2}."));
                }
            }
        }

        if (r.AnnotationItems is { } items && (!double.IsFinite(items) || items < 0 || items > MaxAnnotationItems))
        {
            v.Add(new("annotation_items", $"Must be 0 (none) or up to {MaxAnnotationItems:G2} items; unset = the default."));
        }

        if (r.LicensingUsd is { } licensing && (licensing < 0 || licensing > MaxLicensingUsd))
        {
            v.Add(new("licensing", $"Must be 0 or a USD amount up to {MaxLicensingUsd:N0}."));
        }
    }

    private static string Echo(string value) => value.Length <= 40 ? value : string.Concat(value.AsSpan(0, 40), "…");
}
