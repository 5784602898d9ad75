using System.Text.Json;
using System.Text.Json.Serialization;

namespace Pricing.Catalog;

/// <summary>How a pricing model bills: the kinds a quote must treat differently.</summary>
public enum PricingKind
{
    /// <summary>Pay per hour used.</summary>
    OnDemand,

    /// <summary>Pay per hour used, interruptible.</summary>
    Spot,

    /// <summary>A reservation or committed-use discount of one instance type: the whole term is billed.</summary>
    Commitment,

    /// <summary>AWS Savings Plans: an hourly spend committed for the whole term, at the plan's rate for this instance.</summary>
    SavingsPlan,

    /// <summary>AWS Capacity Blocks for ML: a block of whole days bought up front, at a price that moves with demand.</summary>
    CapacityBlock,

    /// <summary>GCP Dynamic Workload Scheduler flex-start: capacity when it frees up, each VM running at most a few days.</summary>
    FlexStart,

    /// <summary>GCP Dynamic Workload Scheduler calendar mode: a future reservation of whole days, billed for all of them.</summary>
    Calendar,
}

/// <summary>One rule of a block's durations: up to <see cref="UpToHours"/>, durations go in steps of <see cref="StepHours"/>.</summary>
public sealed record BlockStep(
    [property: JsonPropertyName("upToHours")] int UpToHours,
    [property: JsonPropertyName("stepHours")] int StepHours);

/// <summary>
/// What can be bought of a block-shaped model: the shortest and longest block, the steps between, how far ahead a start
/// can be booked, how many instances one block holds, and (flex-start) how long one VM may run.
/// </summary>
public sealed record BlockRules(
    [property: JsonPropertyName("minHours")] int? MinHours,
    [property: JsonPropertyName("stepRules")] IReadOnlyList<BlockStep>? StepRules,
    [property: JsonPropertyName("maxLeadDays")] int? MaxLeadDays,
    [property: JsonPropertyName("maxInstancesPerBlock")] int? MaxInstancesPerBlock,
    [property: JsonPropertyName("maxRunHours")] int? MaxRunHours)
{
    /// <summary>The longest block that can be bought, or null when blocks have no fixed durations.</summary>
    public int? MaxHours => StepRules is { Count: > 0 } rules ? rules[^1].UpToHours : null;

    /// <summary>
    /// The shortest purchasable block that covers <paramref name="hours"/>: the minimum, else rounded up to its step.
    /// Null when the hours exceed the longest block (the run needs several blocks back to back).
    /// </summary>
    public int? BlockHoursFor(double hours)
    {
        if (StepRules is not { Count: > 0 } rules)
        {
            return null;
        }

        var wanted = Math.Max(MinHours ?? 1, hours);
        var previousLimit = 0;
        foreach (var rule in rules)
        {
            if (wanted <= rule.UpToHours + 1e-9)
            {
                var stepsFromPrevious = Math.Ceiling((wanted - previousLimit) / rule.StepHours - 1e-9);
                return (int)Math.Min(rule.UpToHours, previousLimit + Math.Max(1, stepsFromPrevious) * rule.StepHours);
            }

            previousLimit = rule.UpToHours;
        }

        return null;
    }
}

/// <summary>
/// A pricing model's billing terms, read from the data file <c>Data/pricing-models.json</c> (a source per row): its
/// kind, term, payment option and plan type, and for blocks what durations can be bought. The model name (kept in the
/// offer key) stays the identity; these are its meaning, so every consumer reads the same terms.
/// </summary>
public sealed record PricingTerms(
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("kind")] PricingKind Kind,
    [property: JsonPropertyName("termMonths")] int TermMonths,
    [property: JsonPropertyName("payment")] string Payment,
    [property: JsonPropertyName("planType")] string? PlanType,
    [property: JsonPropertyName("movesWithDemand")] bool MovesWithDemand,
    [property: JsonPropertyName("block")] BlockRules? Block,
    [property: JsonPropertyName("source")] string Source)
{
    public const double HoursPerYear = 8_760;

    /// <summary>Hours in one term: 8,760 a year of commitment, 0 for models without a term.</summary>
    public double TermHours => TermMonths / 12.0 * HoursPerYear;

    /// <summary>The kind as written in the data file and on the wire: "on_demand", "commitment", "savings_plan", "capacity_block", …</summary>
    public string KindName => PricingModels.KindNames[(int)Kind];

    /// <summary>True for models billed for a whole term whatever is used (reservations, committed use, savings plans).</summary>
    public bool BillsWholeTerm => Kind is PricingKind.Commitment or PricingKind.SavingsPlan && TermMonths > 0;
}

