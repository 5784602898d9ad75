using System.Globalization;
using System.Text.Json;
using System.Threading.Channels;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Pricing.Cli;
using Pricing.Contracts.Events;
using Pricing.Contracts.V1;
using Quotes.History;
using OfferKey = Pricing.Catalog.OfferKey;

namespace Quotes.Tests;

/// <summary>
/// <c>pricing watch</c> and <c>pricing history</c> against the in-process embedded server: changes go in through
/// <see cref="PriceChangeFeed.RecordAsync"/> (the path a consumed change takes after the broker), each test under a
/// provider name of its own so tests sharing the server never see each other's changes.
/// </summary>
public sealed class CliWatchHistoryTests(StandaloneServer server)
{
    private static readonly DateTimeOffset EffectiveDate = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private PriceChangeFeed Feed => server.Services.GetRequiredService<PriceChangeFeed>();

    private static string NewProvider() => "t" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>An 8-accelerator H100 offer whose instance price moved from <paramref name="old"/> to <paramref name="new"/>.</summary>
    internal static AcceleratorPriceChanged Change(
        string provider, long version, decimal? old = 98.32m, decimal? @new = 90m, string region = "eastus",
        string instance = "Standard_ND96isr_H100_v5", string pricing = "on_demand", DateTimeOffset? observedAt = null)
    {
        var kind = old is null ? ChangeKind.Added : @new is null ? ChangeKind.Removed : ChangeKind.Changed;
        var offer = @new is { } price
            ? new OfferSnapshot(provider, region, null, instance, "nvidia-h100-80gb", 8m, 96, 1900m, pricing, price, "USD", EffectiveDate, "sku", "meter")
            : null;
        return new AcceleratorPriceChanged(provider, version, OfferKey.Format(provider, region, null, instance, pricing), kind, region,
            "nvidia-h100-80gb", pricing, old, @new, "USD", offer, observedAt ?? DateTimeOffset.UtcNow);
    }

    private static Task<(int Code, string Out, string Err)> RunAsync(params string[] args) => CliRun.RunAsync(args);

