using Pricing.Catalog;

namespace Pricing.Quoting;

/// <summary>A quote request's raw fields, as any front end (gRPC, CLI) received them: nothing checked yet.</summary>
public sealed record QuoteRequestInput
{
    public double Parameters { get; init; }
    public double ActiveParameters { get; init; }
    public double Tokens { get; init; }
    public string Precision { get; init; } = "";
    public IReadOnlyList<string> AcceleratorIds { get; init; } = [];
    public int AcceleratorCount { get; init; }
    public double Mfu { get; init; }
    public IReadOnlyList<string> Clouds { get; init; } = [];
    public IReadOnlyList<string> Regions { get; init; } = [];
    public IReadOnlyList<string> PricingModels { get; init; } = [];
    public int MaxOptions { get; init; }
    public int Layers { get; init; }
    public int DModel { get; init; }
    public int SequenceLength { get; init; }
    public bool Chinchilla { get; init; }
    public double DeadlineHours { get; init; }
    public double Goodput { get; init; }

    /// <summary>0 = use catalog prices.</summary>
    public decimal PricePerAcceleratorHour { get; init; }

    public IReadOnlyDictionary<string, double> DiscountPercent { get; init; } = new Dictionary<string, double>();
    public double ActivationAllowance { get; init; }
    public double EnergyUtilisation { get; init; }
}

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

    /// <summary>A run losing more than 90% of its wall time is not a training run.</summary>
    public const double MinGoodput = 0.1;

    /// <summary>Attention-shape limits, well past any published model (Llama 3.1 405B: 126 layers, d_model 16,384, 128K context).</summary>
    public const int MaxLayers = 10_000;
    public const int MaxDModel = 1_048_576;
    public const int MaxSequenceLength = 100_000_000;

    /// <summary>Ten years: a deadline past that is a unit mistake.</summary>
    public const double MaxDeadlineHours = 24 * 365 * 10;

    /// <summary>No accelerator rents for more than this per hour; beyond is a unit mistake (cents?).</summary>
    public const decimal MaxPricePerAcceleratorHour = 10_000m;

    public const double MaxActivationAllowance = 0.9;

    public static readonly IReadOnlyList<string> KnownClouds = ["aws", "gcp", "azure"];

    public static List<FieldViolation> Check(QuoteRequestInput r, AcceleratorRegistry registry)
    {
        var v = new List<FieldViolation>();
        var parametersValid = double.IsFinite(r.Parameters) && r.Parameters > 0 && r.Parameters <= MaxParameters;
        if (!double.IsFinite(r.Parameters) || r.Parameters <= 0)
        {
            v.Add(new("parameters", "Must be a positive number of parameters (e.g. 7e10)."));
        }
        else if (r.Parameters > MaxParameters)
        {
            v.Add(new("parameters", $"{r.Parameters:G3} parameters is beyond any model ({MaxParameters:G1} at most)."));
        }

        if (!double.IsFinite(r.ActiveParameters) || r.ActiveParameters < 0)
        {
            v.Add(new("active_parameters", "Must be 0 (dense model) or a positive number."));
        }
        else if (parametersValid && r.ActiveParameters > r.Parameters)
        {
            v.Add(new("active_parameters", "Active parameters cannot exceed total parameters."));
        }

        if (r.Chinchilla)
        {
            if (r.Tokens != 0)
            {
                v.Add(new("chinchilla", "Give either tokens or chinchilla (tokens = 20 × parameters), not both."));
            }
        }
        else if (!double.IsFinite(r.Tokens) || r.Tokens <= 0)
        {
            v.Add(new("tokens", "Must be a positive number of training tokens (e.g. 1.4e12), or set chinchilla for 20 tokens per parameter."));
        }
        else if (r.Tokens > MaxTokens)
        {
            v.Add(new("tokens", $"{r.Tokens:G3} tokens is beyond any training run ({MaxTokens:G1} at most)."));
        }

        CheckAttentionShape(r, v);

        if (ParsePrecision(r.Precision) is null)
        {
            v.Add(new("precision", $"'{r.Precision}' is not a precision; use bf16 or fp8."));
        }

        foreach (var id in r.AcceleratorIds.Where(id => !registry.Contains(id)).Distinct())
        {
            v.Add(new("accelerator_ids", $"Unknown accelerator '{id}'. Known: {string.Join(", ", registry.All.Select(a => a.Id).Order(StringComparer.Ordinal))}."));
        }

        if (r.AcceleratorCount < 0 || r.AcceleratorCount > MaxAcceleratorCount)
        {
            v.Add(new("accelerator_count", $"Must be between 0 (sized for you) and {MaxAcceleratorCount}."));
        }

        if (!double.IsFinite(r.DeadlineHours) || r.DeadlineHours < 0 || r.DeadlineHours > MaxDeadlineHours)
        {
            v.Add(new("deadline_hours", $"Must be 0 (no deadline) or a number of hours up to {MaxDeadlineHours} (ten years)."));
        }
        else if (r.DeadlineHours > 0 && r.AcceleratorCount > 0)
        {
            v.Add(new("deadline_hours", "Give either accelerator_count (a fixed cluster) or deadline_hours (the cluster is sized to meet it), not both."));
        }

        if (!double.IsFinite(r.Mfu) || r.Mfu < 0 || r.Mfu > 1 || (r.Mfu > 0 && r.Mfu < MinMfu))
        {
            v.Add(new("mfu", $"Must be 0 (use the default) or a fraction in [{MinMfu}, 1]."));
        }

        if (!double.IsFinite(r.Goodput) || r.Goodput < 0 || r.Goodput > 1 || (r.Goodput > 0 && r.Goodput < MinGoodput))
        {
            v.Add(new("goodput", $"Must be 0 (use the default) or a fraction in [{MinGoodput}, 1]."));
        }

        foreach (var cloud in r.Clouds.Where(c => !KnownClouds.Contains(c)).Distinct())
        {
            v.Add(new("clouds", $"Unknown cloud '{cloud}'; use aws, gcp or azure."));
        }

        foreach (var model in r.PricingModels.Where(m => !Catalog.PricingModels.IsKnown(m)).Distinct())
        {
            v.Add(new("pricing_models", $"Unknown pricing model '{model}'; use {string.Join(", ", Catalog.PricingModels.All)}."));
        }

        if (r.MaxOptions < 0 || r.MaxOptions > MaxOptionsLimit)
        {
            v.Add(new("max_options", $"Must be between 0 (default {QuoteSpec.DefaultMaxOptions}) and {MaxOptionsLimit}."));
        }

        if (r.PricePerAcceleratorHour < 0 || r.PricePerAcceleratorHour > MaxPricePerAcceleratorHour)
        {
            v.Add(new("price_per_accelerator_hour", $"Must be 0 (catalog prices) or a price up to {MaxPricePerAcceleratorHour} per accelerator-hour."));
        }
        else if (r.PricePerAcceleratorHour > 0 && r.DiscountPercent.Count > 0)
        {
            v.Add(new("discount_percent", "A custom price per accelerator-hour is already the negotiated price; give it or discounts, not both."));
        }

        foreach (var (provider, percent) in r.DiscountPercent.OrderBy(d => d.Key, StringComparer.Ordinal))
        {
            if (!KnownClouds.Contains(provider))
            {
                v.Add(new("discount_percent", $"Unknown cloud '{provider}'; use aws, gcp or azure."));
            }
            else if (!double.IsFinite(percent) || percent < 0 || percent >= 100)
            {
                v.Add(new("discount_percent", $"{provider}: a discount must be a percentage in [0, 100)."));
            }
        }

        if (!double.IsFinite(r.ActivationAllowance) || r.ActivationAllowance < 0 || r.ActivationAllowance > MaxActivationAllowance)
        {
            v.Add(new("activation_allowance", $"Must be 0 (the default) or a share of accelerator memory up to {MaxActivationAllowance}."));
        }

        if (!double.IsFinite(r.EnergyUtilisation) || r.EnergyUtilisation < 0 || r.EnergyUtilisation > 1)
        {
            v.Add(new("energy_utilisation", "Must be 0 (the default) or a share of TDP in (0, 1]."));
        }

        return v;
    }

    private static void CheckAttentionShape(QuoteRequestInput r, List<FieldViolation> v)
    {
        (string Field, int Value, int Max)[] shape =
        [
            ("layers", r.Layers, MaxLayers),
            ("d_model", r.DModel, MaxDModel),
            ("sequence_length", r.SequenceLength, MaxSequenceLength),
        ];
        var bad = false;
        foreach (var (field, value, max) in shape)
        {
            if (value < 0 || value > max)
            {
                v.Add(new(field, $"Must be 0 (not given) or between 1 and {max}."));
                bad = true;
            }
        }

        var given = shape.Count(s => s.Value > 0);
        if (!bad && given is > 0 and < 3)
        {
            foreach (var missing in shape.Where(s => s.Value == 0))
            {
                v.Add(new(missing.Field, "The attention term needs layers, d_model and sequence_length together."));
            }
        }
    }

    /// <summary>The spec of a request that passed <see cref="Check"/>.</summary>
    public static QuoteSpec ToSpec(QuoteRequestInput r) =>
        new(r.Parameters, r.ActiveParameters, r.Tokens, ParsePrecision(r.Precision) ?? throw new ArgumentException($"Unchecked precision '{r.Precision}'."),
            [.. r.AcceleratorIds], r.AcceleratorCount, r.Mfu > 0 ? r.Mfu : null, [.. r.Clouds], [.. r.Regions], [.. r.PricingModels], r.MaxOptions)
        {
            Layers = r.Layers,
            DModel = r.DModel,
            SequenceLength = r.SequenceLength,
            Chinchilla = r.Chinchilla,
            DeadlineHours = r.DeadlineHours,
            Goodput = r.Goodput > 0 ? r.Goodput : null,
            CustomPricePerAcceleratorHour = r.PricePerAcceleratorHour > 0 ? r.PricePerAcceleratorHour : null,
            DiscountPercent = r.DiscountPercent.Where(d => d.Value > 0).ToDictionary(StringComparer.Ordinal),
            ActivationAllowance = r.ActivationAllowance > 0 ? r.ActivationAllowance : null,
            EnergyUtilisation = r.EnergyUtilisation > 0 ? r.EnergyUtilisation : null,
        };

    public static Precision? ParsePrecision(string precision) => precision.ToLowerInvariant() switch
    {
        "" or "bf16" => Precision.Bf16,
        "fp8" => Precision.Fp8,
        _ => null,
    };
}
