using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Pricing.Catalog;

namespace Pricing.Quoting;

/// <summary>
/// Capacity as data and as a constraint (<c>Data/capacity-rules.json</c>, a source per row; docs/quote-model.md,
/// "Capacity: how each plan is obtained"): per pricing kind × provider × instance family, the largest fleet and longest
/// run the engine plans on, what must be requested to get it, and what follows when a plan is over a rule.
/// </summary>
public sealed class CapacityRules
{
    private readonly List<CapacityRule> _rules;

    /// <summary>The rule of each (kind, provider, instance type) seen: looked up once, not per offer sized.</summary>
    private readonly ConcurrentDictionary<(string Kind, string Provider, string InstanceType), CapacityRule?> _byOffer = new();

    public CapacityRules(IEnumerable<CapacityRule> rules, double longestPlanDays, double staleRateDays)
    {
        _rules = [.. rules];
        foreach (var rule in _rules)
        {
            if (string.IsNullOrWhiteSpace(rule.Source))
            {
                throw new InvalidDataException($"capacity-rules.json: the {rule.Kind} rule for {rule.Provider} {string.Join(",", rule.Match)} has no source.");
            }

            foreach (var policy in new[] { rule.OverPolicy, rule.OverDaysPolicy ?? rule.OverPolicy })
            {
                if (policy is not (CapacityRule.Exclude or CapacityRule.ExcludeUnlessNamed or CapacityRule.Unobtainable))
                {
                    throw new InvalidDataException($"capacity-rules.json: overPolicy '{policy}' is not exclude, exclude_unless_named or unobtainable.");
                }
            }
        }

        LongestPlanDays = longestPlanDays;
        StaleRateDays = staleRateDays;
    }

    /// <summary>Past this a plan says it is longer than a year and ranks after every obtainable plan.</summary>
    public double LongestPlanDays { get; }

    /// <summary>A rate read this long before its catalog says how old it is.</summary>
    public double StaleRateDays { get; }

    public IReadOnlyList<CapacityRule> All => _rules;

    /// <summary>The rule for an offer: provider exact before '*', then an exact instance type, the longest prefix, '*'.</summary>
    public CapacityRule? For(Offer offer, PricingTerms? terms)
    {
        var kind = terms?.KindName ?? PricingModels.OnDemand;
        return _byOffer.GetOrAdd((kind, offer.Provider, offer.InstanceType), key => Find(key.Kind, key.Provider, key.InstanceType));
    }

    private CapacityRule? Find(string kind, string provider, string instanceType)
    {
        CapacityRule? best = null;
        var bestScore = -1;
        foreach (var rule in _rules)
        {
            if (rule.Kind != kind || (rule.Provider != "*" && rule.Provider != provider))
            {
                continue;
            }

            foreach (var match in rule.Match)
            {
                var matchScore = match == instanceType ? 10_000
                    : match.EndsWith('*') && instanceType.StartsWith(match[..^1], StringComparison.Ordinal) ? match.Length
                    : -1;
                var score = matchScore < 0 ? -1 : matchScore + (rule.Provider == "*" ? 0 : 100_000);
                if (score > bestScore)
                {
                    (best, bestScore) = (rule, score);
                }
            }
        }

        return best;
    }

    /// <summary>The most instances a plan sized to a deadline may take under a hard cap (Capacity Blocks, calendar mode); null without one.</summary>
    public int? HardCap(Offer offer, PricingTerms? terms) =>
        For(offer, terms) is { OverPolicy: CapacityRule.Exclude, MaxInstances: { } cap } ? cap : null;

    /// <summary>
    /// The most instances the engine judges obtainable where more are offered but not counted on (an on-demand or
    /// committed fleet's size); null without one. A plan sized by default stays within it and runs longer instead.
    /// </summary>
    public int? PlannedCap(Offer offer, PricingTerms? terms) =>
        For(offer, terms) is { OverPolicy: CapacityRule.Unobtainable, MaxInstances: { } cap } ? cap : null;

