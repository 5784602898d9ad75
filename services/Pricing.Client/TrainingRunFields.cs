using Pricing.Catalog;
using Pricing.Contracts;
using Pricing.Contracts.V1;
using static Pricing.Client.TrainingRunFieldKind;

namespace Pricing.Client;

/// <summary>
/// The training-run fields of a quote or comparison, defined once: the CLI's <c>quote</c> and <c>compare</c> flags and
/// the Dashboard's quote form are both made from this list, so they cannot drift apart. Names are only ever added,
/// never renamed (scripts and bookmarked links use them); the server checks ranges and names (every bad field named).
/// </summary>
public static class TrainingRunFields
{
    public const string ModelSection = "Model and data";
    public const string ClusterSection = "Hardware and cluster";
    public const string EfficiencySection = "Efficiency and power";
    public const string WhereSection = "Where and how it is bought";
    public const string BillSection = "The whole bill";

    public static readonly TrainingRunField Params = new("params", ModelSection, "Parameters", "N", "total parameters, e.g. 70e9 or 70B", Value,
        (r, t, _) => r.Parameters = Number(t), example: "70e9");

    public static readonly TrainingRunField Tokens = new("tokens", ModelSection, "Training tokens", "N", "training tokens, e.g. 1.4e12 or 1.4T (or chinchilla)", Value,
        (r, t, _) => r.Tokens = Number(t), example: "1.4e12");

    public static readonly TrainingRunField Chinchilla = new("chinchilla", ModelSection, "Chinchilla tokens", "", "tokens = 20 x parameters (when tokens are not given)", Switch,
        (r, t, _) => r.Chinchilla = On(t));

