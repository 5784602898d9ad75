using System.CommandLine;
using System.Globalization;
using Timestamp = Google.Protobuf.WellKnownTypes.Timestamp;
using Pricing.Contracts.V1;
using Spectre.Console;

namespace Pricing.Cli;

/// <summary>What <c>pricing offers</c> was asked.</summary>
public sealed record OffersArguments(ListCatalogOffersRequest Request, bool Json, string? Server)
{
    /// <summary>The server's largest page.</summary>
    public const int MaxLimit = 1000;

    public static OffersArguments Parse(IReadOnlyList<string> args) => Parse(args, DateTimeOffset.UtcNow);

    /// <summary>Ages (<c>--as-of 7d</c>) count back from <paramref name="now"/>.</summary>
    public static OffersArguments Parse(IReadOnlyList<string> args, DateTimeOffset now) =>
        Cli.Parse(new OffersCommand(), args, (command, result) => command.Bind(result, now));
}

/// <summary>
/// <c>pricing offers [--accelerator ID] [--provider P] [--region R] [--pricing MODEL] [--min-count N] [--as-of T]
/// [--limit N] [--json] [--server URL]</c>: the catalog, cheapest per accelerator-hour first, like <c>sky show-gpus</c>.
/// </summary>
public sealed class OffersCommand : Command, IVerb<OffersArguments>
{
    private readonly Option<List<string>> _accelerator = CliOptions.List("--accelerator", "ID", "accelerator id(s), comma-separated, e.g. nvidia-h100-80gb; cpu-vcpu lists the CPU offers (per vCPU), left out otherwise", Words);
    private readonly Option<List<string>> _provider = CliOptions.List("--provider", "P", $"{string.Join(", ", Pricing.Catalog.CloudProviders.Ids)} (comma-separated)", Words);
    private readonly Option<List<string>> _region = CliOptions.List("--region", "R", "provider region code(s), e.g. us-east-1,eastus", Words);
    private readonly Option<List<string>> _pricing = CliOptions.List("--pricing", "MODEL", "pricing model(s): on_demand, spot, committed_1y, committed_3y, ...", Words);
    private readonly Option<double> _minCount = CliOptions.Value("--min-count", "N", "only instances with at least N accelerators", OptionValues.Number);
    private readonly Option<string?> _asOf = CliOptions.Value<string?>("--as-of", "T",
        "the catalog as it stood at T (rebuilt from the change history, within its retention): ISO 8601 (UTC unless it has an offset) or an age: 36h, 7d, 2w",
        OptionValues.TimeText);
    private readonly Option<int> _limit = CliOptions.Value("--limit", "N", $"at most the N cheapest offers (default 100, at most {OffersArguments.MaxLimit})",
        (name, value) => (int)OptionValues.Integer(name, value, 1, OffersArguments.MaxLimit));
    private readonly Option<bool> _json = CliOptions.Json("print the ListCatalogOffersResponse as proto JSON");
    private readonly Option<string?> _server = CliOptions.Server(
        "ask a running Quotes service (e.g. http://127.0.0.1:5100); the embedded default holds the bundled snapshots and only their own load as history");
    private readonly Option<string?> _token = CliOptions.Token();

    public OffersCommand()
        : base("offers", "the accelerator offers of every catalog, cheapest per accelerator-hour first (now or --as-of a past time)")
    {
        foreach (var option in new Option[] { _accelerator, _provider, _region, _pricing, _minCount, _asOf, _limit, _json, _server, _token })
        {
            Options.Add(option);
        }

        this.AddRule(result =>
        {
            if (result.GetValue(_minCount) is var min && (!double.IsFinite(min) || min < 0))
            {
                result.AddError($"--min-count {min.ToString(CultureInfo.InvariantCulture)} must be 0 or more.");
            }
        });
        SetAction((result, cancellationToken) => RunAsync(Bind(result), result.InvocationConfiguration.Output, cancellationToken, result.GetValue(_token)));
    }

