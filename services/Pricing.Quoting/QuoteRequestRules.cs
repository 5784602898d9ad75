using Pricing.Catalog;

namespace Pricing.Quoting;

/// <summary>
/// The input rules of a quote, on the <see cref="QuoteSpec"/> as requested: the front end (Quotes' gRPC
/// <c>QuoteRequestMapping</c>) reads the wire types into a spec, <see cref="Check"/> names every problem, and
/// <see cref="Canonical"/> gives the spec the engine quotes. Pure.
/// </summary>
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

    /// <summary>The provider ids of <c>providers.json</c> (<see cref="CloudProviders"/>).</summary>
    public static IReadOnlyList<string> KnownClouds => CloudProviders.Ids;

    public static readonly IReadOnlyList<string> OptimizerSetups = ["megatron", "zero"];

    /// <summary>Caps on list fields and on every string in them: a request is small, and an error never echoes much of it.</summary>
    public const int MaxListItems = 64;

    public const int MaxRegions = 256;
    public const int MaxStringLength = 128;

    /// <summary>Problems reported per list field; the rest are counted in one closing violation.</summary>
    public const int MaxViolationsPerField = 5;

    /// <summary>Past any published run (DeepSeek-V3: 63M tokens per step) by far.</summary>
    public const double MaxGlobalBatchTokens = 1e10;

    public const int MaxCheckpointCopies = 1000;
    public const double MaxDatasetBytes = 1e18;
    public const double MaxExperimentsMultiplier = 100;
    public const double MaxStaffEngineers = 100_000;
    public const double MaxStaffMonths = 600;
    public const decimal MaxStaffMonthlyCost = 10_000_000m;

    /// <summary>Every problem of a spec as requested (empty = valid), one violation per problem on the request's field names.</summary>
    public static List<FieldViolation> Check(QuoteSpec r, AcceleratorRegistry registry)
    {
        var v = new List<FieldViolation>();
        // The optional overrides are null when not given, which the request says with 0.
        var (mfu, goodput, price) = (r.Mfu ?? 0, r.Goodput ?? 0, r.CustomPricePerAcceleratorHour ?? 0);
        var (allowance, utilisation) = (r.ActivationAllowance ?? 0, r.EnergyUtilisation ?? 0);
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

        // The CPU row is in the registry for data processing's vCPU-hours, never as something to train on.
        CheckList(v, "accelerator_ids", r.AcceleratorIds, MaxListItems, registry.IsAccelerator,
            id => registry.IsCpu(id)
                ? $"'{Echo(id)}' is the CPU row (vCPU-hours for data processing), not an accelerator to train on."
                : $"Unknown accelerator '{Echo(id)}'; ListOffers or docs/data-sources.md list the known ids.");
        PrecisionRules.Check(r, registry, v);

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

        if (!double.IsFinite(mfu) || mfu < 0 || mfu > 1 || (mfu > 0 && mfu < MinMfu))
        {
            v.Add(new("mfu", $"Must be 0 (use the default) or a fraction in [{MinMfu}, 1]."));
        }

        if (!double.IsFinite(goodput) || goodput < 0 || goodput > 1 || (goodput > 0 && goodput < MinGoodput))
        {
            v.Add(new("goodput", $"Must be 0 (use the default) or a fraction in [{MinGoodput}, 1]."));
        }

        CheckList(v, "clouds", r.Clouds, MaxListItems, c => KnownClouds.Contains(c), c => $"Unknown cloud '{Echo(c)}'; use {CloudProviders.IdsInWords()}.");
        CheckList(v, "regions", r.Regions, MaxRegions, _ => true, _ => "");
        CheckList(v, "pricing_models", r.PricingModels, MaxListItems, m => Catalog.PricingModels.IsKnown(m),
            m => $"Unknown pricing model '{Echo(m)}'; use one of the {Catalog.PricingModels.Known.Count} models of pricing-models.json (docs/quote-model.md), e.g. {KnownModelsText.Value}.");

        if (r.MaxOptions < 0 || r.MaxOptions > MaxOptionsLimit)
        {
            v.Add(new("max_options", $"Must be between 0 (default {QuoteSpec.DefaultMaxOptions}) and {MaxOptionsLimit}."));
        }

        if (price < 0 || price > MaxPricePerAcceleratorHour)
        {
            v.Add(new("price_per_accelerator_hour", $"Must be 0 (catalog prices) or a price up to {MaxPricePerAcceleratorHour} per accelerator-hour."));
        }
        else if (price > 0 && r.DiscountPercent.Count > 0)
        {
            v.Add(new("discount_percent", "A custom price per accelerator-hour is already the negotiated price; give it or discounts, not both."));
        }

        if (r.DiscountPercent.Count > KnownClouds.Count)
        {
            v.Add(new("discount_percent", $"At most one discount per cloud ({KnownClouds.Count}); got {r.DiscountPercent.Count}."));
        }

        foreach (var (provider, percent) in r.DiscountPercent.OrderBy(d => d.Key, StringComparer.Ordinal).Take(MaxViolationsPerField))
        {
            if (!KnownClouds.Contains(provider))
            {
                v.Add(new("discount_percent", $"Unknown cloud '{Echo(provider)}'; use {CloudProviders.IdsInWords()}."));
            }
            else if (!double.IsFinite(percent) || percent < 0 || percent >= 100)
            {
                v.Add(new("discount_percent", $"{provider}: a discount must be a percentage in [0, 100)."));
            }
        }

        if (!double.IsFinite(allowance) || allowance < 0 || allowance > MaxActivationAllowance)
        {
            v.Add(new("activation_allowance", $"Must be 0 (the default) or a share of accelerator memory up to {MaxActivationAllowance}."));
        }

        if (!double.IsFinite(utilisation) || utilisation < 0 || utilisation > 1)
        {
            v.Add(new("energy_utilisation", "Must be 0 (the default) or a load factor (share of node power) in (0, 1]."));
        }

        if (r.TeamMaturity.Length > 0 && !FailureRates.Default.IsKnown(r.TeamMaturity.ToLowerInvariant()))
        {
            v.Add(new("team_maturity", $"'{Echo(r.TeamMaturity)}' is not a team maturity; use {string.Join(", ", FailureRates.Default.Names)}, or leave it empty ({FailureRates.Default.DefaultLevel.Name})."));
        }

        CheckBill(r, v);
        ProgramRequestRules.Check(r, v);
        return v;
    }

    private static void CheckBill(QuoteSpec r, List<FieldViolation> v)
    {
        var monthlyCost = r.StaffMonthlyCost ?? 0;
        if (!double.IsFinite(r.GlobalBatchTokens) || r.GlobalBatchTokens < 0 || r.GlobalBatchTokens > MaxGlobalBatchTokens)
        {
            v.Add(new("global_batch_tokens", $"Must be 0 (the default for the model size) or tokens per optimizer step up to {MaxGlobalBatchTokens:G2}."));
        }

        if (r.OptimizerSetup.Length > 0 && !OptimizerSetups.Contains(r.OptimizerSetup.ToLowerInvariant()))
        {
            v.Add(new("optimizer_setup", $"'{Echo(r.OptimizerSetup)}' is not an optimizer setup; use megatron (18 B/parameter, default) or zero (16)."));
        }

        if (r.CheckpointCopies < 0 || r.CheckpointCopies > MaxCheckpointCopies)
        {
            v.Add(new("checkpoint_copies", $"Must be 0 (the default) or up to {MaxCheckpointCopies} checkpoints kept."));
        }

        if (!double.IsFinite(r.DatasetBytes) || r.DatasetBytes < 0 || r.DatasetBytes > MaxDatasetBytes)
        {
            v.Add(new("dataset_bytes", $"Must be 0 (tokens × 4 bytes) or a size in bytes up to {MaxDatasetBytes:G1}."));
        }

        if (r.DatasetCloud.Length > 0 && !KnownClouds.Contains(r.DatasetCloud))
        {
            v.Add(new("dataset_cloud", $"Unknown cloud '{Echo(r.DatasetCloud)}'; use {CloudProviders.IdsInWords()}, or leave it empty (the dataset is where the run is)."));
        }

        if (!double.IsFinite(r.ExperimentsMultiplier) || (r.ExperimentsMultiplier != 0 && (r.ExperimentsMultiplier < 1 || r.ExperimentsMultiplier > MaxExperimentsMultiplier)))
        {
            v.Add(new("experiments_multiplier", $"Must be 0 (not asked) or the total compute as a multiple of the final run, in [1, {MaxExperimentsMultiplier:G}] (1.5 = half a run of experiments)."));
        }

        if (!double.IsFinite(r.StaffEngineers) || r.StaffEngineers < 0 || r.StaffEngineers > MaxStaffEngineers)
        {
            v.Add(new("staff_engineers", $"Must be between 0 and {MaxStaffEngineers:N0}."));
        }

        if (!double.IsFinite(r.StaffMonths) || r.StaffMonths < 0 || r.StaffMonths > MaxStaffMonths)
        {
            v.Add(new("staff_months", $"Must be 0 (the run's wall-clock) or up to {MaxStaffMonths:G} months."));
        }

        if (monthlyCost < 0 || monthlyCost > MaxStaffMonthlyCost)
        {
            v.Add(new("staff_monthly_cost", $"Must be 0 (the default) or a loaded cost per engineer-month up to {MaxStaffMonthlyCost:N0}."));
        }
        else if ((r.StaffMonths > 0 || monthlyCost > 0) && r.StaffEngineers == 0)
        {
            v.Add(new("staff_engineers", "staff_months and staff_monthly_cost need staff_engineers."));
        }
    }

    /// <summary>
    /// A list field: at most <paramref name="maxItems"/> items of at most <see cref="MaxStringLength"/> characters, each valid;
    /// at most <see cref="MaxViolationsPerField"/> problems named, the rest counted.
    /// </summary>
    private static void CheckList(List<FieldViolation> v, string field, IReadOnlyList<string> items, int maxItems, Func<string, bool> isValid, Func<string, string> problem)
    {
        if (items.Count > maxItems)
        {
            v.Add(new(field, $"At most {maxItems} items; got {items.Count}."));
            return;
        }

        var bad = 0;
        foreach (var item in items.Distinct(StringComparer.Ordinal))
        {
            var text = item.Length > MaxStringLength ? $"An item is {item.Length} characters long; at most {MaxStringLength}." : isValid(item) ? null : problem(item);
            if (text is null)
            {
                continue;
            }

            if (++bad <= MaxViolationsPerField)
            {
                v.Add(new(field, text));
            }
        }

        if (bad > MaxViolationsPerField)
        {
            v.Add(new(field, $"… and {bad - MaxViolationsPerField} more items like these."));
        }
    }

    /// <summary>One model of each kind, as the data file lists them: short examples, not all ~30 names in every violation.</summary>
    private static readonly Lazy<string> KnownModelsText = new(() =>
        string.Join(", ", Catalog.PricingModels.Known.GroupBy(t => t.Kind).Select(kind => kind.First().Model)));

    /// <summary>A value quoted back in an error, cut to a few dozen characters.</summary>
    internal static string Echo(string value) => value.Length <= 40 ? value : string.Concat(value.AsSpan(0, 40), "…");

    private static void CheckAttentionShape(QuoteSpec r, List<FieldViolation> v)
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

        if (r.AttentionWidth < 0 || r.AttentionWidth > MaxDModel)
        {
            v.Add(new("attention_width", $"Must be 0 (d_model) or between 1 and {MaxDModel}."));
        }
        else if (r.AttentionWidth > 0 && given < 3)
        {
            v.Add(new("attention_width", "Only with layers, d_model and sequence_length (the attention term it widens)."));
        }
    }

    /// <summary>
    /// The spec the engine quotes, from one that passed <see cref="Check"/>: a zero discount is no discount, and
    /// optimizer setups are named in lower case, so equal questions key the cache equally.
    /// </summary>
    public static QuoteSpec Canonical(QuoteSpec valid) => valid with
    {
        DiscountPercent = valid.DiscountPercent.Where(d => d.Value > 0).ToDictionary(StringComparer.Ordinal),
        OptimizerSetup = valid.OptimizerSetup.ToLowerInvariant(),
        TeamMaturity = valid.TeamMaturity.ToLowerInvariant(),
    };

    /// <summary>The violation of a precision <see cref="ParsePrecision"/> does not know.</summary>
    public static FieldViolation UnknownPrecision(string precision) =>
        new("precision", $"'{Echo(precision)}' is not a precision; use bf16, fp8 or fp4.");

    public static Precision? ParsePrecision(string precision) => precision.ToLowerInvariant() switch
    {
        "" or "bf16" => Precision.Bf16,
        "fp8" => Precision.Fp8,
        "fp4" => Precision.Fp4,
        _ => null,
    };
}