    /// <summary>Every field, in the order of the CLI's help and the form.</summary>
    public static readonly IReadOnlyList<TrainingRunField> All =
    [
        Params,
        new("active-params", ModelSection, "Active parameters (MoE)", "N", "active parameters per token (mixture of experts); unset = dense", Value,
            (r, t, _) => r.ActiveParameters = Number(t), example: "37B"),
        Tokens,
        Chinchilla,
        new("precision", ModelSection, "Precision", "P", "bf16 (default), fp8, or fp4 (NVFP4, Blackwell only)", Value, (r, t, _) => r.Precision = Word(t), ["bf16", "fp8", "fp4"]),
        new("layers", ModelSection, "Layers", "L", "with d-model and seq-len: adds the attention term 12 x layers x d_model x seq-len x tokens", Value,
            (r, t, _) => r.Layers = Count(t), example: "80"),
        new("d-model", ModelSection, "Model width (d_model)", "D", "model width (see layers)", Value, (r, t, _) => r.DModel = Count(t), example: "8192"),
        new("seq-len", ModelSection, "Sequence length", "S", "sequence length (see layers)", Value, (r, t, _) => r.SequenceLength = Count(t), example: "8k"),
        new("attention-width", ModelSection, "Attention width (heads x head_dim)", "W",
            "query heads x head dimension where it differs from d-model (MLA, wide heads); replaces d_model in the attention term", Value,
            (r, t, _) => r.AttentionWidth = Count(t), example: "24576"),
        new("accelerator", ClusterSection, "Accelerators", "ID", "accelerator id(s), comma-separated, e.g. nvidia-h100-80gb; none = every accelerator", List,
            (r, t, _) => r.AcceleratorIds.Add(t)),
        new("accelerators", ClusterSection, "Cluster size (accelerators)", "COUNT",
            "cluster size in accelerators; unset = each plan sized to finish within the default deadline (not with deadline-days)", Value,
            (r, t, _) => r.AcceleratorCount = Count(t), example: "1024"),
        new("deadline-days", ClusterSection, "or deadline (days)", "D", "size each cluster to finish within D days (not with accelerators)", Value,
            (r, t, _) => r.DeadlineHours = Number(t) * 24, example: "30"),
        new("global-batch-tokens", ClusterSection, "Global batch (tokens)", "N", "tokens per optimizer step (default: the batch law 0.292 x compute^0.3271, at most 62.9M); bounds the cluster", Value,
            (r, t, _) => r.GlobalBatchTokens = Number(t), example: "4M"),
        new("optimizer", ClusterSection, "Optimizer setup", "SETUP", "megatron (18 B/parameter, default) or zero (16)", Value, (r, t, _) => r.OptimizerSetup = Word(t), ["megatron", "zero"]),
        new("activation-allowance", ClusterSection, "Activation allowance", "X", "share of accelerator memory kept for activations (default 0.3)", Value,
            (r, t, _) => r.ActivationAllowance = Number(t), example: "0.3"),
        new("mfu", EfficiencySection, "MFU override", "X", "model FLOPs utilisation override, 0.01 <= X <= 1; unset = the per-accelerator model", Value,
            (r, t, _) => r.Mfu = Number(t), example: "0.4"),
        new("goodput", EfficiencySection, "Goodput override", "X", "goodput override (productive / wall time), 0.1 <= X <= 1; unset = the failure model", Value,
            (r, t, _) => r.Goodput = Number(t), example: "0.9"),
        new("team-maturity", EfficiencySection, "Team maturity", "LEVEL",
            "interruption rate, restart time and bring-up: frontier (Llama 3), experienced (default), first_large_run (OPT-175B)", Value,
            (r, t, _) => r.TeamMaturity = Word(t), ["frontier", "experienced", "first_large_run"]),
        new("energy-utilisation", EfficiencySection, "Load factor", "X", "load factor: share of node power drawn while training (default 0.7)", Value,
            (r, t, _) => r.EnergyUtilisation = Number(t), example: "0.7"),
        new("clouds", WhereSection, "Clouds", "LIST", $"{string.Join(",", CloudProviders.Ids)}; none = every cloud", List, (r, t, _) => r.Clouds.Add(t), CloudProviders.Ids),
        new("regions", WhereSection, "Regions", "LIST", "provider region codes, comma-separated; none = every region", List, (r, t, _) => r.Regions.Add(t), example: "eastus,us-east-1"),
        new("pricing", WhereSection, "Pricing models", "LIST",
            "pricing models of pricing-models.json, e.g. on_demand,spot,committed_1y,savings_plan_compute_1y_no_upfront,capacity_block,dws_flex_start,dws_calendar; none = every model", List,
            (r, t, _) => r.PricingModels.Add(t)),
        new("reuse-committed", WhereSection, "Reuse committed capacity", "", "a 1-/3-year commitment's capacity has other work after the run: bill only the run's hours", Switch,
            (r, t, _) => r.ReuseCommittedCapacity = On(t)),
        new("price-per-accelerator-hour", WhereSection, "Your rate ($/accelerator-hour)", "X", "your negotiated rate (USD), replaces catalog prices", Value,
            (r, t, _) => r.PricePerAcceleratorHour = Price(t).ToMoney(), example: "2.35"),
        new("discount", WhereSection, "Discounts (%)", "LIST", $"percent off catalog prices per cloud, e.g. {CloudProviders.Ids[0]}=10", List,
            (r, t, _) => Discount(r, t), example: $"{CloudProviders.Ids[0]}=10"),
        new("as-of", WhereSection, "Prices as of", "T",
            $"price on the catalogs as they stood at T (rebuilt from the change history, within its retention): {PointInTime.Forms}", Value,
            (r, t, now) => r.AsOf = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(Time(t, now)), example: "7d"),
        new("checkpoint-copies", BillSection, "Checkpoint copies", "N", "checkpoints kept at once for the storage line (default 3)", Value,
            (r, t, _) => r.CheckpointCopies = Count(t), example: "3"),
        new("dataset-bytes", BillSection, "Dataset size (bytes)", "N", "tokenized dataset size (default tokens x 4 bytes)", Value,
            (r, t, _) => r.DatasetBytes = Number(t), example: "5.6T"),
        new("dataset-cloud", BillSection, "Dataset cloud", "CLOUD", "where the dataset lives; another cloud adds its egress", Value,
            (r, t, _) => r.DatasetCloud = Word(t), CloudProviders.Ids),
        new("experiments", BillSection, "Experiments (x final run)", "X", "optional line: total compute as a multiple of the final run (e.g. 1.5)", Value,
            (r, t, _) => r.ExperimentsMultiplier = Number(t), example: "1.5"),
        new("staff-engineers", BillSection, "Engineers", "N", "optional line: engineers x months x loaded monthly cost", Value,
            (r, t, _) => r.StaffEngineers = Number(t), example: "4"),
        new("staff-months", BillSection, "Months per engineer", "M", "engineer-months per engineer (default: the run's wall-clock)", Value,
            (r, t, _) => r.StaffMonths = Number(t), example: "3"),
        new("staff-monthly-cost", BillSection, "Monthly cost per engineer ($)", "USD", "loaded cost per engineer-month (default 25000)", Value,
            (r, t, _) => r.StaffMonthlyCost = Price(t).ToMoney(), example: "25k"),
        .. ProgramFields.All,
    ];