/// <summary>The normalized pricing-model names every provider maps onto, and their terms.</summary>
public static class PricingModels
{
    public const string OnDemand = "on_demand";
    public const string Spot = "spot";
    public const string Committed1Y = "committed_1y";
    public const string Committed3Y = "committed_3y";
    public const string CapacityBlock = "capacity_block";
    public const string DwsFlexStart = "dws_flex_start";
    public const string DwsCalendar = "dws_calendar";

    /// <summary>The payment options a term can have.</summary>
    public static class Payments
    {
        public const string None = "none";
        public const string NoUpfront = "no_upfront";
        public const string PartialUpfront = "partial_upfront";
        public const string AllUpfront = "all_upfront";

        /// <summary>The whole price is paid when the block is bought (Capacity Blocks).</summary>
        public const string Upfront = "upfront";
    }

    /// <summary>The four models every provider has some form of; <see cref="Terms"/> knows every model.</summary>
    public static readonly IReadOnlyList<string> All = [OnDemand, Spot, Committed1Y, Committed3Y];

    /// <summary>How a <see cref="PricingKind"/> is named in the data file and on the wire (snake case).</summary>
    internal static readonly JsonNamingPolicy KindNaming = JsonNamingPolicy.SnakeCaseLower;

    /// <summary>Each kind's name, by its value: named once, not on every offer mapped.</summary>
    internal static readonly string[] KindNames = [.. Enum.GetValues<PricingKind>().Select(k => KindNaming.ConvertName(k.ToString()))];

    private static readonly Lazy<IReadOnlyDictionary<string, PricingTerms>> ByModel = new(Load);

    /// <summary>Every known model, in the data file's order.</summary>
    public static IReadOnlyCollection<PricingTerms> Known => (IReadOnlyCollection<PricingTerms>)ByModel.Value.Values;

    public static bool IsKnown(string model) => ByModel.Value.ContainsKey(model);

    /// <summary>The terms of a known model, or null.</summary>
    public static PricingTerms? Terms(string model) => ByModel.Value.GetValueOrDefault(model);

    /// <summary>
    /// The model name of an AWS Savings Plan rate: <c>savings_plan_{compute|ec2_instance}_{1y|3y}_{payment}</c>.
    /// </summary>
    public static string SavingsPlan(string planType, int years, string payment) =>
        FormattableString.Invariant($"savings_plan_{planType}_{years}y_{payment}");

    /// <summary>
    /// The model name of a reservation: hourly-billed standard commitments are <c>committed_{1y|3y}</c>; ones with money
    /// up front are <c>reserved_{1y|3y}_{payment}</c>; convertible ones <c>reserved_{1y|3y}_convertible_{payment}</c>.
    /// </summary>
    public static string Reservation(int years, string payment, bool convertible = false) =>
        !convertible && payment == Payments.NoUpfront
            ? (years == 1 ? Committed1Y : Committed3Y)
            : FormattableString.Invariant($"reserved_{years}y_{(convertible ? "convertible_" : "")}{payment}");

    private static IReadOnlyDictionary<string, PricingTerms> Load()
    {
        using var stream = EmbeddedData.Open(typeof(PricingModels).Assembly, "Pricing.Catalog.Data.pricing-models.json");
        var options = new JsonSerializerOptions(EmbeddedData.JsonOptions)
        {
            Converters = { new JsonStringEnumConverter(KindNaming, allowIntegerValues: false) },
        };
        var file = JsonSerializer.Deserialize<PricingModelFile>(stream, options)
            ?? throw new InvalidDataException("pricing-models.json is empty.");
        var byModel = new Dictionary<string, PricingTerms>(StringComparer.Ordinal);
        foreach (var terms in file.Models)
        {
            if (string.IsNullOrWhiteSpace(terms.Source))
            {
                throw new InvalidDataException($"Pricing model {terms.Model} has no source.");
            }

            if (!byModel.TryAdd(terms.Model, terms))
            {
                throw new InvalidDataException($"Pricing model {terms.Model} is listed twice.");
            }
        }

        return byModel;
    }

    private sealed record PricingModelFile([property: JsonPropertyName("models")] List<PricingTerms> Models);
}
