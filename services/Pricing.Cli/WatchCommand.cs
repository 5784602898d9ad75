using System.CommandLine;
using System.Globalization;
using Grpc.Core;
using Grpc.Net.Client;
using Pricing.Contracts.Events;
using Pricing.Contracts.V1;
using Pricing.Client;

namespace Pricing.Cli;

/// <summary>What <c>pricing watch</c> was asked: the filter and resume points it sends, the output form, where, how many.</summary>
public sealed record WatchArguments(WatchPriceChangesRequest Request, bool Json, string? Server, int? Count)
{
    public static WatchArguments Parse(IReadOnlyList<string> args) => Cli.Parse<WatchCommand, WatchArguments>(args);
}

/// <summary>
/// <c>pricing watch [--accelerator ID] [--provider P] [--region R] [--pricing MODEL] [--pattern P]
/// [--resume-after aws=12,gcp=3] [--count N] [--json] [--server URL]</c>: prints each price change as it arrives, through
/// the <see cref="PriceChangeWatchClient"/> the Dashboard's live feed uses too.
/// </summary>
public sealed class WatchCommand : Command, IVerb<WatchArguments>
{
    private readonly Option<string?> _accelerator = CliOptions.Value<string?>("--accelerator", "ID", "e.g. nvidia-h100-80gb", OptionValues.Word);
    private readonly Option<string?> _provider = CliOptions.Value<string?>("--provider", "P", Pricing.Catalog.CloudProviders.IdsInWords(), OptionValues.Word);
    private readonly Option<string?> _region = CliOptions.Value<string?>("--region", "R", "the provider's region code, e.g. us-east-1, eastus", OptionValues.Word);
    private readonly Option<string?> _pricing = CliOptions.Value<string?>("--pricing", "MODEL", "on_demand, spot, committed_1y, committed_3y", OptionValues.Word);
    private readonly Option<string?> _pattern = CliOptions.Value<string?>("--pattern", "P",
        "topic pattern over provider.region.accelerator.pricing_model, '*' one word, '#' any words: 'aws.us-east-1.#', '*.*.nvidia-h100-80gb.spot'", Pattern);
    private readonly Option<List<(string Key, long Value)>> _resumeAfter = CliOptions.List("--resume-after", "LIST",
        "first replay the recorded changes after these catalog versions, e.g. aws=12,gcp=3 (providers not listed start with live changes)", OptionValues.Versions);
    private readonly Option<int?> _count = CliOptions.Value<int?>("--count", "N", "exit (code 0) after N changes", (name, value) => (int)OptionValues.Integer(name, value, 1, int.MaxValue));
    private readonly Option<bool> _json = CliOptions.Json("one proto-JSON PriceChangeNotice per line (JSON Lines)");
    private readonly Option<string?> _server = CliOptions.Server(
        "watch a running Quotes service (e.g. http://127.0.0.1:5100); without it the embedded default runs in this process, whose bundled snapshots do not change");
    private readonly Option<string?> _token = CliOptions.Token();

    public WatchCommand()
        : base("watch", "print price changes as they happen (a stream; --count N to stop after N)")
    {
        foreach (var option in new Option[] { _accelerator, _provider, _region, _pricing, _pattern, _resumeAfter, _count, _json, _server, _token })
        {
            Options.Add(option);
        }

        SetAction((result, cancellationToken) => RunAsync(Bind(result), result.InvocationConfiguration.Output, result.InvocationConfiguration.Error, cancellationToken, token: result.GetValue(_token)));
    }

    public string Details => """
        Prints each price change as the Quotes service receives it, one line per change: observed time,
        provider, catalog version, kind, routing key and instance, the old -> new price per instance-hour
        and per accelerator-hour. Filters are ANDed; none means every change.

        When the stream drops, watch reconnects (backing off up to 10 s) with resume_after set, per provider, to
        the last catalog version it printed minus one: the server replays from the start of that version (a drop
        can cut a version in half) and watch drops every change it already printed, by (provider, version,
        offer key). Providers it has printed nothing of resume from the versions the server held when watch
        subscribed. So each change is printed once, none missed while the server keeps its history.
        Ctrl+C stops it (exit 0). Exit codes: 0 done, 1 server unreachable or failed, or a resume the server's
        history can no longer serve (RESYNC_REQUIRED), 2 bad arguments.
        """;

