using System.CommandLine;
using Pricing.Contracts;
using Pricing.Contracts.V1;
using static Pricing.Cli.CliOptions;

namespace Pricing.Cli;

/// <summary>
/// The training-run spec flags of <c>quote</c> and <c>compare</c>, defined once and added to both, so the two cannot
/// drift apart. Flags are only ever added, never renamed; the server checks ranges and names (every bad field named).
/// </summary>
internal sealed class TrainingRunOptions
{
    private readonly Option<double> _params = Value("--params", "N", "total parameters, e.g. 70e9", OptionValues.Number);
    private readonly Option<double> _activeParams = Value("--active-params", "N", "active parameters per token (mixture of experts)", OptionValues.Number);
    private readonly Option<double> _tokens = Value("--tokens", "N", "training tokens, e.g. 1.4e12 (or --chinchilla)", OptionValues.Number);
    private readonly Option<bool> _chinchilla = Switch("--chinchilla", "tokens = 20 x parameters (when --tokens is not given)");
    private readonly Option<List<string>> _accelerators = List("--accelerator", "ID", "accelerator id(s), comma-separated, e.g. nvidia-h100-80gb", (_, v) => OptionValues.List(v));
    private readonly Option<int> _acceleratorCount = Value("--accelerators", "COUNT", "cluster size in accelerators (default: sized to finish in 60 days)", OptionValues.Count);
    private readonly Option<double> _deadlineDays = Value("--deadline-days", "D", "size each cluster to finish within D days (not with --accelerators)", OptionValues.Number);
    private readonly Option<double> _mfu = Value("--mfu", "X", "model FLOPs utilisation override, 0.01 <= X <= 1", OptionValues.Number);
    private readonly Option<double> _goodput = Value("--goodput", "X", "goodput override (productive / wall time), 0.1 <= X <= 1", OptionValues.Number);
    private readonly Option<string?> _precision = Value<string?>("--precision", "P", "bf16 (default) or fp8", (_, v) => v);
    private readonly Option<int> _layers = Value("--layers", "L", "with --d-model and --seq-len: adds the attention term 12 x layers x d_model x seq-len x tokens", OptionValues.Count);
    private readonly Option<int> _dModel = Value("--d-model", "D", "model width (see --layers)", OptionValues.Count);
    private readonly Option<int> _seqLen = Value("--seq-len", "S", "sequence length (see --layers)", OptionValues.Count);
    private readonly Option<List<string>> _clouds = List("--clouds", "LIST", "aws,gcp,azure", (_, v) => OptionValues.List(v));
    private readonly Option<List<string>> _regions = List("--regions", "LIST", "provider region codes", (_, v) => OptionValues.List(v));
    private readonly Option<List<string>> _pricing = List("--pricing", "LIST", "pricing models of pricing-models.json, e.g. on_demand,spot,committed_1y,savings_plan_compute_1y_no_upfront,capacity_block,dws_flex_start,dws_calendar", (_, v) => OptionValues.List(v));
    private readonly Option<decimal?> _pricePerAcceleratorHour = Value<decimal?>("--price-per-accelerator-hour", "X", "your negotiated rate (USD), replaces catalog prices", (n, v) => OptionValues.Price(n, v));
    private readonly Option<List<(string Key, double Value)>> _discounts = List("--discount", "LIST", "percent off catalog prices per cloud, e.g. aws=10,gcp=5", OptionValues.Percentages);
    private readonly Option<double> _activationAllowance = Value("--activation-allowance", "X", "share of accelerator memory kept for activations (default 0.3)", OptionValues.Number);
    private readonly Option<double> _energyUtilisation = Value("--energy-utilisation", "X", "load factor: share of node power drawn while training (default 0.7)", OptionValues.Number);
    private readonly Option<double> _globalBatchTokens = Value("--global-batch-tokens", "N", "tokens per optimizer step (default 4M, 16M from 200B parameters); bounds the cluster", OptionValues.Number);
    private readonly Option<string?> _optimizer = Value<string?>("--optimizer", "SETUP", "megatron (18 B/parameter, default) or zero (16)", (_, v) => v);
    private readonly Option<bool> _reuseCommitted = Switch("--reuse-committed", "a 1-/3-year commitment's capacity has other work after the run: bill only the run's hours");
    private readonly Option<int> _checkpointCopies = Value("--checkpoint-copies", "N", "checkpoints kept at once for the storage line (default 3)", OptionValues.Count);
    private readonly Option<double> _datasetBytes = Value("--dataset-bytes", "N", "tokenized dataset size (default tokens x 4 bytes)", OptionValues.Number);
    private readonly Option<string?> _datasetCloud = Value<string?>("--dataset-cloud", "CLOUD", "where the dataset lives; another cloud adds its egress", (_, v) => v);
    private readonly Option<double> _experiments = Value("--experiments", "X", "optional line: total compute as a multiple of the final run (e.g. 1.5)", OptionValues.Number);
    private readonly Option<double> _staffEngineers = Value("--staff-engineers", "N", "optional line: engineers x months x loaded monthly cost", OptionValues.Number);
    private readonly Option<double> _staffMonths = Value("--staff-months", "M", "engineer-months per engineer (default: the run's wall-clock)", OptionValues.Number);
    private readonly Option<decimal?> _staffMonthlyCost = Value<decimal?>("--staff-monthly-cost", "USD", "loaded cost per engineer-month (default 25000)", (n, v) => OptionValues.Price(n, v));
    private readonly Option<string?> _asOf = Value<string?>("--as-of", "T",
        "price on the catalogs as they stood at T (rebuilt from the change history, within its retention): ISO 8601 (UTC unless it has an offset) or an age: 36h, 7d, 2w",
        OptionValues.TimeText);