    /// <summary>
    /// The quote terms a budget plan takes (<c>pricing plan</c> and the Dashboard's budget form): what it may run on and
    /// by when. The model's size is what the plan finds, so the size fields are not among them.
    /// </summary>
    public static IReadOnlyList<TrainingRunField> BudgetTerms { get; } =
        [.. All.Where(f => f.Name is "precision" or "accelerator" or "deadline-days" or "clouds" or "regions" or "pricing")];

    /// <summary>The sections in form order.</summary>
    public static IReadOnlyList<string> Sections { get; } = [.. All.Select(f => f.Section).Distinct()];

    public static TrainingRunField Get(string name) => All.First(f => f.Name == name);

    /// <summary>The one rule checked before asking the server: what to size (parameters, and tokens or Chinchilla).</summary>
    public static string? Missing(QuoteTrainingRunRequest request) =>
        request.Parameters == 0 || (request.Tokens == 0 && !request.Chinchilla)
            ? "params and tokens (or chinchilla) are required."
            : null;

    /// <summary>A list value's items: comma-separated, trimmed, empty ones skipped.</summary>
    public static IEnumerable<string> Items(string text) =>
        text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    internal static double Number(string text) =>
        NumberText.TryParse(text, out var n) ? n : throw new ArgumentException($"'{NumberText.Echo(text)}' is not a number ({NumberText.Forms}).");

    internal static int Count(string text) =>
        NumberText.TryParseCount(text, out var n) ? n : throw new ArgumentException($"'{NumberText.Echo(text)}' is not a whole number between 0 and {int.MaxValue}.");

    internal static decimal Price(string text) =>
        NumberText.TryParseDecimal(text, out var n) ? n : throw new ArgumentException($"'{NumberText.Echo(text)}' is not a price.");

    private static DateTimeOffset Time(string text, DateTimeOffset now) =>
        PointInTime.TryParse(text, now, out var time) ? time : throw new ArgumentException($"'{NumberText.Echo(text)}' is not {PointInTime.Forms}.");

    private static string Word(string text) =>
        text.Length > 0 && !text.Any(char.IsWhiteSpace) ? text : throw new ArgumentException($"'{NumberText.Echo(text)}' must be a single non-empty word.");

    private static bool On(string text) => text.Trim().ToLowerInvariant() switch
    {
        "" or "true" or "on" or "1" or "yes" => true,
        "false" or "off" or "0" or "no" => false,
        _ => throw new ArgumentException($"'{NumberText.Echo(text)}' is not true or false."),
    };

    private static void Discount(QuoteTrainingRunRequest request, string pair)
    {
        var parts = pair.Split('=', 2, StringSplitOptions.TrimEntries);
        if (parts.Length != 2 || parts[0].Length == 0)
        {
            throw new ArgumentException($"'{NumberText.Echo(pair)}' is not cloud=percent (e.g. {CloudProviders.Ids[0]}=10).");
        }

        request.DiscountPercent[parts[0]] = Number(parts[1]);
    }
}
