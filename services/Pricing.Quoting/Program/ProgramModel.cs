using Pricing.Catalog;
using static Pricing.Quoting.QuoteRounding;

namespace Pricing.Quoting;

/// <summary>
/// What the program of one option is priced from: the option's offer as quoted and the power behind its energy;
/// <see cref="CatalogVcpuHour"/> is the live catalog's cheapest on-demand vCPU-hour for the option (null: none, so
/// data processing uses the cited figure).
/// </summary>
internal sealed record ProgramInputs(QuoteSpec Spec, Offer Offer, PreTrainingRun Run, decimal BillTotal, PowerBasis Power, double Pue, double DatasetBytes,
    CatalogVcpuHour? CatalogVcpuHour);

/// <summary>
/// The whole program of one option (docs/quote-model.md §6a): the stages (<see cref="ProgramStages"/>), then
/// development and people (experiments at the run's rate, staff), data (processing, annotation, licensing), the run's
/// storage and bring-up from the bill, and energy (inside the rent, so optional); the owner's cost beside the rent
/// (<see cref="OwnerCostModel"/>). Every line is a range from <c>program-defaults.json</c>; what the request gives is
/// used as given (its range is the figure itself).
/// </summary>
internal sealed class ProgramModel(ProgramDefaults defaults, ProviderCosts providerCosts)
{
    private readonly ProgramStages _stages = new(defaults);
    private readonly OwnerCostModel _owner = new(defaults);

    public TrainingProgram For(ProgramInputs input)
    {
        var (spec, run) = (input.Spec, input.Run);
        var stages = _stages.For(spec, run);
        var experiments = Experiments(spec, run);
        var staff = Staff(spec);
        var besidesTheRun = input.BillTotal - run.Cost;
        var lines = new List<ProgramLine>
        {
            new(ProgramLineNames.RunStorageAndBringUp, besidesTheRun, besidesTheRun, besidesTheRun, false,
                "bring-up, checkpoint and dataset storage, egress", "the option's bill"),
            experiments.Line,
            staff,
            DataProcessing(input),
            Annotation(spec),
            Licensing(spec),
        };

        (double Value, double Low, double High) hours = (stages.Sum(s => s.AcceleratorHours) + experiments.Hours.Value,
            stages.Sum(s => HoursAt(s.CostLow, run.Rate)) + experiments.Hours.Low, stages.Sum(s => HoursAt(s.CostHigh, run.Rate)) + experiments.Hours.High);
        lines.Add(Energy(input, hours));

        return TrainingProgram.Summed(stages, lines, _owner.For(input.Offer.AcceleratorId, input.Power, input.Pue, run.Rate), defaults.StaffShare.Cite, hours.Value);
    }

    private static double HoursAt(decimal cost, decimal rate) => rate > 0 ? (double)(cost / rate) : 0;

    /// <summary>Ablations and experiments: the request's multiplier (total compute over the final run) or the cited share, at the run's rate.</summary>
    private (ProgramLine Line, (double Value, double Low, double High) Hours) Experiments(QuoteSpec spec, PreTrainingRun run)
    {
        var share = defaults.ExperimentsShare;
        var given = spec.ExperimentsMultiplier > 0;
        (double Value, double Low, double High) multiple = given
            ? (spec.ExperimentsMultiplier - 1, spec.ExperimentsMultiplier - 1, spec.ExperimentsMultiplier - 1)
            : (share.Value, share.Low, share.High);
        (double Value, double Low, double High) hours = (multiple.Value * run.AcceleratorHours, multiple.Low * run.AcceleratorHoursLow, multiple.High * run.AcceleratorHoursHigh);
        var line = new ProgramLine(ProgramLineNames.Experiments, Money(hours.Value, run.Rate), Money(hours.Low, run.Rate), Money(hours.High, run.Rate), false,
            $"{multiple.Value:G3}× the final run's accelerator-hours (range {multiple.Low:G3}–{multiple.High:G3}×) at its rate",
            given ? "request" : share.Cite);
        return (line, hours);
    }

    /// <summary>
    /// Engineers × months × loaded monthly cost: each the request's when given, else the cited default and range; the
    /// default team grows with the run's training compute 6·N_active·D (<see cref="StaffScale"/>).
    /// </summary>
    private ProgramLine Staff(QuoteSpec spec)
    {
        (double Value, double Low, double High) Pick(double given, RangedDefault d) => given > 0 ? (given, given, given) : (d.Value, d.Low, d.High);
        var scale = defaults.Staff.For(TrainingFlops(spec));
        var engineers = spec.StaffEngineers > 0 ? (spec.StaffEngineers, spec.StaffEngineers, spec.StaffEngineers) : (scale.Value, scale.Low, scale.High);
        var months = Pick(spec.StaffMonths, defaults.StaffMonths);
        var monthly = Pick((double)(spec.StaffMonthlyCost ?? 0), defaults.StaffMonthlyCost);
        var sources = new[]
        {
            spec.StaffEngineers > 0 ? "" : $"team size at {TrainingFlops(spec):G3} FLOPs: {scale.Cite}",
            spec.StaffMonths > 0 ? "" : defaults.StaffMonths.Cite,
            spec.StaffMonthlyCost is null ? defaults.StaffMonthlyCost.Cite : "",
        }.Where(s => s.Length > 0);
        return new ProgramLine(ProgramLineNames.Staff,
            MoneyOf(engineers.Item1 * months.Value * monthly.Value), MoneyOf(engineers.Item2 * months.Low * monthly.Low), MoneyOf(engineers.Item3 * months.High * monthly.High), false,
            $"{engineers.Item1:N0} engineers × {months.Value:G} months × ${monthly.Value:N0} a month",
            string.Join("; ", sources.DefaultIfEmpty("request")));
    }