    /// <summary>The hours a block must cover for a run of <paramref name="wallHours"/>: the run plus the tail the provider takes back.</summary>
    public double HoursToBook(Offer offer, PricingTerms? terms, double wallHours) =>
        wallHours + (For(offer, terms)?.EndTailHours ?? 0);

    /// <summary>
    /// Judges one sized plan against its rule, without building any text (it runs for every offer sized): obtainable,
    /// offered but not obtainable, or excluded (over a hard cap, or over the spot limits when spot was not asked for by name).
    /// </summary>
    public CapacityVerdict Check(Offer offer, PricingTerms? terms, int instances, double wallHours, QuoteSpec spec) =>
        Assess(For(offer, terms), instances, wallHours, spec.PricingModels.Contains(offer.PricingModel)).Verdict;

    /// <summary>Why a plan <see cref="Check"/> excludes is excluded.</summary>
    public string ExcludedReason(Offer offer, PricingTerms? terms, int instances, double wallHours)
    {
        var rule = For(offer, terms)!;
        var kind = terms?.Kind ?? PricingKind.OnDemand;
        var what = What(offer, instances, wallHours);
        return Assess(rule, instances, wallHours, false).Policy == CapacityRule.Exclude
            ? $"{Title(kind)}: {what} is over the provider's caps ({Limits(rule, kind)}); a plan is never offered over them."
            : $"{Title(kind)}: {what} is more than a synchronous job can plan on ({Limits(rule, kind)}); name {offer.PricingModel} in pricing_models to quote it anyway.";
    }

    /// <summary>How an offered plan's capacity is had: its kind, the request, whether it is obtainable and why not, the rate's age.</summary>
    public CapacityPlan Plan(Offer offer, PricingTerms? terms, int instances, double wallHours, QuoteSpec spec, DateTimeOffset catalogAsOf)
    {
        var rule = For(offer, terms);
        var kind = terms?.Kind ?? PricingKind.OnDemand;
        var days = wallHours / 24;
        var reasons = new List<string>();
        if (rule is not null && Assess(rule, instances, wallHours, true).Over)
        {
            reasons.Add($"{What(offer, instances, wallHours)} is over what the engine plans on ({Limits(rule, kind)})");
        }

        if (rule?.MaxRunDays is { } maxRun && days > maxRun + 1e-9)
        {
            var restarts = (int)Math.Ceiling(days / maxRun - 1e-9) - 1;
            reasons.Add(string.Create(CultureInfo.InvariantCulture, $"each VM runs at most {maxRun:G} days, so the run needs all {instances:N0} VMs again {restarts} time(s), which is not guaranteed"));
        }

        if (days > LongestPlanDays)
        {
            reasons.Add(string.Create(CultureInfo.InvariantCulture, $"the run takes {days / 365:N1} years, longer than a year (no one plans on one cluster that long): use more accelerators or a faster type"));
        }

        var (capacityKind, request, notes) = Request(offer, terms, rule, instances, wallHours, kind);
        return new CapacityPlan(capacityKind, request, reasons.Count == 0, string.Join("; ", reasons), rule?.Source ?? "no capacity rule for this pricing model")
        {
            RateAsOf = offer.EffectiveDate,
            RateNote = RateNote(rule, kind, offer.EffectiveDate, catalogAsOf),
            Notes = notes,
        };
    }

