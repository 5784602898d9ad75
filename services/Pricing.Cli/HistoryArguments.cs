using Google.Protobuf.WellKnownTypes;
using Pricing.Contracts.V1;

namespace Pricing.Cli;

/// <summary>
/// <c>pricing history (--offer KEY | --accelerator ID) [--provider P] [--pricing MODEL] [--since 7d|ISO]
/// [--until ISO] [--limit N] [--json] [--server URL]</c>.
/// </summary>
public sealed record HistoryArguments(GetPriceHistoryRequest Request, bool Json, string? Server)
{
    /// <summary>The server's largest page.</summary>
    public const int MaxLimit = 100_000;

    public const string Usage = """
        usage: pricing history (--offer KEY | --accelerator ID) [options]

        The recorded price changes of one offer, or of every offer of one accelerator, oldest first.

          --offer KEY            an offer key, provider|region|zone|instance|pricing_model (quote it in a shell),
                                 e.g. 'azure|eastus||Standard_ND96isr_H100_v5|on_demand'
          --accelerator ID       every offer of this accelerator, e.g. nvidia-h100-80gb
          --provider P           with --accelerator: only this provider
          --pricing MODEL        with --accelerator: only this pricing model
          --since T              changes observed at or after T: an ISO 8601 date or time (UTC unless it has an
                                 offset), or an age: 30m, 36h, 7d, 2w
          --until T              changes observed at or before T (same forms)
          --limit N              at most the newest N changes (default 1000, at most 100000)
          --json                 print the GetPriceHistoryResponse as proto JSON
          --server URL           ask a running Quotes service (e.g. http://127.0.0.1:5100); the embedded default
                                 only has its own load of the bundled snapshots (every offer added at version 1)

        Exit codes: 0 done (also when nothing matched), 1 server unreachable or failed, 2 bad arguments.
        """;

    private static readonly HashSet<string> Switches = new(StringComparer.Ordinal) { "--json" };

    public static HistoryArguments Parse(IReadOnlyList<string> args) => Parse(args, DateTimeOffset.UtcNow);

    /// <summary>Ages (<c>--since 7d</c>) count back from <paramref name="now"/>.</summary>
    public static HistoryArguments Parse(IReadOnlyList<string> args, DateTimeOffset now)
    {
        var request = new GetPriceHistoryRequest();
        var json = false;
        string? server = null;
        DateTimeOffset? since = null;
        DateTimeOffset? until = null;
        Arguments.Walk(args, Switches, _ => json = true, (name, value) =>
        {
            switch (name)
            {
                case "--offer": request.OfferKey = OfferKey(name, value); break;
                case "--accelerator": request.AcceleratorId = Arguments.Word(name, value); break;
                case "--provider": request.Provider = Arguments.Word(name, value); break;
                case "--pricing": request.PricingModel = Arguments.Word(name, value); break;
                case "--since": since = Arguments.Time(name, value, now); break;
                case "--until": until = Arguments.Time(name, value, now); break;
                case "--limit": request.Limit = (int)Arguments.Integer(name, value, 1, MaxLimit); break;
                case "--server": server = Arguments.Server(name, value); break;
                default: throw new ArgumentException($"Unknown option {name}.");
            }
        });

        if ((request.OfferKey.Length > 0) == (request.AcceleratorId.Length > 0))
        {
            throw new ArgumentException("Give exactly one of --offer KEY and --accelerator ID.");
        }

        if (request.OfferKey.Length > 0 && (request.Provider.Length > 0 || request.PricingModel.Length > 0))
        {
            throw new ArgumentException("--provider and --pricing narrow --accelerator; an offer key already names both.");
        }

        if (since > until)
        {
            throw new ArgumentException($"--since ({since:u}) is after --until ({until:u}).");
        }

        request.From = since is { } from ? Timestamp.FromDateTimeOffset(from) : null;
        request.To = until is { } to ? Timestamp.FromDateTimeOffset(to) : null;
        return new HistoryArguments(request, json, server);
    }

    private static string OfferKey(string name, string value) =>
        value.Split('|').Length == 5 && value.Split('|') is [{ Length: > 0 }, { Length: > 0 }, _, { Length: > 0 }, { Length: > 0 }]
            ? value
            : throw new ArgumentException($"{name} '{value}' is not an offer key: provider|region|zone|instance|pricing_model, zone may be empty (e.g. 'azure|eastus||Standard_ND96isr_H100_v5|on_demand').");
}
