using Pricing.Catalog;

namespace Pricing.Quoting;

/// <summary>The input rules of a quote, shared by every front end (gRPC, CLI). Pure.</summary>
public static class QuoteRequestRules
{
    /// <summary>Beyond any model trained or planned (~1e13 parameters, ~1e15 tokens); larger is a typo.</summary>
    public const double MaxParameters = 1e14;
    public const double MaxTokens = 1e16;
    public const int MaxAcceleratorCount = 1_000_000;
    public const int MaxOptionsLimit = 1000;

    /// <summary>No real run reaches under 1% of peak; below that the cost overflows any sensible number.</summary>
    public const double MinMfu = 0.01;

    public static readonly IReadOnlyList<string> KnownClouds = ["aws", "gcp", "azure"];

    public static List<FieldViolation> Check(
        double parameters, double activeParameters, double tokens, string precision, IEnumerable<string> acceleratorIds,
        int acceleratorCount, double mfu, IEnumerable<string> clouds, IEnumerable<string> pricingModels, int maxOptions,
        AcceleratorRegistry registry)
    {
        var v = new List<FieldViolation>();
        if (!double.IsFinite(parameters) || parameters <= 0)
        {
            v.Add(new("parameters", "Must be a positive number of parameters (e.g. 7e10)."));
        }
        else if (parameters > MaxParameters)
        {
            v.Add(new("parameters", $"{parameters:G3} parameters is beyond any model ({MaxParameters:G1} at most)."));
        }

        if (!double.IsFinite(activeParameters) || activeParameters < 0)
        {
            v.Add(new("active_parameters", "Must be 0 (dense model) or a positive number."));
        }
        else if (activeParameters > parameters && double.IsFinite(parameters) && parameters > 0)
        {
            v.Add(new("active_parameters", "Active parameters cannot exceed total parameters."));
        }

        if (!double.IsFinite(tokens) || tokens <= 0)
        {
            v.Add(new("tokens", "Must be a positive number of training tokens (e.g. 1.4e12)."));
        }
        else if (tokens > MaxTokens)
        {
            v.Add(new("tokens", $"{tokens:G3} tokens is beyond any training run ({MaxTokens:G1} at most)."));
        }

        if (ParsePrecision(precision) is null)
        {
            v.Add(new("precision", $"'{precision}' is not a precision; use bf16 or fp8."));
        }

        foreach (var id in acceleratorIds.Where(id => !registry.Contains(id)).Distinct())
        {
            v.Add(new("accelerator_ids", $"Unknown accelerator '{id}'. Known: {string.Join(", ", registry.All.Select(a => a.Id).Order(StringComparer.Ordinal))}."));
        }

        if (acceleratorCount < 0 || acceleratorCount > MaxAcceleratorCount)
        {
            v.Add(new("accelerator_count", $"Must be between 0 (one instance) and {MaxAcceleratorCount}."));
        }

        if (!double.IsFinite(mfu) || mfu < 0 || mfu > 1 || (mfu > 0 && mfu < MinMfu))
        {
            v.Add(new("mfu", $"Must be 0 (use the default) or a fraction in [{MinMfu}, 1]."));
        }

        foreach (var cloud in clouds.Where(c => !KnownClouds.Contains(c)).Distinct())
        {
            v.Add(new("clouds", $"Unknown cloud '{cloud}'; use aws, gcp or azure."));
        }

        foreach (var model in pricingModels.Where(m => !PricingModels.IsKnown(m)).Distinct())
        {
            v.Add(new("pricing_models", $"Unknown pricing model '{model}'; use {string.Join(", ", PricingModels.All)}."));
        }

        if (maxOptions < 0 || maxOptions > MaxOptionsLimit)
        {
            v.Add(new("max_options", $"Must be between 0 (default {QuoteSpec.DefaultMaxOptions}) and {MaxOptionsLimit}."));
        }

        return v;
    }

    public static Precision? ParsePrecision(string precision) => precision.ToLowerInvariant() switch
    {
        "" or "bf16" => Precision.Bf16,
        "fp8" => Precision.Fp8,
        _ => null,
    };
}
