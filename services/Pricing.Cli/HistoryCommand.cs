using System.CommandLine;
using System.Globalization;
using Timestamp = Google.Protobuf.WellKnownTypes.Timestamp;
using Pricing.Contracts.V1;
using Spectre.Console;

namespace Pricing.Cli;

/// <summary>What <c>pricing history</c> was asked.</summary>
public sealed record HistoryArguments(GetPriceHistoryRequest Request, bool Json, string? Server)
{
    /// <summary>The server's largest page.</summary>
    public const int MaxLimit = 100_000;

    public static HistoryArguments Parse(IReadOnlyList<string> args) => Parse(args, DateTimeOffset.UtcNow);

    /// <summary>Ages (<c>--since 7d</c>) count back from <paramref name="now"/>.</summary>
    public static HistoryArguments Parse(IReadOnlyList<string> args, DateTimeOffset now) =>
        Cli.Parse(new HistoryCommand(() => now), args, (command, result) => command.Bind(result, now));
}

/// <summary>
/// <c>pricing history (--offer KEY | --accelerator ID) [--provider P] [--pricing MODEL] [--since 7d|ISO] [--until ISO]
/// [--limit N] [--json] [--server URL]</c>: the recorded price changes, oldest first.
/// </summary>
public sealed class HistoryCommand : Command, IVerb<HistoryArguments>
{
    private readonly Option<string?> _offer = CliOptions.Value<string?>("--offer", "KEY",
        "an offer key, provider|region|zone|instance|pricing_model (quote it in a shell), e.g. 'azure|eastus||Standard_ND96isr_H100_v5|on_demand'", OfferKey);
    private readonly Option<string?> _accelerator = CliOptions.Value<string?>("--accelerator", "ID", "every offer of this accelerator, e.g. nvidia-h100-80gb", OptionValues.Word);
    private readonly Option<string?> _provider = CliOptions.Value<string?>("--provider", "P", "with --accelerator: only this provider", OptionValues.Word);
    private readonly Option<string?> _pricing = CliOptions.Value<string?>("--pricing", "MODEL", "with --accelerator: only this pricing model", OptionValues.Word);
    private readonly Option<string?> _since = CliOptions.Value<string?>("--since", "T",
        "changes observed at or after T: an ISO 8601 date or time (UTC unless it has an offset), or an age: 30m, 36h, 7d, 2w", OptionValues.TimeText);
    private readonly Option<string?> _until = CliOptions.Value<string?>("--until", "T", "changes observed at or before T (same forms)", OptionValues.TimeText);
    private readonly Option<int> _limit = CliOptions.Value("--limit", "N", $"at most the newest N changes (default 1000, at most {HistoryArguments.MaxLimit})",
        (name, value) => (int)OptionValues.Integer(name, value, 1, HistoryArguments.MaxLimit));
    private readonly Option<bool> _json = CliOptions.Json("print the GetPriceHistoryResponse as proto JSON");
    private readonly Option<string?> _server = CliOptions.Server(
        "ask a running Quotes service (e.g. http://127.0.0.1:5100); the embedded default only has its own load of the bundled snapshots (every offer added at version 1)");
    private readonly Option<string?> _token = CliOptions.Token();

    private readonly Func<DateTimeOffset> _now;

    /// <param name="now">The clock ages (<c>--since 7d</c>) count back from, in the checks as in the request; the system clock by default.</param>
    public HistoryCommand(Func<DateTimeOffset>? now = null)
        : base("history", "the recorded price changes of one offer or one accelerator")
    {
        _now = now ?? (() => DateTimeOffset.UtcNow);
        foreach (var option in new Option[] { _offer, _accelerator, _provider, _pricing, _since, _until, _limit, _json, _server, _token })
        {
            Options.Add(option);
        }

        this.AddRule(result =>
        {
            var offer = result.GetValue(_offer) is not null;
            if (offer == (result.GetValue(_accelerator) is not null))
            {
                result.AddError("Give exactly one of --offer KEY and --accelerator ID.");
            }
            else if (offer && (result.GetValue(_provider) is not null || result.GetValue(_pricing) is not null))
            {
                result.AddError("--provider and --pricing narrow --accelerator; an offer key already names both.");
            }

            var now = _now();
            if (result.GetValue(_since) is { } since && result.GetValue(_until) is { } until
                && OptionValues.Time("--since", since, now) is var from && OptionValues.Time("--until", until, now) is var to && from > to)
            {
                result.AddError($"--since ({from:u}) is after --until ({to:u}).");
            }
        });
        SetAction((result, cancellationToken) => RunAsync(Bind(result), result.InvocationConfiguration.Output, result.InvocationConfiguration.Error, cancellationToken, result.GetValue(_token)));
    }

