using Pricing.Catalog;
using static Pricing.Quoting.QuoteRounding;

namespace Pricing.Quoting;

/// <summary>
/// Bill lines (docs/quote-model.md §6): the whole bill of one option, beyond the run itself: checkpoint and dataset
/// storage for the run's months, the dataset's egress when it lives in another cloud, then the optional lines
/// (experiments at the run's rate, staff), each with the rate and source it is priced from.
/// </summary>
internal sealed class BillLines(ProviderCosts providerCosts, ModelDefaults defaults)
{
    /// <summary>The whole bill of one option: the run, checkpoint and dataset storage, egress when asked, then the optional lines.</summary>
    public (IReadOnlyList<BillLine> Lines, decimal Total, decimal WithOptional) For(QuoteSpec spec, Offer offer, Candidate c, decimal run, decimal rate, TrainingCompute compute)
    {
        var costs = providerCosts.For(offer.Provider);
        var months = c.WallClockHours / FailureModel.HoursPerMonth;
        var lines = new List<BillLine> { new("training_run", run, false, $"{c.Instances:N0} × {offer.InstanceType} ({offer.PricingModel}) for {c.WallClockHours / 24:N1} days") };

        if (c.Run.Goodput.BringUpHours > 0)
        {
            // The cluster is rented before training starts (acceptance, burn-in, bad-node hunting): docs/quote-model.md §4.
            var accelerators = c.Rented;
            lines.Add(new("bring_up", Money(c.Run.Goodput.BringUpHours * accelerators, rate), false,
                $"{c.Run.Goodput.BringUpHours:N0} h × {accelerators:N0} accelerators of acceptance, burn-in and bad-node replacement before training "
                + $"({c.Run.Goodput.TeamMaturity} team, failure-rates.json)"));
        }

        var copies = spec.CheckpointCopies > 0 ? spec.CheckpointCopies : (int)defaults.CheckpointCopies.Value;
        var checkpointGb = defaults.CheckpointBytesPerParameter.Value * spec.Parameters / 1e9;
        lines.Add(new("checkpoint_storage", MoneyOf(checkpointGb * copies * months * costs.StorageUsdPerGbMonth), false,
            $"{checkpointGb:N0} GB per checkpoint × {copies} kept × {months:N2} months × ${costs.StorageUsdPerGbMonth:G3}/GB-month ({costs.StorageSource})"));

        var datasetGb = (spec.DatasetBytes > 0 ? spec.DatasetBytes : compute.Tokens * defaults.DatasetBytesPerToken.Value) / 1e9;
        lines.Add(new("dataset_storage", MoneyOf(datasetGb * months * costs.StorageUsdPerGbMonth), false,
            $"{datasetGb:N0} GB × {months:N2} months × ${costs.StorageUsdPerGbMonth:G3}/GB-month"));

        if (spec.DatasetCloud.Length > 0 && spec.DatasetCloud != offer.Provider)
        {
            var source = providerCosts.For(spec.DatasetCloud);
            lines.Add(new("dataset_egress", MoneyOf(datasetGb * source.InternetEgressUsdPerGb), false,
                $"{datasetGb:N0} GB out of {spec.DatasetCloud} once × ${source.InternetEgressUsdPerGb:G3}/GB ({source.EgressSource})"));
        }

        var required = lines.Sum(l => l.Amount);
        if (spec.ExperimentsMultiplier > 1)
        {
            var experimentHours = c.Run.AcceleratorHours * (spec.ExperimentsMultiplier - 1);
            lines.Add(new("experiments", Money(experimentHours, rate), true,
                $"{spec.ExperimentsMultiplier - 1:G3} × the run's {c.Run.AcceleratorHours:N0} accelerator-hours for ablations and experiments, at the same rate"));
        }

        if (spec.StaffEngineers > 0)
        {
            var staffMonths = spec.StaffMonths > 0 ? spec.StaffMonths : months;
            var monthly = spec.StaffMonthlyCost ?? (decimal)defaults.StaffMonthlyCost.Value;
            lines.Add(new("staff", decimal.Round((decimal)spec.StaffEngineers * (decimal)staffMonths * monthly, 2, MidpointRounding.AwayFromZero), true,
                $"{spec.StaffEngineers:G} engineers × {staffMonths:N2} months × ${monthly:N0} loaded cost per month"
                + (spec.StaffMonthlyCost is null ? $" ({defaults.StaffMonthlyCost.Source})" : "")));
        }

        return (lines, required, lines.Sum(l => l.Amount));
    }
}
