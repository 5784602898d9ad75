using System.Globalization;
using Pricing.Contracts.V1;

namespace Pricing.Cli;

/// <summary>
/// The <c>pricing quote</c> contract (scripts rely on it):
/// <c>--params N [--active-params N] --tokens N [--accelerator ID[,ID]] [--accelerators COUNT] [--mfu X]
/// [--precision bf16|fp8] [--clouds aws,gcp,azure] [--regions R,R] [--pricing on_demand,spot,committed_1y,committed_3y]
/// [--top N] [--json] [--server URL]</c>.
/// </summary>
public sealed record QuoteArguments(QuoteTrainingRunRequest Request, bool Json, string? Server)
{
    public const string Usage = """
        usage: pricing quote --params N --tokens N [options]

          --params N             total parameters, e.g. 70e9
          --active-params N      active parameters per token (mixture of experts)
          --tokens N             training tokens, e.g. 1.4e12
          --accelerator ID       accelerator id(s), comma-separated, e.g. nvidia-h100-80gb
          --accelerators COUNT   cluster size in accelerators (default: one instance)
          --mfu X                model FLOPs utilisation override, 0 < X <= 1
          --precision P          bf16 (default) or fp8
          --clouds LIST          aws,gcp,azure
          --regions LIST         provider region codes
          --pricing LIST         on_demand,spot,committed_1y,committed_3y
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
                case "--precision": request.Precision = value; break;
                case "--clouds": request.Clouds.AddRange(List(value)); break;
                case "--regions": request.Regions.AddRange(List(value)); break;
                case "--pricing": request.PricingModels.AddRange(List(value)); break;
                case "--top": request.MaxOptions = Count(name, value); break;
                case "--server": server = value; break;
                default: throw new ArgumentException($"Unknown option {name}.");
            }
        }

        if (request.Parameters == 0 || request.Tokens == 0)
        {
            throw new ArgumentException("--params and --tokens are required.");
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

    private static IEnumerable<string> List(string value) =>
        value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
