using System.Globalization;
using Pricing.Contracts;
using Pricing.Contracts.V1;

namespace Pricing.Cli;

/// <summary>
/// The <c>pricing quote</c> contract (scripts rely on it):
/// <c>--params N [--active-params N] --tokens N [--accelerator ID[,ID]] [--accelerators COUNT] [--deadline-days D]
/// [--mfu X] [--goodput X] [--precision bf16|fp8] [--clouds aws,gcp,azure] [--regions R,R]
/// [--pricing on_demand,spot,committed_1y,committed_3y] [--price-per-accelerator-hour X] [--discount aws=10,gcp=5]
/// [--layers L --d-model D --seq-len S] [--chinchilla] [--activation-allowance X] [--energy-utilisation X]
/// [--global-batch-tokens N] [--optimizer megatron|zero] [--reuse-committed] [--checkpoint-copies N] [--dataset-bytes N]
/// [--dataset-cloud CLOUD] [--experiments X] [--staff-engineers N] [--staff-months M] [--staff-monthly-cost USD]
/// [--top N] [--json] [--server URL]</c>. Flags are only ever added, never renamed.
/// </summary>
public sealed record QuoteArguments(QuoteTrainingRunRequest Request, bool Json, string? Server)
{
    public const string Usage = """
        usage: pricing quote --params N --tokens N [options]

          --params N             total parameters, e.g. 70e9
          --active-params N      active parameters per token (mixture of experts)
          --tokens N             training tokens, e.g. 1.4e12 (or --chinchilla)
          --chinchilla           tokens = 20 x parameters (when --tokens is not given)
          --accelerator ID       accelerator id(s), comma-separated, e.g. nvidia-h100-80gb
          --accelerators COUNT   cluster size in accelerators (default: sized to finish in 60 days)
          --deadline-days D      size each cluster to finish within D days (not with --accelerators)
          --mfu X                model FLOPs utilisation override, 0.01 <= X <= 1
          --goodput X            goodput override (productive / wall time), 0.1 <= X <= 1
          --precision P          bf16 (default) or fp8
          --layers L             } all three add the attention term
          --d-model D            } 12 x layers x d_model x seq-len
          --seq-len S            } x tokens
          --clouds LIST          aws,gcp,azure
          --regions LIST         provider region codes
          --pricing LIST         on_demand,spot,committed_1y,committed_3y
          --price-per-accelerator-hour X   your negotiated rate (USD), replaces catalog prices
          --discount LIST        percent off catalog prices per cloud, e.g. aws=10,gcp=5
          --activation-allowance X   share of accelerator memory kept for activations (default 0.3)
          --energy-utilisation X     load factor: share of node power drawn while training (default 0.7)
          --global-batch-tokens N    tokens per optimizer step (default 4M, 16M from 200B parameters); bounds the cluster
          --optimizer SETUP      megatron (18 B/parameter, default) or zero (16)
          --reuse-committed      a 1-/3-year commitment's capacity has other work after the run: bill only the run's hours
          --checkpoint-copies N  checkpoints kept at once for the storage line (default 3)
          --dataset-bytes N      tokenized dataset size (default tokens x 4 bytes)
          --dataset-cloud CLOUD  where the dataset lives; another cloud adds its egress
          --experiments X        optional line: total compute as a multiple of the final run (e.g. 1.5)
          --staff-engineers N    optional line: engineers x months x loaded monthly cost
          --staff-months M       (default: the run's wall-clock)
          --staff-monthly-cost USD   loaded cost per engineer-month (default 25000)
          --top N                options to show (default 10)
          --json                 print the quote as proto JSON
          --server URL           ask a running Quotes service instead of running embedded
        """;