    public string Details => "Exit codes: 0 done (also when nothing matched), 1 server unreachable or failed, 2 bad arguments.";

    public HistoryArguments Bind(ParseResult result) => Bind(result, _now());

    /// <summary>The request; ages (<c>--since 7d</c>) count back from <paramref name="now"/>.</summary>
    public HistoryArguments Bind(ParseResult result, DateTimeOffset now)
    {
        DateTimeOffset? since = result.GetValue(_since) is { } s ? OptionValues.Time("--since", s, now) : null;
        DateTimeOffset? until = result.GetValue(_until) is { } u ? OptionValues.Time("--until", u, now) : null;
        var request = new GetPriceHistoryRequest
        {
            OfferKey = result.GetValue(_offer) ?? "",
            AcceleratorId = result.GetValue(_accelerator) ?? "",
            Provider = result.GetValue(_provider) ?? "",
            PricingModel = result.GetValue(_pricing) ?? "",
            Limit = result.GetValue(_limit),
            From = since is { } from ? Timestamp.FromDateTimeOffset(from) : null,
            To = until is { } to ? Timestamp.FromDateTimeOffset(to) : null,
        };
        return new HistoryArguments(request, result.GetValue(_json), result.GetValue(_server));
    }

    public static async Task<int> RunAsync(HistoryArguments arguments, TextWriter output, TextWriter error, CancellationToken cancellationToken, string? token = null)
    {
        if (arguments.Server is null)
        {
            error.WriteLine("pricing history: embedded default (no --server): its history holds only this process's load of the bundled "
                + "snapshots (every offer added at version 1); use --server URL to read a running Quotes service's history.");
        }

        var response = await EmbeddedServer.AskAsync(arguments.Server, token, channel => new PriceChanges.PriceChangesClient(channel).GetPriceHistoryAsync(arguments.Request, cancellationToken: cancellationToken).ResponseAsync, cancellationToken);
        return Print(response, arguments, output, error);
    }

    private static string OfferKey(string name, string value) =>
        Pricing.Catalog.OfferKey.TryParse(value, out _)
            ? value
            : throw new ArgumentException($"{name} '{value}' is not an offer key: {Pricing.Catalog.OfferKey.Shape}.");

    private static int Print(GetPriceHistoryResponse response, HistoryArguments arguments, TextWriter output, TextWriter error)
    {
        if (arguments.Json)
        {
            output.WriteLine(ChangeFormat.Json.Format(response));
            return 0;
        }

        var r = arguments.Request;
        var subject = r.OfferKey.Length > 0
            ? $"offer {r.OfferKey}"
            : $"accelerator {r.AcceleratorId}" + (r.Provider.Length > 0 ? $", provider {r.Provider}" : "") + (r.PricingModel.Length > 0 ? $", {r.PricingModel}" : "");
        var range = (r.From, r.To) switch
        {
            (null, null) => "all retained history",
            ({ } from, null) => $"since {ChangeFormat.Time(from)}",
            (null, { } to) => $"until {ChangeFormat.Time(to)}",
            ({ } from, { } to) => $"{ChangeFormat.Time(from)} to {ChangeFormat.Time(to)}",
        };
        var console = ChangeFormat.Console(output);
        if (response.Changes.Count == 0)
        {
            console.MarkupLine(Markup.Escape($"No recorded price changes for {subject} ({range})."));
            return 0;
        }

        console.MarkupLine(Markup.Escape($"Price changes for {subject} ({range}), oldest first:"));
        var table = new Table().Border(TableBorder.Rounded);
        foreach (var column in new[] { "Observed", "Provider", "Version", "Kind", "Offer", "Old $/h", "New $/h", "$/acc-h old -> new" })
        {
            table.AddColumn(column);
        }

        foreach (var c in response.Changes)
        {
            table.AddRow(
                ChangeFormat.Time(c.ObservedAt),
                Markup.Escape(c.Provider),
                c.CatalogVersion.ToString(CultureInfo.InvariantCulture),
                ChangeFormat.Kind(c.Kind),
                Markup.Escape(c.OfferKey),
                Markup.Escape(ChangeFormat.Price(c.OldPricePerInstanceHour)),
                Markup.Escape(ChangeFormat.Price(c.NewPricePerInstanceHour)),
                Markup.Escape(ChangeFormat.OldToNew(ChangeFormat.PerAccelerator(c.OldPricePerInstanceHour, c), ChangeFormat.PerAccelerator(c.NewPricePerInstanceHour, c))));
        }

        console.Write(table);
        if (response.Truncated)
        {
            error.WriteLine($"pricing history: more changes matched; these are the newest {response.Changes.Count} (raise --limit, at most {HistoryArguments.MaxLimit}, or narrow --since/--until).");
        }

        return 0;
    }
}