    /// <summary>Adds every spec flag to <paramref name="command"/>, with the one rule the CLI checks itself: what to size.</summary>
    public void AddTo(Command command)
    {
        Option[] all = [_params, _activeParams, _tokens, _chinchilla, _accelerators, _acceleratorCount, _deadlineDays, _mfu, _goodput, _precision,
            _layers, _dModel, _seqLen, _clouds, _regions, _pricing, _pricePerAcceleratorHour, _discounts, _activationAllowance, _energyUtilisation,
            _globalBatchTokens, _optimizer, _reuseCommitted, _checkpointCopies, _datasetBytes, _datasetCloud, _experiments, _staffEngineers,
            _staffMonths, _staffMonthlyCost, _asOf];
        foreach (var option in all)
        {
            command.Options.Add(option);
        }

        command.AddRule(result =>
        {
            if (result.GetValue(_params) == 0 || (result.GetValue(_tokens) == 0 && !result.GetValue(_chinchilla)))
            {
                result.AddError("--params and --tokens (or --chinchilla) are required.");
            }
        });
    }

    /// <summary>The request as the flags give it; unset flags stay 0 / empty, which the server reads as its defaults.</summary>
    public QuoteTrainingRunRequest ToRequest(ParseResult result)
    {
        var request = new QuoteTrainingRunRequest
        {
            Parameters = result.GetValue(_params),
            ActiveParameters = result.GetValue(_activeParams),
            Tokens = result.GetValue(_tokens),
            Chinchilla = result.GetValue(_chinchilla),
            AcceleratorCount = result.GetValue(_acceleratorCount),
            DeadlineHours = result.GetValue(_deadlineDays) * 24,
            Mfu = result.GetValue(_mfu),
            Goodput = result.GetValue(_goodput),
            Precision = result.GetValue(_precision) ?? "",
            Layers = result.GetValue(_layers),
            DModel = result.GetValue(_dModel),
            SequenceLength = result.GetValue(_seqLen),
            PricePerAcceleratorHour = result.GetValue(_pricePerAcceleratorHour)?.ToMoney(),
            ActivationAllowance = result.GetValue(_activationAllowance),
            EnergyUtilisation = result.GetValue(_energyUtilisation),
            GlobalBatchTokens = result.GetValue(_globalBatchTokens),
            OptimizerSetup = result.GetValue(_optimizer) ?? "",
            ReuseCommittedCapacity = result.GetValue(_reuseCommitted),
            CheckpointCopies = result.GetValue(_checkpointCopies),
            DatasetBytes = result.GetValue(_datasetBytes),
            DatasetCloud = result.GetValue(_datasetCloud) ?? "",
            ExperimentsMultiplier = result.GetValue(_experiments),
            StaffEngineers = result.GetValue(_staffEngineers),
            StaffMonths = result.GetValue(_staffMonths),
            StaffMonthlyCost = result.GetValue(_staffMonthlyCost)?.ToMoney(),
            AsOf = result.GetValue(_asOf) is { } asOf ? Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(OptionValues.Time("--as-of", asOf, DateTimeOffset.UtcNow)) : null,
        };
        request.AcceleratorIds.AddRange(result.GetValue(_accelerators) ?? []);
        request.Clouds.AddRange(result.GetValue(_clouds) ?? []);
        request.Regions.AddRange(result.GetValue(_regions) ?? []);
        request.PricingModels.AddRange(result.GetValue(_pricing) ?? []);
        foreach (var (cloud, percent) in result.GetValue(_discounts) ?? [])
        {
            request.DiscountPercent[cloud] = percent;
        }

        return request;
    }
}