    public static QuoteArguments Parse(IReadOnlyList<string> args)
    {
        var request = new QuoteTrainingRunRequest { MaxOptions = 10 };
        var json = false;
        string? server = null;
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            if (name == "--json")
            {
                json = true;
                continue;
            }

            if (name == "--chinchilla")
            {
                request.Chinchilla = true;
                continue;
            }

            if (name == "--reuse-committed")
            {
                request.ReuseCommittedCapacity = true;
                continue;
            }

            if (i + 1 >= args.Count)
            {
                throw new ArgumentException($"{name} needs a value.");
            }

            var value = args[++i];
            switch (name)
            {
                case "--params": request.Parameters = Number(name, value); break;
                case "--active-params": request.ActiveParameters = Number(name, value); break;
                case "--tokens": request.Tokens = Number(name, value); break;
                case "--accelerator": request.AcceleratorIds.AddRange(List(value)); break;
                case "--accelerators": request.AcceleratorCount = Count(name, value); break;
                case "--mfu": request.Mfu = Number(name, value); break;
                case "--goodput": request.Goodput = Number(name, value); break;
                case "--deadline-days": request.DeadlineHours = Number(name, value) * 24; break;
                case "--layers": request.Layers = Count(name, value); break;
                case "--d-model": request.DModel = Count(name, value); break;
                case "--seq-len": request.SequenceLength = Count(name, value); break;
                case "--price-per-accelerator-hour": request.PricePerAcceleratorHour = Price(name, value).ToMoney(); break;
                case "--discount": AddDiscounts(request, name, value); break;
                case "--activation-allowance": request.ActivationAllowance = Number(name, value); break;
                case "--energy-utilisation": request.EnergyUtilisation = Number(name, value); break;
                case "--global-batch-tokens": request.GlobalBatchTokens = Number(name, value); break;
                case "--optimizer": request.OptimizerSetup = value; break;
                case "--checkpoint-copies": request.CheckpointCopies = Count(name, value); break;
                case "--dataset-bytes": request.DatasetBytes = Number(name, value); break;
                case "--dataset-cloud": request.DatasetCloud = value; break;
                case "--experiments": request.ExperimentsMultiplier = Number(name, value); break;
                case "--staff-engineers": request.StaffEngineers = Number(name, value); break;
                case "--staff-months": request.StaffMonths = Number(name, value); break;
                case "--staff-monthly-cost": request.StaffMonthlyCost = Price(name, value).ToMoney(); break;
                case "--precision": request.Precision = value; break;
                case "--clouds": request.Clouds.AddRange(List(value)); break;
                case "--regions": request.Regions.AddRange(List(value)); break;
                case "--pricing": request.PricingModels.AddRange(List(value)); break;
                case "--top": request.MaxOptions = Count(name, value); break;
                case "--server": server = value; break;
                default: throw new ArgumentException($"Unknown option {name}.");
            }
        }

        if (request.Parameters == 0 || (request.Tokens == 0 && !request.Chinchilla))
        {
            throw new ArgumentException("--params and --tokens (or --chinchilla) are required.");
        }

        return new QuoteArguments(request, json, server);
    }

    private static double Number(string name, string value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var n)
            ? n
            : throw new ArgumentException($"{name} '{value}' is not a number.");

    private static int Count(string name, string value)
    {
        var n = Number(name, value);
        return double.IsFinite(n) && n >= 0 && n <= int.MaxValue && n == Math.Floor(n)
            ? (int)n
            : throw new ArgumentException($"{name} '{value}' is not a whole number between 0 and {int.MaxValue}.");
    }

    /// <summary>Exact decimal (a price must not pick up binary noise on its way to units + nanos).</summary>
    private static decimal Price(string name, string value) =>
        decimal.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var price)
            ? price
            : throw new ArgumentException($"{name} '{value}' is not a price.");

    /// <summary>"aws=10,gcp=5": cloud=percent pairs; the server checks the clouds and ranges.</summary>
    private static void AddDiscounts(QuoteTrainingRunRequest request, string name, string value)
    {
        foreach (var pair in List(value))
        {
            var parts = pair.Split('=', 2, StringSplitOptions.TrimEntries);
            if (parts.Length != 2 || parts[0].Length == 0)
            {
                throw new ArgumentException($"{name} '{pair}' is not cloud=percent (e.g. aws=10).");
            }

            request.DiscountPercent[parts[0]] = Number(name, parts[1]);
        }
    }

    private static IEnumerable<string> List(string value) =>
        value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