    /// <summary>The run's training compute, 6 · N_active · tokens: the program's scale for its default team size.</summary>
    internal static double TrainingFlops(QuoteSpec spec) => 6.0 * spec.EffectiveActiveParameters * spec.Tokens;

    /// <summary>
    /// Raw text extracted, filtered, deduplicated and tokenized on CPU instances: the dataset × the raw bytes per byte kept
    /// × the measured vCPU-hours per raw TB × a vCPU-hour: the live catalog's cheapest on demand (the option's region,
    /// else the provider's anywhere), else the provider's cited figure (provider-costs.json).
    /// </summary>
    private ProgramLine DataProcessing(ProgramInputs input)
    {
        var (ratio, hours) = (defaults.RawBytesPerDatasetByte, defaults.CpuHoursPerRawTb);
        var tb = input.DatasetBytes / 1e12;
        var (price, priceBasis, priceSource) = VcpuHour(input);
        return new ProgramLine(ProgramLineNames.DataProcessing,
            MoneyOf(tb * ratio.Value * hours.Value * price), MoneyOf(tb * ratio.Low * hours.Low * price), MoneyOf(tb * ratio.High * hours.High * price), false,
            $"{tb:N1} TB kept × {ratio.Value:G} TB raw per TB × {hours.Value:N0} vCPU-hours per raw TB × ${price:G3} a vCPU-hour ({priceBasis})",
            $"computed from: {ratio.Cite}; {hours.Cite}; {priceSource}");
    }

    /// <summary>
    /// The vCPU-hour data processing is priced at, where it comes from in short (the line's detail) and in full (its
    /// source): the live catalog's offer and version, or the cited figure.
    /// </summary>
    private (double Price, string Basis, string Source) VcpuHour(ProgramInputs input)
    {
        if (input.CatalogVcpuHour is { } live)
        {
            var o = live.Offer;
            var where = live.InOptionRegion ? "the cheapest in the option's region" : $"the provider's cheapest: none in {input.Offer.Region}";
            return ((double)live.UsdPerVcpuHour, $"live catalog: {o.InstanceType} {o.Region}",
                $"live catalog: {o.InstanceType} {o.Region} on-demand ${live.UsdPerVcpuHour:0.######}/vCPU-h, {o.Provider} catalog version {live.CatalogVersion} ({where})");
        }

        var cited = providerCosts.For(input.Offer.Provider);
        return (cited.CpuUsdPerVcpuHour, $"cited, {cited.Provider}: no CPU offer in its live catalog",
            $"cited: {cited.Provider} ${cited.CpuUsdPerVcpuHour:G3}/vCPU-h, no CPU offer in its live catalog: {cited.CpuSource}");
    }

    private ProgramLine Annotation(QuoteSpec spec)
    {
        var items = spec.AnnotationItems ?? defaults.AnnotationItems.Value;
        var price = defaults.AnnotationUsdPerItem;
        return new ProgramLine(ProgramLineNames.Annotation, MoneyOf(items * price.Value), MoneyOf(items * price.Low), MoneyOf(items * price.High), false,
            $"{items:N0} preference comparisons × ${price.Value:G}",
            (spec.AnnotationItems is null ? defaults.AnnotationItems.Cite : "request") + "; " + price.Cite);
    }

    private static ProgramLine Licensing(QuoteSpec spec)
    {
        var amount = spec.LicensingUsd ?? 0;
        return new ProgramLine(ProgramLineNames.Licensing, amount, amount, amount, false,
            amount > 0 ? "data licences, as given" : "none given", "request");
    }

    /// <summary>Energy of every stage and the experiments at node power: inside the cloud rent, so optional (not summed); an owner pays it.</summary>
    private ProgramLine Energy(ProgramInputs input, (double Value, double Low, double High) hours)
    {
        var kwhPerHour = input.Power.WattsPerAccelerator / 1000 * input.Power.LoadFactor * input.Pue;
        var price = defaults.ElectricityUsdPerKwh;
        return new ProgramLine(ProgramLineNames.Energy, MoneyOf(hours.Value * kwhPerHour * price.Value), MoneyOf(hours.Low * kwhPerHour * price.Low), MoneyOf(hours.High * kwhPerHour * price.High), true,
            $"{hours.Value * kwhPerHour / 1000:N0} MWh × ${price.Value:G}/kWh; inside the rent, an owner pays it",
            $"the option's power; {price.Cite}; {defaults.EnergyShare.Cite}");
    }
}