    public string Details => "Exit codes: 0 at least one offer listed, 1 none matched (or the server failed, or --as-of is before the history), 2 bad arguments.";

    public OffersArguments Bind(ParseResult result) => Bind(result, DateTimeOffset.UtcNow);

    /// <summary>The request; an age (<c>--as-of 7d</c>) counts back from <paramref name="now"/>.</summary>
    public OffersArguments Bind(ParseResult result, DateTimeOffset now)
    {
        var request = new ListCatalogOffersRequest
        {
            MinAccelerators = result.GetValue(_minCount),
            Limit = result.GetValue(_limit),
            AsOf = result.GetValue(_asOf) is { } asOf ? Timestamp.FromDateTimeOffset(OptionValues.Time("--as-of", asOf, now)) : null,
        };
        request.AcceleratorIds.AddRange(result.GetValue(_accelerator) ?? []);
        request.Providers.AddRange(result.GetValue(_provider) ?? []);
        request.Regions.AddRange(result.GetValue(_region) ?? []);
        request.PricingModels.AddRange(result.GetValue(_pricing) ?? []);
        return new OffersArguments(request, result.GetValue(_json), result.GetValue(_server));
    }

    public static async Task<int> RunAsync(OffersArguments arguments, TextWriter output, CancellationToken cancellationToken, string? token = null) =>
        Print(await EmbeddedServer.AskAsync(arguments.Server, token, channel => new OfferCatalog.OfferCatalogClient(channel).ListCatalogOffersAsync(arguments.Request, cancellationToken: cancellationToken).ResponseAsync, cancellationToken), arguments, output);

    private static IEnumerable<string> Words(string name, string value) => OptionValues.List(value).Select(v => OptionValues.Word(name, v));

    private static int Print(ListCatalogOffersResponse response, OffersArguments arguments, TextWriter output)
    {
        if (arguments.Json)
        {
            output.WriteLine(ChangeFormat.Json.Format(response));
            return response.Offers.Count > 0 ? 0 : 1;
        }

        var console = ChangeFormat.Console(output);
        var when = arguments.Request.AsOf is null ? "now" : $"as of {ChangeFormat.Time(response.AsOf)}";
        if (response.Offers.Count == 0)
        {
            console.MarkupLine(Markup.Escape($"No offer matches ({when})."));
            return 1;
        }

        console.MarkupLine(Markup.Escape($"{response.Matched} offers match ({when}), cheapest per accelerator-hour first"
            + (response.Truncated ? $"; the {response.Offers.Count} cheapest:" : ":")));
        var table = new Table().Border(TableBorder.Rounded);
        foreach (var column in new[] { "Provider", "Region", "Instance", "Accelerator", "Pricing", "$/acc-h", "$/instance-h", "Price age" })
        {
            table.AddColumn(column);
        }

        foreach (var c in response.Offers)
        {
            var o = c.Offer;
            table.AddRow(
                Markup.Escape(o.Provider),
                Markup.Escape(o.Zone.Length > 0 ? $"{o.Region}/{o.Zone}" : o.Region),
                Markup.Escape(o.InstanceType),
                Markup.Escape($"{o.AcceleratorId} x {o.AcceleratorsPerInstance.ToString("0.##", CultureInfo.InvariantCulture)}"),
                Markup.Escape(o.PricingModel),
                Markup.Escape(ChangeFormat.Price(o.PricePerAcceleratorHour)),
                Markup.Escape(ChangeFormat.Price(o.PricePerInstanceHour)),
                Pricing.Catalog.PriceAge.Describe(TimeSpan.FromSeconds(c.PriceAgeSeconds)));
        }

        console.Write(table);
        foreach (var v in response.CatalogVersions)
        {
            console.MarkupLine(Markup.Escape(QuoteCommand.PricesLine(v)));
        }

        foreach (var warning in response.Warnings)
        {
            console.MarkupLine($"[yellow]warning[/]: {Markup.Escape(warning)}");
        }

        return 0;
    }
}