    public WatchArguments Bind(ParseResult result)
    {
        var request = new WatchPriceChangesRequest
        {
            Filter = new PriceChangeFilter
            {
                AcceleratorId = result.GetValue(_accelerator) ?? "",
                Provider = result.GetValue(_provider) ?? "",
                Region = result.GetValue(_region) ?? "",
                PricingModel = result.GetValue(_pricing) ?? "",
                RoutingPattern = result.GetValue(_pattern) ?? "",
            },
        };
        foreach (var (provider, version) in result.GetValue(_resumeAfter) ?? [])
        {
            request.ResumeAfter[provider] = version;
        }

        return new WatchArguments(request, result.GetValue(_json), result.GetValue(_server), result.GetValue(_count));
    }

    public static async Task<int> RunAsync(WatchArguments arguments, TextWriter output, TextWriter error, CancellationToken cancellationToken, PriceChangeWatchOptions? options = null, string? token = null)
    {
        if (arguments.Server is not null)
        {
            using var channel = ServerChannel.Open(arguments.Server, token);
            return await WatchAsync(new PriceChanges.PriceChangesClient(channel), arguments, output, error, options ?? PriceChangeWatchOptions.Default, cancellationToken);
        }

        error.WriteLine("pricing watch: starting the embedded default (no --server) ...");
        await using var embedded = await EmbeddedServer.StartAsync(cancellationToken);
        error.WriteLine("pricing watch: embedded: its bundled price snapshots do not change, so expect no changes here; "
            + "use --server URL to watch a running Quotes service. Waiting (Ctrl+C to stop).");
        using var embeddedChannel = GrpcChannel.ForAddress(embedded.Address);
        return await WatchAsync(new PriceChanges.PriceChangesClient(embeddedChannel), arguments, output, error, options ?? PriceChangeWatchOptions.Default, cancellationToken);
    }

    /// <summary>
    /// Prints changes until <see cref="WatchArguments.Count"/> were printed (0) or <paramref name="cancellationToken"/> is
    /// cancelled (0); a resume the history cannot serve is 1. InvalidArgument and other non-transient failures are thrown.
    /// </summary>
    public static async Task<int> WatchAsync(PriceChanges.PriceChangesClient client, WatchArguments arguments, TextWriter output, TextWriter error, PriceChangeWatchOptions options, CancellationToken cancellationToken)
    {
        var watch = new PriceChangeWatchClient(client, options, new ErrorReporter(error));
        var count = 0;
        try
        {
            await foreach (var notice in watch.WatchAsync(arguments.Request, cancellationToken))
            {
                output.WriteLine(arguments.Json ? ChangeFormat.Json.Format(notice) : ChangeFormat.Line(notice));
                output.Flush();
                if (arguments.Count is { } wanted && ++count >= wanted)
                {
                    return 0;
                }
            }
        }
        catch (RpcException ex) when (ResyncRequired.ProviderOf(ex) is { } provider)
        {
            // Resuming would skip changes the history no longer holds: say so and stop, rather than lose them quietly.
            error.WriteLine($"pricing watch: cannot resume {provider} without a gap: {ex.Status.Detail}");
            error.WriteLine($"pricing watch: read {provider}'s current prices (pricing quote / history), then watch again without --resume-after for it.");
            return 1;
        }

        return 0;
    }

    private static string Pattern(string name, string value) => TopicPattern.IsValid(value)
        ? value
        : throw new ArgumentException($"{name} '{value}' is not a topic pattern: dot-separated words, each a name, '*' (one word) or '#' (any words), e.g. 'aws.us-east-1.#'.");

    /// <summary>What the watch client does besides the changes, on stderr.</summary>
    private sealed class ErrorReporter(TextWriter error) : IPriceChangeWatchObserver
    {
        public void Connecting(WatchPriceChangesRequest request, bool reconnect)
        {
            if (reconnect)
            {
                error.WriteLine($"pricing watch: reconnecting, resume_after {Describe(request.ResumeAfter)}");
            }
        }

        public void Dropped(string reason, Exception? failure, TimeSpan retryIn) =>
            error.WriteLine($"pricing watch: stream dropped ({reason}); retrying in {retryIn.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s");

        private static string Describe(IDictionary<string, long> resumeAfter) => resumeAfter.Count == 0
            ? "none (live changes only)"
            : string.Join(",", resumeAfter.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value.ToString(CultureInfo.InvariantCulture)}"));
    }
}