    /// <summary>
    /// Over the rule's fleet or length (a block must cover the run plus the tail the provider takes back, so the tail
    /// counts against the longest block), and what follows: the size's policy when the fleet is too large, else the
    /// length's (which may be milder); past the maximum run (flex-start) or a year, not obtainable.
    /// </summary>
    private (CapacityVerdict Verdict, bool Over, string Policy) Assess(CapacityRule? rule, int instances, double wallHours, bool named)
    {
        var overSize = rule?.MaxInstances is { } max && instances > max;
        var overDays = rule?.MaxDays is { } maxDays && (wallHours + rule.EndTailHours) / 24 > maxDays + 1e-9;
        var over = overSize || overDays;
        var policy = rule is null ? "" : overSize ? rule.OverPolicy : rule.OverDaysPolicy ?? rule.OverPolicy;
        if (over && (policy == CapacityRule.Exclude || (policy == CapacityRule.ExcludeUnlessNamed && !named)))
        {
            return (CapacityVerdict.Excluded, true, policy);
        }

        var days = wallHours / 24;
        var obtainable = !over && !(rule?.MaxRunDays is { } maxRun && days > maxRun + 1e-9) && days <= LongestPlanDays;
        return (obtainable ? CapacityVerdict.Obtainable : CapacityVerdict.Unobtainable, over, policy);
    }

    private static string What(Offer offer, int instances, double wallHours) =>
        string.Create(CultureInfo.InvariantCulture, $"{instances:N0} × {offer.InstanceType} for {wallHours / 24:N1} days");

    private string RateNote(CapacityRule? rule, PricingKind kind, DateTimeOffset rateAsOf, DateTimeOffset catalogAsOf)
    {
        if (rule?.RateDatedBy != "read" || (catalogAsOf - rateAsOf).TotalDays <= StaleRateDays)
        {
            return "";
        }

        var months = (int)Math.Round((catalogAsOf - rateAsOf).TotalDays / 30.44);
        return string.Create(CultureInfo.InvariantCulture,
            $"{Title(kind)} rate as of {rateAsOf:yyyy-MM} ({months} months before the {catalogAsOf:yyyy-MM} catalog): the price offered at purchase may differ");
    }

    private static (string Kind, string Request, List<string> Notes) Request(Offer offer, PricingTerms? terms, CapacityRule? rule, int n, double wallHours, PricingKind kind)
    {
        var type = offer.InstanceType;
        var days = wallHours / 24;
        var notes = new List<string>();
        var reserve = rule?.ReservationAboveInstances is { } above && n > above;
        var quota = Quota(offer, rule, n);
        string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
        switch (kind)
        {
            case PricingKind.Spot:
                return ("spot", Inv($"{n:N0} × {type} spot instances at once, for {days:N1} days"), notes);
            case PricingKind.CapacityBlock:
            {
                var perBlock = rule?.MaxInstancesPerRequest ?? n;
                var blocks = Math.Max(1, (n + perBlock - 1) / perBlock);
                var blockDays = ModelBilling.For(terms, wallHours + (rule?.EndTailHours ?? 0), false).LastBlockHours / 24;
                var split = blocks == 1 ? Inv($"{n:N0} {type}") : n % perBlock == 0 ? Inv($"{perBlock:N0} {type}") : Inv($"up to {perBlock:N0} {type} ({n:N0} in all)");
                notes.Add(Inv($"AWS ends a block {rule?.EndTailMinutes ?? 0:G} minutes early: each block covers the run plus that tail."));
                return ("capacity_block", Inv($"{blocks} Capacity Block{(blocks > 1 ? "s" : "")} of {split}, {blockDays:G} days{(blocks > 1 ? " each" : "")}, paid up front"), notes);
            }

            case PricingKind.Calendar:
            {
                var billed = ModelBilling.For(terms, wallHours, false);
                var length = billed.BlocksInSequence > 1
                    ? Inv($"{billed.BlocksInSequence - 1} × {billed.FullBlockHours / 24:G} days then {billed.LastBlockHours / 24:G} days, back to back (each a new request)")
                    : Inv($"{billed.LastBlockHours / 24:G} days");
                return ("dws_calendar", Inv($"DWS calendar-mode reservation of {n:N0} × {type} for {length}"), notes);
            }
            case PricingKind.FlexStart:
                return ("dws_flex_start", Inv($"a DWS flex-start request for {n:N0} × {type} (each VM runs at most {rule?.MaxRunDays ?? 7:G} days)"), notes);
            case PricingKind.Commitment or PricingKind.SavingsPlan:
            {
                var years = terms?.TermMonths / 12.0 ?? 1;
                var what = kind == PricingKind.SavingsPlan
                    ? Inv($"a {years:G}-year savings plan covering {n:N0} × {type}")
                    : Inv($"a {years:G}-year commitment of {n:N0} × {type}");
                var kindName = kind == PricingKind.SavingsPlan ? "savings_plan" : "commitment";
                if (reserve)
                {
                    notes.Add("A commitment or savings plan buys a discount, not capacity: the reservation holds the instances.");
                    return (kindName + "_with_reservation", Inv($"{what}, paired with a capacity reservation of {n:N0} × {type} in {offer.Region}{quota}"), notes);
                }

                return (kindName, what + quota, notes);
            }

            default:
                if (reserve)
                {
                    notes.Add("Reserve ahead: capacity at this size is not found on the day (a future-dated reservation must be approved by the provider).");
                    return ("on_demand_with_reservation", Inv($"a capacity reservation of {n:N0} × {type} in {offer.Region} for {days:N0} days{quota}"), notes);
                }

                return ("on_demand", Inv($"{n:N0} × {type} on demand{quota}"), notes);
        }
    }

