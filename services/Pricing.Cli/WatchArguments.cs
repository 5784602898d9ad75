using Pricing.Contracts.Events;
using Pricing.Contracts.V1;

namespace Pricing.Cli;

/// <summary>
/// <c>pricing watch [--accelerator ID] [--provider P] [--region R] [--pricing MODEL] [--pattern P]
/// [--resume-after aws=12,gcp=3] [--count N] [--json] [--server URL]</c>.
/// </summary>
public sealed record WatchArguments(WatchPriceChangesRequest Request, bool Json, string? Server, int? Count)
{
    public const string Usage = """
        usage: pricing watch [options]

        Prints each price change as the Quotes service receives it, one line per change: observed time,
        provider, catalog version, kind, routing key and instance, the old -> new price per instance-hour
        and per accelerator-hour. Filters are ANDed; none means every change.

          --accelerator ID       e.g. nvidia-h100-80gb
          --provider P           aws, gcp or azure
          --region R             the provider's region code, e.g. us-east-1, eastus
          --pricing MODEL        on_demand, spot, committed_1y, committed_3y
          --pattern P            topic pattern over provider.region.accelerator.pricing_model,
                                 '*' one word, '#' any words: 'aws.us-east-1.#', '*.*.nvidia-h100-80gb.spot'
          --resume-after LIST    first replay the recorded changes after these catalog versions, e.g.
                                 aws=12,gcp=3 (providers not listed start with live changes)
          --count N              exit (code 0) after N changes
          --json                 one proto-JSON PriceChangeNotice per line (JSON Lines)
          --server URL           watch a running Quotes service (e.g. http://127.0.0.1:5100); without it the
                                 embedded default runs in this process, whose bundled snapshots do not change

        When the stream drops, watch reconnects (backing off up to 10 s) with resume_after set, per provider, to
        the last catalog version it printed minus one: the server replays from the start of that version (a drop
        can cut a version in half) and watch drops every change it already printed, by (provider, version,
        offer key). Providers it has printed nothing of resume from the versions the server held when watch
        started. So each change is printed once, none missed while the server keeps its history.
        Ctrl+C stops it (exit 0). Exit codes: 0 done, 1 server unreachable or failed, 2 bad arguments.
        """;

    private static readonly HashSet<string> Switches = new(StringComparer.Ordinal) { "--json" };

    public static WatchArguments Parse(IReadOnlyList<string> args)
    {
        var filter = new PriceChangeFilter();
        var request = new WatchPriceChangesRequest { Filter = filter };
        var json = false;
        string? server = null;
        int? count = null;
        Arguments.Walk(args, Switches, _ => json = true, (name, value) =>
        {
            switch (name)
            {
                case "--accelerator": filter.AcceleratorId = Arguments.Word(name, value); break;
                case "--provider": filter.Provider = Arguments.Word(name, value); break;
                case "--region": filter.Region = Arguments.Word(name, value); break;
                case "--pricing": filter.PricingModel = Arguments.Word(name, value); break;
                case "--pattern":
                    filter.RoutingPattern = TopicPattern.IsValid(value)
                        ? value
                        : throw new ArgumentException($"--pattern '{value}' is not a topic pattern: dot-separated words, each a name, '*' (one word) or '#' (any words), e.g. 'aws.us-east-1.#'.");
                    break;
                case "--resume-after":
                    foreach (var (provider, version) in Arguments.Pairs(name, value, "aws=12,gcp=3"))
                    {
                        request.ResumeAfter[provider] = version;
                    }

                    break;
                case "--count": count = (int)Arguments.Integer(name, value, 1, int.MaxValue); break;
                case "--server": server = Arguments.Server(name, value); break;
                default: throw new ArgumentException($"Unknown option {name}.");
            }
        });

        return new WatchArguments(request, json, server, count);
    }
}