    private static List<JsonElement> JsonLines(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();

    private static long Version(JsonElement notice) => long.Parse(notice.GetProperty("change").GetProperty("catalogVersion").GetString()!, CultureInfo.InvariantCulture);

    /// <summary>A safety net against a hung stream (the test fails instead of hanging); no assertion depends on it.</summary>
    private static CancellationTokenSource Guard()
    {
        var guard = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        guard.CancelAfter(TimeSpan.FromSeconds(60));
        return guard;
    }

    // ---- watch: arguments ----

    [Fact]
    public void Watch_flags_map_to_the_filter_and_resume_points()
    {
        var parsed = WatchArguments.Parse([
            "--accelerator", "nvidia-h100-80gb", "--provider", "aws", "--region", "us-east-1", "--pricing", "spot",
            "--pattern", "aws.us-east-1.#", "--resume-after", "aws=12, gcp=3", "--resume-after", "azure=0",
            "--server", "http://127.0.0.1:5100", "--json", "--count", "5"]);

        var f = parsed.Request.Filter;
        Assert.Equal("nvidia-h100-80gb", f.AcceleratorId);
        Assert.Equal("aws", f.Provider);
        Assert.Equal("us-east-1", f.Region);
        Assert.Equal("spot", f.PricingModel);
        Assert.Equal("aws.us-east-1.#", f.RoutingPattern);
        Assert.Equal(new Dictionary<string, long> { ["aws"] = 12, ["gcp"] = 3, ["azure"] = 0 }, parsed.Request.ResumeAfter);
        Assert.Equal("http://127.0.0.1:5100", parsed.Server);
        Assert.True(parsed.Json);
        Assert.Equal(5, parsed.Count);
    }

    [Fact]
    public void Watch_without_flags_watches_everything_live_embedded_until_stopped()
    {
        var parsed = WatchArguments.Parse([]);

        Assert.Equal(new PriceChangeFilter(), parsed.Request.Filter);
        Assert.Empty(parsed.Request.ResumeAfter);
        Assert.Null(parsed.Server);
        Assert.Null(parsed.Count);
        Assert.False(parsed.Json);
    }

    [Theory]
    [InlineData("--pattern", "aws..#")]
    [InlineData("--pattern", "aws.us*.#")]
    [InlineData("--count", "0")]
    [InlineData("--count", "three")]
    [InlineData("--resume-after", "aws")]
    [InlineData("--resume-after", "aws=-1")]
    [InlineData("--resume-after", "aws=v12")]
    [InlineData("--resume-after", "=12")]
    [InlineData("--server", "127.0.0.1:5100")]
    [InlineData("--provider", "")]
    [InlineData("--gpus", "8")]
    public void A_bad_watch_flag_is_an_ArgumentException_naming_it(string flag, string value)
    {
        var ex = Assert.Throws<ArgumentException>(() => WatchArguments.Parse([flag, value]));

        Assert.Contains(flag, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--provider")]
    [InlineData("--count", "--json")]
    [InlineData("aws")]
    public void A_watch_flag_without_its_value_or_a_stray_word_is_an_ArgumentException(params string[] args) =>
        Assert.Throws<ArgumentException>(() => WatchArguments.Parse(args));

    // ---- history: arguments ----

    private static readonly DateTimeOffset Now = new(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void History_by_accelerator_maps_every_flag()
    {
        var parsed = HistoryArguments.Parse([
            "--accelerator", "nvidia-h100-80gb", "--provider", "aws", "--pricing", "spot", "--since", "7d",
            "--until", "2026-11-28T09:30:00Z", "--limit", "50", "--json", "--server", "http://127.0.0.1:5100"], Now);

        var r = parsed.Request;
        Assert.Equal("nvidia-h100-80gb", r.AcceleratorId);
        Assert.Equal("", r.OfferKey);
        Assert.Equal("aws", r.Provider);
        Assert.Equal("spot", r.PricingModel);
        Assert.Equal(Now.AddDays(-7), r.From.ToDateTimeOffset());
        Assert.Equal(new DateTimeOffset(2026, 11, 28, 9, 30, 0, TimeSpan.Zero), r.To.ToDateTimeOffset());
        Assert.Equal(50, r.Limit);
        Assert.True(parsed.Json);
        Assert.Equal("http://127.0.0.1:5100", parsed.Server);
    }

    [Theory]
    [InlineData("30m", 0.5)]
    [InlineData("36h", 36)]
    [InlineData("2w", 336)]
    [InlineData("1.5d", 36)]
    public void Since_takes_an_age_back_from_now(string since, double hours)
    {
        var r = HistoryArguments.Parse(["--accelerator", "nvidia-h100-80gb", "--since", since], Now).Request;

        Assert.Equal(Now.AddHours(-hours), r.From.ToDateTimeOffset());
        Assert.Null(r.To);
    }

    [Fact]
    public void Since_takes_an_ISO_date_as_UTC_or_a_time_with_its_offset()
    {
        var date = HistoryArguments.Parse(["--accelerator", "x", "--since", "2026-11-01"], Now).Request;
        var offset = HistoryArguments.Parse(["--accelerator", "x", "--since", "2026-11-01T10:00:00+02:00"], Now).Request;

        Assert.Equal(new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero), date.From.ToDateTimeOffset());
        Assert.Equal(new DateTimeOffset(2026, 11, 1, 8, 0, 0, TimeSpan.Zero), offset.From.ToDateTimeOffset());
    }

    [Fact]
    public void History_by_offer_key_keeps_the_key_and_no_range()
    {
        var r = HistoryArguments.Parse(["--offer", "azure|eastus||Standard_ND96isr_H100_v5|on_demand"], Now).Request;

        Assert.Equal("azure|eastus||Standard_ND96isr_H100_v5|on_demand", r.OfferKey);
        Assert.Equal("", r.AcceleratorId);
        Assert.Null(r.From);
        Assert.Null(r.To);
        Assert.Equal(0, r.Limit);
    }

    [Theory]
    [InlineData("--since", "--since", "yesterday")]
    [InlineData("--since", "--since", "7 days")]
    [InlineData("--until", "--until", "2026-13-01")]
    [InlineData("--limit", "--limit", "0")]
    [InlineData("--limit", "--limit", "100001")]
    [InlineData("--offer", "--offer", "azure|eastus|Standard_ND96isr_H100_v5")]
    [InlineData("--offer", "--offer", "|eastus||Standard_ND96isr_H100_v5|on_demand")]
    [InlineData("--colour", "--colour", "red")]
    public void A_bad_history_flag_is_an_ArgumentException_naming_it(string named, string flag, string value)
    {
        string[] args = flag == "--offer" ? [flag, value] : ["--accelerator", "nvidia-h100-80gb", flag, value];

        var ex = Assert.Throws<ArgumentException>(() => HistoryArguments.Parse(args, Now));

        Assert.Contains(named, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData]
    [InlineData("--since", "7d")]
    [InlineData("--offer", "azure|eastus||Standard_ND96isr_H100_v5|on_demand", "--accelerator", "nvidia-h100-80gb")]
    [InlineData("--offer", "azure|eastus||Standard_ND96isr_H100_v5|on_demand", "--provider", "azure")]
    [InlineData("--accelerator", "nvidia-h100-80gb", "--since", "1d", "--until", "2d")]
    public void History_needs_exactly_one_subject_and_a_range_in_order(params string[] args) =>
        Assert.Throws<ArgumentException>(() => HistoryArguments.Parse(args, Now));

    // ---- the command line: usage and exit codes ----

    [Fact]
    public async Task Help_prints_usage_on_stdout_and_exits_0()
    {
        var top = await RunAsync("--help");
        var watch = await RunAsync("watch", "--help");
        var history = await RunAsync("history", "-h");
        var compare = await RunAsync("compare", "--help");
        var quote = await RunAsync("quote", "--help");

        Assert.Equal(new[] { 0, 0, 0, 0, 0 }, new[] { top.Code, watch.Code, history.Code, compare.Code, quote.Code });
        Assert.Contains("watch", top.Out, StringComparison.Ordinal);
        Assert.Contains("history", top.Out, StringComparison.Ordinal);
        Assert.Contains("compare", top.Out, StringComparison.Ordinal);
        // The reconnect contract is in watch's help.
        Assert.Contains("resume_after", watch.Out, StringComparison.Ordinal);
        Assert.Contains("(provider, version,", watch.Out, StringComparison.Ordinal);
        Assert.Contains("--since", history.Out, StringComparison.Ordinal);
        // compare lists quote's spec flags, not --top.
        Assert.Contains("--accelerator <ID>", compare.Out, StringComparison.Ordinal);
        Assert.Contains("--discount", compare.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("--top", compare.Out, StringComparison.Ordinal);
        Assert.Contains("--top", quote.Out, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData]
    [InlineData("prices")]
    [InlineData("watch", "--count", "0")]
    [InlineData("watch", "--pattern", "a..b")]
    [InlineData("history", "--since", "7d")]
    [InlineData("history", "--accelerator", "nvidia-h100-80gb", "--until", "noon")]
    [InlineData("compare", "--params", "70e9")]
    [InlineData("compare", "--params", "70e9", "--tokens", "1.4e12", "--top", "3")]
    [InlineData("quote", "--params", "70e9", "--tokens", "1.4e12", "--gpus", "8")]
    public async Task Bad_arguments_exit_2_with_a_message_on_stderr_and_nothing_on_stdout(params string[] args)
    {
        var (code, output, error) = await RunAsync(args);

        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.Contains("usage: pricing", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_error_names_the_command_and_the_flag()
    {
        var (_, _, error) = await RunAsync("watch", "--count", "0");

        Assert.StartsWith("pricing watch: --count '0'", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_server_exits_1()
    {
        // Port 1 on loopback: nothing listens there, the connection is refused.
        var (code, output, error) = await RunAsync("watch", "--server", "http://127.0.0.1:1", "--count", "1");

        Assert.Equal(1, code);
        Assert.Equal("", output);
        Assert.Contains("cannot reach the server", error, StringComparison.Ordinal);
    }

    // ---- history against the server ----

    [Fact]
    public async Task History_json_returns_an_offers_changes_oldest_first_with_exact_prices()
    {
        var provider = NewProvider();
        var t0 = DateTimeOffset.UtcNow.AddHours(-3);
        await Feed.RecordAsync(Change(provider, 1, old: null, @new: 98.32m, observedAt: t0), Ct);
        await Feed.RecordAsync(Change(provider, 2, old: 98.32m, @new: 90m, observedAt: t0.AddHours(1)), Ct);
        await Feed.RecordAsync(Change(provider, 3, old: 90m, @new: null, observedAt: t0.AddHours(2)), Ct);
        // Another offer of the same provider: not this offer's history.
        await Feed.RecordAsync(Change(provider, 2, old: 40m, @new: 41m, region: "westus3", observedAt: t0.AddHours(1)), Ct);

        var (code, output, _) = await RunAsync("history", "--offer", $"{provider}|eastus||Standard_ND96isr_H100_v5|on_demand", "--json", "--server", server.Address);

        Assert.Equal(0, code);
        using var json = JsonDocument.Parse(output);
        var changes = json.RootElement.GetProperty("changes").EnumerateArray().ToList();
        Assert.Equal(["1", "2", "3"], changes.Select(c => c.GetProperty("catalogVersion").GetString()));
        Assert.Equal(["PRICE_CHANGE_KIND_ADDED", "PRICE_CHANGE_KIND_CHANGED", "PRICE_CHANGE_KIND_REMOVED"], changes.Select(c => c.GetProperty("kind").GetString()));
        var changed = changes[1];
        Assert.Equal("98", changed.GetProperty("oldPricePerInstanceHour").GetProperty("units").GetString());
        Assert.Equal(320_000_000, changed.GetProperty("oldPricePerInstanceHour").GetProperty("nanos").GetInt32());
        Assert.Equal("90", changed.GetProperty("newPricePerInstanceHour").GetProperty("units").GetString());
        Assert.False(json.RootElement.GetProperty("truncated").GetBoolean());
    }

    [Fact]
    public async Task History_table_shows_old_and_new_per_instance_and_per_accelerator_hour()
    {
        var provider = NewProvider();
        await Feed.RecordAsync(Change(provider, 7, old: 98.32m, @new: 90m), Ct);

        var (code, output, _) = await RunAsync("history", "--accelerator", "nvidia-h100-80gb", "--provider", provider, "--server", server.Address);

        Assert.Equal(0, code);
        Assert.Contains($"{provider}|eastus||Standard_ND96isr_H100_v5|on_demand", output, StringComparison.Ordinal);
        Assert.Contains("$98.32", output, StringComparison.Ordinal);
        Assert.Contains("$90.00", output, StringComparison.Ordinal);
        // 98.32 / 8 = 12.29 and 90 / 8 = 11.25 per accelerator-hour.
        Assert.Contains("$12.29 -> $11.25", output, StringComparison.Ordinal);
        Assert.Contains("changed", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task History_since_until_and_limit_narrow_the_changes_of_one_accelerator()
    {
        var provider = NewProvider();
        var now = DateTimeOffset.UtcNow;
        await Feed.RecordAsync(Change(provider, 1, observedAt: now.AddDays(-10)), Ct);
        await Feed.RecordAsync(Change(provider, 2, observedAt: now.AddDays(-3)), Ct);
        await Feed.RecordAsync(Change(provider, 3, pricing: "spot", observedAt: now.AddDays(-2)), Ct);
        await Feed.RecordAsync(Change(provider, 4, observedAt: now.AddHours(-1)), Ct);
        string[] common = ["history", "--accelerator", "nvidia-h100-80gb", "--provider", provider, "--json", "--server", server.Address];

        var lastWeek = await RunAsync([.. common, "--since", "7d"]);
        var window = await RunAsync([.. common, "--since", now.AddDays(-4).ToString("O", CultureInfo.InvariantCulture), "--until", now.AddDays(-1).ToString("O", CultureInfo.InvariantCulture)]);
        var spot = await RunAsync([.. common, "--pricing", "spot"]);
        var newest = await RunAsync([.. common, "--limit", "2"]);

        static List<string?> Versions(string text) =>
            JsonDocument.Parse(text).RootElement.GetProperty("changes").EnumerateArray().Select(c => c.GetProperty("catalogVersion").GetString()).ToList();
        Assert.Equal(["2", "3", "4"], Versions(lastWeek.Out));
        Assert.Equal(["2", "3"], Versions(window.Out));
        Assert.Equal(["3"], Versions(spot.Out));
        Assert.Equal(["3", "4"], Versions(newest.Out));
        Assert.True(JsonDocument.Parse(newest.Out).RootElement.GetProperty("truncated").GetBoolean());
        Assert.All(new[] { lastWeek, window, spot, newest }, r => Assert.Equal(0, r.Code));
    }

    [Fact]
    public async Task History_with_no_match_says_so_and_exits_0()
    {
        var (code, output, _) = await RunAsync("history", "--accelerator", "nvidia-h100-80gb", "--provider", NewProvider(), "--server", server.Address);

        Assert.Equal(0, code);
        Assert.Contains("No recorded price changes", output, StringComparison.Ordinal);
    }

    // ---- watch against the server ----

    [Fact]
    public async Task Watch_json_count_prints_the_changes_recorded_after_it_connected_then_exits_0()
    {
        var provider = NewProvider();
        using var guard = Guard();
        var output = new StringWriter();
        var watch = Cli.RunAsync(["watch", "--provider", provider, "--count", "3", "--json", "--server", server.Address], output, new StringWriter(), guard.Token);

        // The watcher's subscription is invisible from here: record a new version until it has printed three. Whatever
        // it subscribed in time for, it gets every later change, in order.
        for (var version = 1; !watch.IsCompleted; version++)
        {
            await Feed.RecordAsync(Change(provider, version), guard.Token);
            await Task.WhenAny(watch, Task.Delay(20, guard.Token));
        }

        Assert.Equal(0, await watch);
        var lines = JsonLines(output.ToString());
        Assert.Equal(3, lines.Count);
        Assert.All(lines, n => Assert.Equal(provider, n.GetProperty("change").GetProperty("provider").GetString()));
        Assert.All(lines, n => Assert.False(n.GetProperty("replayed").GetBoolean()));
        Assert.All(lines, n => Assert.Equal($"{provider}.eastus.nvidia-h100-80gb.on_demand", n.GetProperty("routingKey").GetString()));
        var first = Version(lines[0]);
        Assert.Equal([first, first + 1, first + 2], lines.Select(Version));
    }

    [Fact]
    public async Task Watch_resume_after_replays_the_recorded_changes_after_that_version_then_goes_live()
    {
        var provider = NewProvider();
        await Feed.RecordAsync(Change(provider, 1, old: null, @new: 98.32m), Ct);
        await Feed.RecordAsync(Change(provider, 2, old: 98.32m, @new: 95m), Ct);
        await Feed.RecordAsync(Change(provider, 2, old: 40m, @new: 41m, region: "westus3"), Ct);
        using var guard = Guard();
        var output = new LineWriter();
        var watch = Cli.RunAsync(["watch", "--provider", provider, "--resume-after", $"{provider}=1", "--count", "4", "--json", "--server", server.Address], output, new StringWriter(), guard.Token);

        // The server subscribes before it replays, so once the replay is printed every later change reaches the watcher.
        await output.NextLineAsync(guard.Token);
        await Feed.RecordAsync(Change(provider, 3, old: 95m, @new: 90m), guard.Token);
        await Feed.RecordAsync(Change(provider, 4, old: 90m, @new: 85m), guard.Token);

        Assert.Equal(0, await watch);
        var lines = JsonLines(output.ToString());
        Assert.Equal([2L, 2L, 3L, 4L], lines.Select(Version));
        Assert.Equal([true, true, false, false], lines.Select(n => n.GetProperty("replayed").GetBoolean()));
        Assert.Equal(["eastus", "westus3"], lines.Take(2).Select(n => n.GetProperty("change").GetProperty("offer").GetProperty("region").GetString()).Order());
    }

    [Fact]
    public async Task A_change_at_or_before_the_resume_point_arriving_after_the_replay_is_not_sent_again()
    {
        // The client saw up to version 1 before it reconnected. One version-1 change was still in flight here (not yet
        // in the history the replay read), so it arrives live after the replay: the client has it and must not get it
        // twice. A late version-2 change is news to the client and is sent.
        var provider = NewProvider();
        await Feed.RecordAsync(Change(provider, 2, old: 98.32m, @new: 95m), Ct);
        using var guard = Guard();
        var output = new LineWriter();
        var watch = Cli.RunAsync(["watch", "--provider", provider, "--resume-after", $"{provider}=1", "--count", "3", "--json", "--server", server.Address], output, new StringWriter(), guard.Token);
        await output.NextLineAsync(guard.Token);

        await Feed.RecordAsync(Change(provider, 1, old: 30m, @new: 31m, region: "westus2"), guard.Token);
        await Feed.RecordAsync(Change(provider, 2, old: 40m, @new: 41m, region: "westus3"), guard.Token);
        await Feed.RecordAsync(Change(provider, 3, old: 95m, @new: 90m), guard.Token);

        Assert.Equal(0, await watch);
        var lines = JsonLines(output.ToString());
        Assert.Equal([2L, 2L, 3L], lines.Select(Version));
        Assert.Equal([true, false, false], lines.Select(n => n.GetProperty("replayed").GetBoolean()));
        Assert.DoesNotContain(lines, n => n.GetProperty("change").GetProperty("offer").GetProperty("region").GetString() == "westus2");
    }

    [Fact]
    public async Task Watch_text_prints_one_line_per_change_with_both_prices()
    {
        var provider = NewProvider();
        await Feed.RecordAsync(Change(provider, 5, old: 98.32m, @new: 90m), Ct);
        using var guard = Guard();
        var output = new StringWriter();

        var code = await Cli.RunAsync(["watch", "--pattern", $"{provider}.*.nvidia-h100-80gb.#", "--resume-after", $"{provider}=4", "--count", "1", "--server", server.Address], output, new StringWriter(), guard.Token);

        Assert.Equal(0, code);
        var line = Assert.Single(output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains($"{provider}  v5  changed", line, StringComparison.Ordinal);
        Assert.Contains($"{provider}.eastus.nvidia-h100-80gb.on_demand  Standard_ND96isr_H100_v5", line, StringComparison.Ordinal);
        Assert.Contains("$98.32 -> $90.00 /instance-h", line, StringComparison.Ordinal);
        Assert.Contains("$12.29 -> $11.25 /accelerator-h", line, StringComparison.Ordinal);
        Assert.Contains("(replayed)", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cancelling_a_watch_like_Ctrl_C_exits_0()
    {
        var provider = NewProvider();
        await Feed.RecordAsync(Change(provider, 1), Ct);
        using var guard = Guard();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(guard.Token);
        var output = new LineWriter();
        var watch = Cli.RunAsync(["watch", "--provider", provider, "--resume-after", $"{provider}=0", "--server", server.Address], output, new StringWriter(), stop.Token);
        await output.NextLineAsync(guard.Token);

        await stop.CancelAsync();

        Assert.Equal(0, await watch);
        Assert.False(guard.IsCancellationRequested);
    }

    [Fact]
    public async Task A_watch_the_server_refuses_lists_the_field_violations()
    {
        using var channel = global::Grpc.Net.Client.GrpcChannel.ForAddress(server.Address);
        // Past the CLI's own checks (a request built by hand): the server's InvalidArgument is passed on, not retried.
        var arguments = new WatchArguments(new WatchPriceChangesRequest { Filter = new PriceChangeFilter { RoutingPattern = "aws..#" } }, Json: false, server.Address, Count: 1);

        var ex = await Assert.ThrowsAsync<RpcException>(() => WatchCommand.WatchAsync(new PriceChanges.PriceChangesClient(channel), arguments, new StringWriter(), new StringWriter(), Pricing.Client.PriceChangeWatchOptions.Default, Ct));

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Contains(QuoteCommand.Violations(ex), v => v.StartsWith("filter.routing_pattern: ", StringComparison.Ordinal));
    }

    /// <summary>A StringWriter that also hands each written line to the test as it is written.</summary>
    internal sealed class LineWriter : StringWriter
    {
        private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();

        public override void WriteLine(string? value)
        {
            lock (this)
            {
                base.WriteLine(value);
            }

            _lines.Writer.TryWrite(value ?? "");
        }

        public override string ToString()
        {
            lock (this)
            {
                return base.ToString();
            }
        }

        public async Task<string> NextLineAsync(CancellationToken cancellationToken) => await _lines.Reader.ReadAsync(cancellationToken);
    }
}