    /// <summary>", and a quota of 1,536 vCPUs of Running On-Demand P instances" — the quota the plan needs, when the rule names one.</summary>
    private static string Quota(Offer offer, CapacityRule? rule, int n)
    {
        if (rule?.QuotaName is not { } name)
        {
            return "";
        }

        var amount = rule.QuotaUnit == "vcpus" ? (decimal)n * offer.Vcpus : n * offer.AcceleratorsPerInstance;
        var unit = rule.QuotaUnit == "vcpus" ? "vCPUs" : "accelerators";
        return string.Create(CultureInfo.InvariantCulture, $", and a quota of at least {amount:N0} {unit} ({name})");
    }

    private static string Limits(CapacityRule rule, PricingKind kind)
    {
        var parts = new List<string>();
        if (rule.MaxInstancesPerRequest is { } perRequest && kind == PricingKind.CapacityBlock)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"at most {perRequest:N0} instances a block"));
        }

        if (rule.MaxInstances is { } max)
        {
            var count = max.ToString("N0", CultureInfo.InvariantCulture);
            parts.Add(kind == PricingKind.CapacityBlock ? $"{count} across blocks" : $"at most {count} instances");
        }

        if (rule.MaxDays is { } days)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"at most {days:G} days"));
        }

        return string.Join(", ", parts) + $"; capacity-rules.json, {rule.Basis}";
    }

    public static string Title(PricingKind kind) => kind switch
    {
        PricingKind.Spot => "Spot",
        PricingKind.CapacityBlock => "Capacity Block",
        PricingKind.Calendar => "DWS calendar mode",
        PricingKind.FlexStart => "DWS flex-start",
        PricingKind.Commitment => "Commitment",
        PricingKind.SavingsPlan => "Savings plan",
        _ => "On-demand",
    };

    private static readonly Lazy<CapacityRules> DefaultInstance = new(() =>
    {
        using var stream = EmbeddedData.Open(typeof(CapacityRules).Assembly, "Pricing.Quoting.Data.capacity-rules.json");
        var file = JsonSerializer.Deserialize<RulesFile>(stream, EmbeddedData.JsonOptions) ?? throw new InvalidDataException("capacity-rules.json is empty.");
        return new CapacityRules(file.Rules, file.LongestPlanDays.Value, file.StaleRateDays.Value);
    });

    public static CapacityRules Default => DefaultInstance.Value;

    private sealed record Setting(double Value, string Basis, string Source);

    private sealed record RulesFile(List<CapacityRule> Rules, Setting LongestPlanDays, Setting StaleRateDays);
}
